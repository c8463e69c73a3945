"""The refresh job: registry → validated warehouse → rendered notebooks, in one locked run.

Order: lock → import the shipped snapshot → crawl → (load + dbt build aside → validate →
publish) → notebooks → export → summary. The bracketed part is skipped when none of its inputs
changed since the last published build (see state.py), which is what makes an idle run fast
and leaves the marts byte-for-byte as they were.

Failure policy: a crawl that breaks does not stop the run (the archive still builds, which is
the whole point of the snapshot), but it makes the exit code 1. A build or validation that
breaks stops before publishing, so analysts keep the last good warehouse.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from ingest.children import stop_with_make
from ingest.config import Paths
from ingest.errors import UserError
from ingest.progress_lines import PROGRESS_ENV
from ingest.refresh import docs as docs_mod
from ingest.refresh import progress as progress_mod
from ingest.refresh import recover
from ingest.refresh import state as state_mod
from ingest.refresh import summary as summary_mod
from ingest.refresh.lock import AlreadyRunning, RefreshLock
from ingest.refresh.runlog import RunLog, StageResult, prune_logs
from ingest.safeio import StorageError, atomic_write_text, fault_point, require_space, storage_problem

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_FINDINGS = 3  # the run succeeded, and validation recorded findings about publishers
EXIT_BUSY = 0  # another refresh holds the lock: not an error for cron (docs/operations.md)


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"


def refresh(paths: Paths, options) -> int:
    started = datetime.now(timezone.utc)
    run_id = new_run_id(started)
    log_path = paths.logs_dir / f"refresh-{run_id}.log"
    try:
        lock = RefreshLock(paths.data_dir / "refresh.lock",
                           started_at=started.isoformat(timespec="seconds"), log=log_path)
        lock.__enter__()
    except AlreadyRunning as busy:
        print(f"refresh: {busy}; this run exits without doing anything", file=sys.stderr)
        return EXIT_BUSY
    except OSError as exc:
        raise UserError(f"cannot use the data directory {paths.data_dir}: {exc.strerror or exc}") from None
    # SIGTERM (cron's kill, systemd's stop) ends the run like Ctrl-C: the running stage is
    # stopped and the summary still written, instead of dying with a stage left running.
    previous = signal.signal(signal.SIGTERM, _terminate)
    # Under `make refresh`, a kill -9 of make sends us that SIGTERM (ingest/children.py).
    stop_with_make()
    try:
        paths.logs_dir.mkdir(parents=True, exist_ok=True)
        print(f"refresh {run_id} started (pid {os.getpid()}), data in {paths.data_dir}", flush=True)
        print(f"  log: {log_path}", flush=True)
        log = RunLog(log_path, echo=options.verbose)
        try:
            job = RefreshJob(paths, options, log, run_id, started, previous=lock.previous)
            summary = job.run()
        finally:
            log.close()
        if log.error is not None:
            summary.problems.append(f"the run log is incomplete: {storage_problem(log.error) or log.error}")
            summary.exit_code, summary.outcome = EXIT_FAILED, "FAILED"
        text = summary.render()
        print(text, flush=True)
        # The summary is printed first, so a full disk below costs only the files, not the news.
        summary_file = paths.logs_dir / f"refresh-{run_id}.summary.json"
        try:
            with log_path.open("a", encoding="utf-8") as fh:
                fh.write("\n" + text + "\n")
            atomic_write_text(summary_file, summary.to_json() + "\n")
            _point_latest(paths.logs_dir, log_path)
            prune_logs(paths.logs_dir, options.keep_logs)
        except OSError as exc:
            print(f"error: {storage_problem(exc) or exc} (summary not saved to {summary_file})",
                  file=sys.stderr, flush=True)
            return EXIT_FAILED
        return summary.exit_code
    finally:
        signal.signal(signal.SIGTERM, previous)
        lock.__exit__(None, None, None)


def _modified(db: Path) -> str | None:
    from ingest.export import modified_at

    return modified_at(db) if db.exists() else None


def _exported_from(out: Path) -> str | None:
    """The warehouse modification time recorded by the last export into `out`."""
    try:
        return json.loads((out / "manifest.json").read_text(encoding="utf-8")).get("warehouse_modified")
    except (OSError, ValueError):
        return None


def build_space_needed(paths: Paths) -> int:
    """What a build needs free, estimated from what the last one took: a new warehouse beside
    the published one (about its size, or twice the parse store's when there is none), plus
    the parse store's growth and dbt's logs."""
    def size(p: Path) -> int:
        try:
            return p.stat().st_size
        except OSError:
            return 0

    warehouse = size(paths.warehouse_db) or 2 * size(paths.parsed_db)
    return int(warehouse * 1.2) + size(paths.parsed_db) // 5 + 8 * 1024 * 1024


def _terminate(signum, frame):
    raise KeyboardInterrupt


def _point_latest(logs_dir: Path, log_path: Path) -> None:
    """logs/latest.log → the newest run's log (a convenience for `tail`)."""
    link = logs_dir / "latest.log"
    tmp = logs_dir / ".latest.log.tmp"
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(log_path.name)
        os.replace(tmp, link)
    except OSError:
        pass


class RefreshJob:
    def __init__(self, paths: Paths, options, log: RunLog, run_id: str, started: datetime,
                 previous=None):
        self.paths = paths
        self.o = options
        self.log = log
        self.previous = previous  # lock details of a refresh that died holding the lock
        self.rebuild_reason: str | None = None  # set when the published warehouse is damaged
        self.t0 = time.monotonic()
        self.s = summary_mod.Summary(
            run_id=run_id, started_at=started.isoformat(timespec="seconds"),
            data_dir=str(paths.data_dir), offline=bool(options.offline), log=str(log.path),
        )

    # ---- helpers -------------------------------------------------------------------------
    def stage(self, name: str, args: list[str], **kw) -> StageResult:
        if not progress_mod.enabled():  # a cron log: one line per stage start and end
            print(f"  {name} …", flush=True)
            r = self.log.run_stage(name, args, self.paths, **kw)
        else:  # a terminal: a live line with the elapsed time and what the stage got through
            ticker = progress_mod.Ticker(name, self.paths.logs_dir).start()
            try:
                r = self.log.run_stage(name, args, self.paths, on_line=ticker.on_line,
                                       env={PROGRESS_ENV: "1"}, **kw)
            finally:
                ticker.stop()
        self.s.stages.append({"stage": name, "exit_code": r.exit_code, "seconds": round(r.seconds, 1)})
        verdict = "ok" if r.ok else f"exit {r.exit_code}"
        print(f"  {name}: {verdict} ({r.seconds:.1f} s)", flush=True)
        return r

    def problem(self, text: str) -> None:
        self.s.problems.append(text)
        self.log.write("PROBLEM: " + text)

    @staticmethod
    def last_error(r: StageResult) -> str:
        for line in reversed(r.tail):
            if line.strip().lower().startswith(("error", "internal error")):
                return line.strip()
        return (r.tail[-1].strip() if r.tail else "no output")

    # ---- the job -------------------------------------------------------------------------
    def run(self) -> summary_mod.Summary:
        try:
            if not self.recover():
                self.finish()
                return self.s
            before = summary_mod.before(self.paths)
            self.import_snapshot()
            self.crawl()
            self.collect_crawl(before)
            built = self.build_validate_publish(before)
            if built is not None and not self.o.no_notebooks:
                self.notebooks(rebuilt=built)
            if built is not None:
                self.browse_copy()
            if self.o.export:
                self.export(rebuilt=bool(built))
        except KeyboardInterrupt:
            self.problem("interrupted (SIGTERM or Ctrl-C); the published warehouse is whatever was last published")
        except Exception as exc:  # the summary and the lock release must still happen
            problem = storage_problem(exc)
            if problem:  # a full or read-only disk: one line, no traceback
                self.problem(problem)
                self.finish()
                return self.s
            self.problem(f"refresh itself failed: {type(exc).__name__}: {exc}")
            self.log.write("traceback follows", stage="refresh")
            import traceback
            self.log.write(traceback.format_exc())
        self.finish()
        return self.s

    def recover(self) -> bool:
        """Clean what a killed run left; notice damaged stores. False: the run cannot go on."""
        notes = recover.clean_leftovers(self.paths, self.previous)
        damage = recover.archive_damage(self.paths)
        if damage is None:
            derived, self.rebuild_reason = recover.check_derived(self.paths)
            notes += derived
        for note in notes:
            self.s.cleaned.append(note)
            self.log.write("cleaned: " + note)
            print(f"  cleaned: {note}", flush=True)
        if damage:
            self.problem(damage)
            return False
        return True

    def import_snapshot(self) -> None:
        if self.o.no_snapshot:
            return
        r = self.stage("snapshot", ["archive", "import-snapshot"])
        if not r.ok:
            self.problem(f"importing the shipped snapshot failed: {self.last_error(r)}")

    def crawl(self) -> None:
        args = ["crawl", "--quiet"]
        if self.o.offline:
            args.append("--offline")
        if self.o.registry:
            args += ["--registry", str(self.o.registry)]
        r = self.stage("crawl", args, timeout_s=self.o.crawl_timeout)
        if not r.ok:
            # Keep going: building from what the archive already holds is the point of it.
            self.problem(f"crawl failed ({self.last_error(r)}); building from the archive as it is")

    def collect_crawl(self, before: summary_mod.Before) -> None:
        outcomes = summary_mod.crawl_outcome(self.paths, before.crawl_runs)
        self.s.sources_reached = [o.source_id for o in outcomes if o.reached]
        self.s.sources_failed = [{"source_id": o.source_id, "status": o.status, "error": o.error}
                                 for o in outcomes if o.contacted and not o.reached]
        self.s.sources = [asdict(o) for o in outcomes if o.contacted]
        docs = summary_mod.documents(self.paths)
        self.s.archive_documents = len(docs)
        self.s.new_documents = len(docs - before.documents)
        self.s.formats = summary_mod.crawl_formats(self.paths, before.crawl_runs)

    def build_validate_publish(self, before: summary_mod.Before) -> bool | None:
        """True when a new warehouse was published, False when skipped, None when it failed."""
        fp = state_mod.current(self.paths)
        st = state_mod.State.read(self.paths)
        reasons = fp.changed_warehouse_inputs(st.warehouse)
        if not self.paths.warehouse_db.exists():
            reasons = ["no published warehouse"]
        if self.o.force or self.o.docs:
            reasons = ["--force" if self.o.force else "--docs"]
        if self.rebuild_reason:
            reasons = [self.rebuild_reason]
        self.s.rebuild_reasons = reasons
        if not reasons:
            self.s.warehouse = f"unchanged (nothing new since run {st.last_build_run}; build, validation and notebooks skipped)"
            self.log.write("inputs unchanged since the last published build: skipping build and validation")
            return False

        self.log.write("rebuilding because: " + ", ".join(reasons))
        # The data dictionary only changes with the dbt project: regenerate it (≈15 s) then.
        docs = not self.o.no_docs and (
            self.o.docs or st.docs_dbt_project != fp.build.get("dbt_project")
            or not docs_mod.static_page(self.paths).exists())
        try:
            require_space(self.paths.data_dir, build_space_needed(self.paths), "the warehouse build")
        except StorageError as exc:
            self.problem(exc.strerror)
            return None
        # --force rebuilds from scratch; otherwise the build starts from the published warehouse
        # when it can (ingest/load/incremental.py) and says which it did in its log
        full = ["--full"] if self.o.force else []
        r = self.stage("build", ["build", "--no-swap"] + full + (["--docs"] if docs else []))
        self.s.new_reports = summary_mod.new_reports(self.paths, before.reports)
        self.s.parse_failures = summary_mod.parse_failures(self.paths)
        if not r.ok:
            self.problem(f"build failed, the published warehouse was kept: {self.last_error(r)}")
            return None
        built = self.paths.build_dir / "warehouse.duckdb"
        if not built.exists():
            self.problem(f"build reported success but wrote no {built}")
            return None

        # validate records the findings into the pending build and, on 0 or 3, swaps it in.
        v = self.stage("validate", ["validate"] + full)
        if v.exit_code not in (0, 3):
            self.problem(f"validation failed, the published warehouse was kept: {self.last_error(v)}")
            return None
        found = summary_mod.findings(self.paths.warehouse_db)
        self.log.write(f"published {self.paths.warehouse_db}")
        for line in v.tail:
            if line.startswith("Data Docs:"):
                self.s.data_docs = line.split(":", 1)[1].strip()
        from ingest.load.build import describe_last_build

        self.s.warehouse = "rebuilt and published (" + ", ".join(reasons) + "): " + describe_last_build(
            self.paths.warehouse_db)
        # Validation may regenerate its suite files under expectations/ from code: fingerprint
        # them as the build left them, or the next run would see a change that is not one.
        fp.validation = state_mod.source_digests(state_mod.VALIDATION_SOURCES)
        st.warehouse = fp.warehouse_inputs()
        if docs:
            page = docs_mod.write_static_page(self.paths)
            if page is None:
                self.problem(f"dbt docs were not generated into {docs_mod.docs_dir(self.paths)}")
            else:
                st.docs_dbt_project = fp.build.get("dbt_project")
        st.last_build_run = self.s.run_id
        st.last_build_exit = v.exit_code
        st.publisher_findings = found["publisher"]
        st.findings_by_rule = found["by_rule"]
        st.write(self.paths)
        return True

    def browse_copy(self) -> None:
        """The Datasette copy of the published warehouse (ingest/browse.py), when it is stale.
        Browsing is secondary: a failure is a warning line, never a failed refresh."""
        from ingest import browse

        if not self.paths.warehouse_db.exists() or browse.is_current(self.paths):
            return
        r = self.stage("browse copy", ["browse", "--build-only"])
        if not r.ok:
            line = f"browse copy not rebuilt ({self.last_error(r)}); `python -m ingest browse --build-only` retries"
            self.log.write("warning: " + line)
            print(f"warning: {line}", file=sys.stderr, flush=True)

    def notebooks(self, *, rebuilt: bool) -> None:
        from ingest.refresh import notebooks as nb

        out = self.paths.reports_dir / "notebooks"
        st = state_mod.State.read(self.paths)
        sources = state_mod.source_digests(state_mod.NOTEBOOK_SOURCES)
        wanted = {"sources": sources, "build_run": st.last_build_run}
        rendered = [out / f"{p.stem}.html" for p in nb.discover()]
        if not rebuilt and not self.o.force and st.notebooks == wanted and all(p.exists() for p in rendered):
            self.s.notebooks = [{"name": p.stem, "state": "unchanged", "html": str(p)} for p in rendered]
            return
        t0 = time.monotonic()
        ticker = progress_mod.Ticker("notebooks").start() if progress_mod.enabled() else None
        if ticker is None:
            print("  notebooks …", flush=True)
        done = []

        def log(line: str) -> None:
            self.log.write(line, stage="notebooks")
            if ticker is not None and " → " in line:  # one line per rendered notebook
                done.append(line)
                ticker.detail = f"{len(done)} rendered"

        try:
            results = nb.render_all(out, {"WAREHOUSE": str(self.paths.warehouse_db)}, log=log)
        finally:
            if ticker is not None:
                ticker.stop()
        self.s.stages.append({"stage": "notebooks", "exit_code": int(any(r.error for r in results)),
                              "seconds": round(time.monotonic() - t0, 1)})
        print(f"  notebooks: {len(results)} rendered ({time.monotonic() - t0:.1f} s)", flush=True)
        for r in results:
            self.s.notebooks.append({"name": r.name, "html": str(r.html), "error": r.error,
                                     "state": f"rendered, {r.images} chart(s)"})
            if r.error:
                self.problem(f"notebook {r.name} failed: {r.error}")
        if not any(r.error for r in results):
            fault_point("notebooks-rendered")
            st.notebooks = wanted
            st.write(self.paths)

    def export(self, *, rebuilt: bool) -> None:
        from ingest.export import export_marts

        out = Path(self.o.export_dir) if self.o.export_dir else self.paths.exports_dir
        if not rebuilt and not self.o.force and _exported_from(out) == _modified(self.paths.warehouse_db):
            self.s.exports = f"unchanged → {out}"
            return
        t0 = time.monotonic()
        try:
            result = export_marts(self.paths.warehouse_db, out)
        except Exception as exc:  # an export problem must not hide the refresh summary
            self.problem(f"export failed: {exc}")
            return
        self.s.exports = f"{len(result.tables)} mart(s) as Parquet + CSV → {out} ({time.monotonic() - t0:.1f} s)"

    def finish(self) -> None:
        found = summary_mod.findings(self.paths.warehouse_db)
        self.s.reports_in_warehouse = found["reports"]
        self.s.findings_publisher = found["publisher"]
        self.s.findings_by_rule = found["by_rule"]
        self.s.data_docs = self.s.data_docs or found.get("data_docs")
        page = docs_mod.static_page(self.paths)
        self.s.data_dictionary = str(page) if page.exists() else None
        self.s.seconds = time.monotonic() - self.t0
        if self.s.problems:
            self.s.exit_code, self.s.outcome = EXIT_FAILED, "FAILED"
        elif self.s.findings_publisher:
            self.s.exit_code, self.s.outcome = EXIT_FINDINGS, "succeeded with findings about publishers"
        else:
            self.s.exit_code, self.s.outcome = EXIT_OK, "succeeded"
