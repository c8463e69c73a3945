"""`python -m ingest build [--no-swap] [--docs]`: load, then `dbt build` the warehouse aside and
swap it in.

Analysts keep DATA_DIR/warehouse.duckdb open read-only while a refresh runs, so the next
warehouse is built into a fresh file (DATA_DIR/build/warehouse.duckdb), with parsed.duckdb and
archive.duckdb attached read-only, and only a complete, tested build replaces the published
file, by one atomic rename (`publish`). A reader that had the old file open keeps reading the
old file (its inode lives on until closed); the next one opens the new file. A failed build
leaves the published warehouse untouched.

dbt always runs as a subprocess (one DuckDB writer per file; dbt's global state stays out of
our process); its full output goes to DATA_DIR/logs/dbt-<time>.log and a failure is reported
as one line naming the first failing node.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ingest.children import child_kwargs
from ingest.config import REPO_ROOT, Paths, paths as default_paths
from ingest.errors import PipelineError, UserError
from ingest.safeio import StorageError, atomic_copy, atomic_write_text, fault_point, free_bytes, fsync_dir, human
from ingest.correct import corrections_for_build
from ingest.load import incremental

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
BUILD_FILE = "warehouse.duckdb"
# What one build of this checkout leaves for the next, whatever its DATA_DIR (dbt's own `target`
# directory of the project: ignored by git and by the project fingerprint): dbt's partial parse,
# and the fingerprints whose unit tests passed.
BUILD_CACHE = DBT_PROJECT_DIR / "target" / "ingest-build-cache"
PARSE_FILE = "partial_parse.msgpack"
# dbt_runner's Jinja compilations (ingest/load/jinja_cache.py) and dbt's JSON schemas
# (ingest/load/schema_cache.py): reused like the partial parse
TEMPLATES_FILE = "jinja_code.marshal"
SCHEMAS_FILE = "json_schemas.json"
UNIT_TESTS_PASSED = "unit-tests-passed"
# The folds of data tests, each run as one node by dbt_project/tests/folded_checks_<fold>.sql
FOLDS = ("staging", "intermediate", "marts")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="state directory (default: $DATA_DIR or ./data)")
    parser.add_argument("--no-swap", action="store_true",
                        help="build DATA_DIR/build/warehouse.duckdb but do not publish it "
                             "(validation publishes after writing its findings)")
    parser.add_argument("--skip-load", action="store_true",
                        help="do not parse new documents first; build from parsed.duckdb as it is")
    parser.add_argument("--docs", action="store_true",
                        help="also write the data dictionary (dbt docs) to DATA_DIR/reports/data_dictionary")
    parser.add_argument("--workers", type=int, default=None, help="parser processes for the load")
    parser.add_argument("--full", action="store_true",
                        help="rebuild every table from scratch instead of updating a copy of the published "
                             "warehouse with the reports that changed (the result is the same)")


def run(args: argparse.Namespace) -> int:
    p = default_paths(args.data_dir)
    if not args.skip_load:
        from ingest.load.loader import load, progress_bar
        from ingest.progress_lines import loader_callback

        # under a refresh on a terminal: progress lines for its live line; alone on one: a bar
        progress = loader_callback() or progress_bar()
        print(load(p, workers=args.workers, progress=progress).line(), flush=True)
    started = time.perf_counter()
    built = build_warehouse(p, swap=not args.no_swap, load_first=False, docs=args.docs, full=args.full)
    where = p.warehouse_db if not args.no_swap else built
    print(f"build: warehouse ready at {where} ({_summary(where)}; {describe_last_build(where)}; "
          f"{time.perf_counter() - started:.1f}s)")
    return 0


def build_warehouse(paths: Paths, *, swap: bool = True, load_first: bool = True,
                    docs: bool = False, full: bool = False) -> Path:
    """load → dbt build into DATA_DIR/build/warehouse.duckdb → (swap) publish it.

    The build starts from a copy of the published warehouse and rewrites only what the changed
    reports touch (incremental.choose_mode says when it may); otherwise from a fresh file."""
    if load_first:
        # imported here: the loader (parsers, pyarrow) is most of this module's import time, and
        # `ingest build --skip-load` does not load
        from ingest.load.loader import load

        load(paths)
    if not paths.parsed_db.exists():
        raise UserError(f"nothing to build: {paths.parsed_db} does not exist (run `python -m ingest load`)")
    with _build_lock(paths):
        built = paths.build_dir / BUILD_FILE
        _remove_db(built)  # a leftover of a failed or unpublished build: always start fresh
        archive_db = paths.archive_db
        if not archive_db.exists():
            raise UserError(f"no archive at {archive_db}: the warehouse traces every report to it")
        started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        mode = incremental.choose_mode(paths, full=full)
        print(f"build: {mode.mode} ({mode.reason})", flush=True)
        if mode.mode == "incremental":
            incremental.copy_published(paths, built)
        env = dbt_env(paths, built)
        env["WAREHOUSE_BUILD_MODE"] = mode.mode
        # fail fast: a build with one failure is never published, so the rest is wasted time
        command = ["build", "--fail-fast"]
        # The cheap checks run folded, one node a layer (dbt_project/macros/folded_checks.sql):
        # the tests they fold are left out here, or they would run twice.
        command += ["--exclude", *(f"config.meta.fold:{fold}" for fold in FOLDS)]
        # Unit tests pin the SQL of the models with made-up rows, not the data: their result is
        # decided by the project, dbt, DuckDB and the column types of the sources, nothing else.
        # An incremental build's project is byte for byte the one whose full build ran them
        # (incremental.choose_mode); a full build skips them when a build of this checkout
        # already passed them with the same project and source columns (2.8 s of a 21,000-report
        # build, on its critical path: they run just before mart_county_year).
        unit_key = unit_test_key(paths) if mode.mode == "full" else None
        unit_tests = unit_key is not None and not _unit_tests_passed(unit_key)
        if not unit_tests:
            command += ["--exclude-resource-type", "unit_test"]
            if mode.mode == "full":
                print("build: unit tests skipped (passed before with this project and these source columns)",
                      flush=True)
        dbt_started = time.perf_counter()
        run_dbt(paths, command, env, label="dbt build")
        if unit_tests:
            _record_unit_tests_passed(unit_key)
        incremental.record_build(paths, built, mode, started, time.perf_counter() - dbt_started)
        if docs:
            target = paths.reports_dir / "data_dictionary"
            run_dbt(paths, ["docs", "generate", "--target-path", str(target)], env, label="dbt docs generate")
        _checkpoint(built)
        if swap:
            publish(paths, built)
    return built


def publish(paths: Paths, built: Path | None = None) -> Path:
    """Atomically replace the published warehouse with the built one (same filesystem rename)."""
    built = built or paths.build_dir / BUILD_FILE
    if not built.is_file():
        raise UserError(f"nothing to publish: {built} does not exist (run `python -m ingest build --no-swap`)")
    _checkpoint(built)
    wal = Path(str(built) + ".wal")
    if wal.exists():
        raise PipelineError(f"{built} still has a write-ahead log: a writer is still open on it")
    paths.warehouse_db.parent.mkdir(parents=True, exist_ok=True)
    fault_point("publish")  # tests/faults: a SIGKILL here must leave the old warehouse published
    os.replace(built, paths.warehouse_db)
    fsync_dir(paths.warehouse_db.parent)
    # The Datasette copy is not made here: at national scale it takes longer than an
    # incremental build. The refresh makes it as a stage of its own, `browse` when it is stale.
    return paths.warehouse_db


# What dbt is given of this process's environment: its own settings (DBT_*), the project's
# (WAREHOUSE_* and INGEST_*, read by env_var() in dbt_project/; a test checks every name read
# there is passed), DuckDB's, the interpreter's, the locale, and DATA_DIR (which says whose
# build a dbt process is).
# dbt scrubs every log line it writes of secrets by scanning its whole environment (dbt_common
# env_secrets, once per line, thousands of lines a build), so every other variable a shell or a
# scheduler exports cost time on each line: 9 % of dbt's Python work in a small build with 48
# variables.
DBT_ENV_PREFIXES = ("DBT_", "WAREHOUSE_", "INGEST_", "DUCKDB_", "PYTHON", "LC_")
DBT_ENV_NAMES = frozenset({"PATH", "HOME", "LANG", "TZ", "TMPDIR", "TMP", "TEMP", "USER", "DATA_DIR"})


def dbt_env(paths: Paths, built: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(DBT_ENV_PREFIXES) or k in DBT_ENV_NAMES}
    # Relative to dbt's working directory, DATA_DIR/build (run_dbt): dbt keeps its partial parse
    # only while the profile's connection settings are unchanged, and with these the settings
    # are the same in every DATA_DIR, so a fresh DATA_DIR starts from the last build's parse.
    rel = functools.partial(os.path.relpath, start=paths.build_dir)
    env.update({
        "WAREHOUSE_BUILD_DB": rel(built),
        "PARSED_DB": rel(paths.parsed_db),
        "ARCHIVE_DB": rel(paths.archive_db),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        # No network here, and a build must never wait on one.
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        "DBT_USE_COLORS": "false",
        "DBT_PARTIAL_PARSE": "true",
        # the reviewed corrections laid over the parsed values (ingest/correct.py)
        "CORRECTIONS_FILE": str(corrections_for_build(paths)),
        "WAREHOUSE_BIG_FACTS_APART": "1" if big_facts_apart(paths) else "0",
    })
    return env


def big_facts_apart(paths: Paths) -> bool:
    """Whether fct_applications must wait for fct_application_totals (macros/report_batches.sql):
    side by side, in batches of 50,000 reports, the two ran out of memory at 805,000 reports. At
    half a batch or less, the two together read no more reports than one batch alone, and waiting
    costs a small warehouse its largest model's time on the critical path (4 s of a 21,000-report
    build's 28). Decided from the reports parsed, whatever the build: an incremental build of a
    new parser version rewrites every report in one batch."""
    try:
        batch = int(os.environ.get("WAREHOUSE_REPORT_BATCH", "50000") or "50000")
    except ValueError:
        return True  # not a number: dbt's report_batch_count says so in one line; apart is safe
    try:
        with duckdb.connect(str(paths.parsed_db), read_only=True) as con:
            reports = con.execute("SELECT count(DISTINCT report_id) FROM reports").fetchone()[0]
    except duckdb.Error:
        return True  # unreadable here: dbt says why; apart is the safe way
    return reports > batch // 2


def dbt_executable() -> list[str]:
    """dbt as ingest runs it: ingest/load/dbt_runner.py (dbt's own entry point, without the two
    manifest.json writes of its command line), from this checkout (run_dbt puts REPO_ROOT on
    PYTHONPATH: dbt's working directory is the build directory)."""
    return [sys.executable, "-m", "ingest.load.dbt_runner"]


def run_dbt(paths: Paths, command: list[str], env: dict[str, str], *, label: str) -> Path:
    """Run one dbt command as a subprocess; full output to a log; one clear line on failure."""
    paths.logs_dir.mkdir(parents=True, exist_ok=True)
    paths.build_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    log = paths.logs_dir / f"dbt-{command[0]}-{stamp}.log"
    target = paths.build_dir / "dbt_target"
    args = [*dbt_executable(), *command, "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR), "--log-path", str(paths.logs_dir / "dbt")]
    keeps_target = "--target-path" not in command
    if keeps_target:
        args += ["--target-path", str(target)]
        forget_parse_of_another_project(target)
        _reuse_cached_parse(target)
    dbt_log = paths.logs_dir / "dbt" / "dbt.log"
    dbt_log_start = dbt_log.stat().st_size if dbt_log.exists() else 0
    env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))}
    with open(log, "w", encoding="utf-8") as out:
        # dies with this process (a SIGKILL of the refresh must not leave dbt finishing a build)
        # the build directory: the profile's paths are relative to it (dbt_env)
        proc = subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=paths.build_dir,
                              **child_kwargs(own_group=False))
    if proc.returncode != 0:
        _raise_if_disk_full(paths, log, label, (dbt_log, dbt_log_start))
        # the databases as dbt's profile attaches them, for a failed test's rows
        databases = {alias: paths.build_dir / env[var] for alias, var in
                     (("warehouse", "WAREHOUSE_BUILD_DB"), ("parsed", "PARSED_DB"), ("archive", "ARCHIVE_DB"))
                     if env.get(var)}
        raise PipelineError(f"{label} failed: {_first_failure(target, log, (dbt_log, dbt_log_start), databases)} "
                            f"(full log: {log})")
    if keeps_target:
        for name in (PARSE_FILE, TEMPLATES_FILE, SCHEMAS_FILE):
            if (target / name).exists():
                _cache(target / name, BUILD_CACHE / name)
    return log


def _reuse_cached_parse(target: Path) -> None:
    """Start a target without a partial parse (a fresh DATA_DIR, a removed build directory)
    from the last one this checkout wrote: a full parse of the project is 2.4 s of a 21,000-report
    build, a partial one 0.8 s. dbt checks the file against the project's files, the profile and
    the environment it reads, and parses again whatever differs, so a stale copy costs a parse,
    never a wrong build. The same for the runner's Jinja compilations, served only for the text
    they were compiled from."""
    for name in (PARSE_FILE, TEMPLATES_FILE, SCHEMAS_FILE):
        mine, cached = target / name, BUILD_CACHE / name
        if mine.exists() or not cached.exists():
            continue
        try:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, mine)
        except OSError:
            mine.unlink(missing_ok=True)  # no half copy left behind (dbt would parse in full anyway)


def _cache(src: Path, dest: Path) -> None:
    """Copy src into the build cache by rename (builds of other DATA_DIRs may run beside this one:
    a temp name of this process's own); a checkout that cannot be written just keeps no cache."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        atomic_copy(src, dest, suffix=f".{os.getpid()}.tmp")
    except OSError:
        pass


def unit_test_key(paths: Paths) -> str:
    """What decides the unit tests' result: the project fingerprint (models, macros, seeds, dbt,
    DuckDB) and the column names and types of the attached sources, from which dbt takes the
    columns a unit test's fixtures leave out."""
    h = hashlib.sha256(incremental.project_fingerprint().encode())
    con = duckdb.connect()
    try:
        for alias, db in (("parsed", paths.parsed_db), ("archive", paths.archive_db)):
            _attach_read_only(con, db, alias)
            for row in con.execute("SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
                                   "WHERE database_name = ? ORDER BY ALL", [alias]).fetchall():
                h.update(("\0".join(row) + "\n").encode())
    except duckdb.Error:
        return ""  # unreadable here: dbt says why; the unit tests run
    finally:
        con.close()
    return h.hexdigest()


def _unit_tests_passed(key: str) -> bool:
    try:
        return bool(key) and key in (BUILD_CACHE / UNIT_TESTS_PASSED).read_text(encoding="utf-8").split()
    except OSError:
        return False


def _record_unit_tests_passed(key: str) -> None:
    """Remember the key of a build whose unit tests passed (the last 20: the cache of a checkout that
    moves between branches)."""
    if not key:
        return
    file = BUILD_CACHE / UNIT_TESTS_PASSED
    try:
        keys = [k for k in file.read_text(encoding="utf-8").split() if k != key]
    except OSError:
        keys = []
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(file, "\n".join([*keys[-19:], key]) + "\n")
    except OSError:
        pass


def forget_parse_of_another_project(target: Path) -> None:
    """dbt's partial-parse file keeps the project's absolute paths: reused after the checkout
    moved (another clone, a worktree) it sends the seeds to the old path, which fails the build.
    Keep it only for the project directory that wrote it."""
    stamp = target / ".project_dir"
    here = str(DBT_PROJECT_DIR.resolve())
    try:
        if stamp.read_text(encoding="utf-8") == here:
            return
    except OSError:
        pass
    (target / "partial_parse.msgpack").unlink(missing_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    stamp.write_text(here, encoding="utf-8")


def _raise_if_disk_full(paths: Paths, log: Path, label: str, dbt_log: tuple[Path, int] | None = None) -> None:
    """A full disk kills dbt with a Python traceback, a DuckDB I/O error, or only dbt's own
    "--- Logging error ---" (the logs are on the same full disk, so the reason may never reach
    them): say that instead. The disk is taken as the cause when a log names it or when almost
    nothing is left free once dbt has stopped."""
    texts = []
    for path, start in ((log, 0), *([dbt_log] if dbt_log else [])):
        try:
            with open(path, "rb") as fh:
                fh.seek(start)
                texts.append(fh.read().decode("utf-8", errors="replace"))
        except OSError:
            pass
    text = "\n".join(texts)
    free = free_bytes(paths.build_dir)
    if ("No space left on device" in text or "Disk quota exceeded" in text
            or (free is not None and free < 1024 * 1024)):
        raise StorageError(errno.ENOSPC, f"disk full during {label} in {paths.build_dir} ({human(free)} free); "
                                         "free some space and run again (the published warehouse is unchanged; "
                                         "the next refresh removes the partial build)")


def _attach_read_only(con, db: Path, alias: str) -> None:
    quoted = str(db).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS {alias} (READ_ONLY)")


def _test_rows(sql: str, databases: dict[str, Path], limit: int = 3) -> str:
    """The first rows a failed data test returns, as `column=value` pairs ("" when they cannot
    be read: the build's own error line stays as dbt gave it)."""
    con = duckdb.connect()
    try:
        for alias, db in databases.items():
            if not db.exists():
                return ""
            _attach_read_only(con, db, alias)
        cur = con.execute(f"SELECT * FROM ({sql}) AS failed LIMIT {limit + 1}")
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    except duckdb.Error:
        return ""
    finally:
        con.close()
    shown = "; ".join(", ".join(f"{k}={v}" for k, v in zip(names, row) if v is not None) for row in rows[:limit])
    return shown + (" …" if len(rows) > limit else "")


def _first_failure(target: Path, log: Path, dbt_log: tuple[Path, int] | None = None,
                   databases: dict[str, Path] | None = None) -> str:
    results = target / "run_results.json"
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
        if results.stat().st_mtime >= log.stat().st_ctime - 1:
            bad = [r for r in data.get("results", []) if r.get("status") in ("error", "fail")]
            # With --fail-fast, a node running beside the failing one is interrupted and also
            # reports an error: name the real cause first.
            bad.sort(key=lambda r: any(w in str(r.get("message") or "").lower()
                                       for w in ("interrupt", "cancel", "fail_fast", "fail fast")))
            if bad:
                r = bad[0]
                name = r.get("unique_id", "?").split(".", 2)[-1]
                msg = " ".join(str(r.get("message") or "").split())
                # dbt's wrapper around a model's own error() says nothing the node name does not
                msg = re.sub(r"^Runtime Error in model \S+ \([^)]*\)\s*(Invalid Input Error:\s*)?", "", msg)[:300]
                more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
                if r.get("status") == "fail" and r.get("compiled_code") and databases:
                    # a data test found rows: which checks, of which table (a folded test
                    # holds many, and dbt's message only counts the rows)
                    rows = _test_rows(r["compiled_code"], databases)
                    if rows:
                        msg = f"{msg}: {rows}"
                return f"{name}: {msg}{more}"
    except (OSError, ValueError):
        pass
    lines = [ln.strip() for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    # A model that raised (e.g. int_cell_corrections' error()) under --fail-fast: dbt-duckdb may
    # crash cancelling the other threads before writing run_results, and the console shows only
    # that crash. The model's name is in the console, its error in this run's part of dbt.log.
    failed = [m.group(1) for ln in lines
              if (m := re.search(r"ERROR creating sql \S+ model \S*?\.?(\w+) \.", ln))]
    if failed and dbt_log is not None:
        try:
            with open(dbt_log[0], "rb") as fh:
                fh.seek(dbt_log[1])
                new = fh.read().decode("utf-8", errors="replace")
        except OSError:
            new = ""
        found = re.search(r"duckdb error: (?:[A-Za-z ]*Error: )?(.+)", new)
        if found:
            return f"{failed[0]}: {' '.join(found.group(1).split())[:300]}"
    # No results (dbt failed before running anything, e.g. a parse or connection error): the
    # lines after dbt's "Encountered an error", which name the file and the problem.
    start = next((i for i, ln in enumerate(lines) if "Encountered an error" in ln), None)
    if start is not None:
        detail = [ln for ln in lines[start + 1:start + 8] if not set(ln) <= set("-")]
        return " ".join(" ".join(detail).split())[:300]
    errors = [ln for ln in lines if "error" in ln.lower()]
    return " ".join((errors or lines or ["no output"])[-1].split())[:300]


def _checkpoint(db: Path) -> None:
    """Fold any write-ahead log into the file, so the renamed file is complete on its own."""
    if not db.exists():
        raise PipelineError(f"dbt reported success but {db} does not exist")
    con = duckdb.connect(str(db))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _remove_db(db: Path) -> None:
    for p in (db, Path(str(db) + ".wal")):
        if p.exists():
            p.unlink()


@contextmanager
def _build_lock(paths: Paths):
    paths.build_dir.mkdir(parents=True, exist_ok=True)
    fh = open(paths.build_dir / ".build.lock", "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"another build is running in {paths.data_dir}") from None
        yield
    finally:
        fh.close()


def describe_last_build(db: Path) -> str:
    """One phrase on the newest warehouse_builds row: full, or incremental with its counts."""
    try:
        con = duckdb.connect(str(db), read_only=True)
        try:
            row = con.execute("SELECT mode, reports_added, reports_changed, reports_removed, dbt_seconds "
                              "FROM warehouse_builds ORDER BY finished_at DESC LIMIT 1").fetchall()
        finally:
            con.close()
    except duckdb.Error:
        return "build record unavailable"
    if not row:
        return "no build record"
    mode, added, changed, removed, seconds = row[0]
    if mode == "full":
        return f"full build, dbt {seconds:.1f}s"
    return f"incremental: {added} added, {changed} changed, {removed} removed reports; dbt {seconds:.1f}s"


def _summary(db: Path) -> str:
    try:
        con = duckdb.connect(str(db), read_only=True)
        try:
            reports = con.execute("SELECT count(*) FROM dim_report").fetchall()[0][0]
            rows = con.execute("SELECT count(*) FROM mart_county_year").fetchall()[0][0]
        finally:
            con.close()
        return f"{reports} reports, {rows} county-years"
    except duckdb.Error:
        return "summary unavailable"
