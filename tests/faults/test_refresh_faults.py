"""The fault matrix of `python -m ingest refresh`, on real processes, files and mounts.

- SIGKILL of the refresh at each stage (archive write, load, dbt build, publish, notebook
  kernels; validation in the next test), one after the other in one DATA_DIR, then a rerun:
  no process outlives the killed run, nothing half-built is ever published, every rerun
  cleans what the last one left and says so, and the last run publishes the same warehouse
  as an uninterrupted run.
- Two refreshes at once (the second turned away in one line), the first killed during
  validation; the next run, finding the parse store damaged too, rebuilds and publishes while
  an analyst holds the published warehouse open: the holder reads on from the old file.
- A damaged warehouse (detected, rebuilt) and a damaged archive index (one line naming the
  repair commands, published warehouse untouched).
- A full disk (a small tmpfs): the build refused up front with the space needed; dbt dying of
  ENOSPC is one line; the next run once space is back cleans up and publishes.
- A read-only DATA_DIR (a read-only bind mount: root ignores permission bits): one line from
  each writing command, and `sql` still answers.

Points inside a stage are reached with INGEST_FAULT_PAUSE=<point>:<marker> (ingest/safeio.py
fault_point): the process writes the marker and waits there until this test kills the refresh.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")]

OFFLINE = ["refresh", "--offline", "--no-docs"]
OK = (0, 3)  # success; 3: success, and the reports hold findings about their publishers


# ---- helpers ------------------------------------------------------------------------------

def _env(data: Path, pause: str | None = None, marker: Path | None = None) -> dict:
    env = {**os.environ, "DATA_DIR": str(data)}
    env.pop("INGEST_DEBUG", None)
    env.pop("INGEST_FAULT_PAUSE", None)
    if pause:
        env["INGEST_FAULT_PAUSE"] = f"{pause}:{marker}"
    return env


def run(data: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=REPO, env=_env(data),
                          capture_output=True, text=True, timeout=timeout)


def start(data: Path, *args: str, pause: str | None = None, marker: Path | None = None,
          out: Path) -> subprocess.Popen:
    fh = open(out, "w", encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "ingest", *args], cwd=REPO, env=_env(data, pause, marker),
                            stdout=fh, stderr=subprocess.STDOUT, text=True)


def living(data: Path) -> list[tuple[int, bytes]]:
    """(pid, cmdline) of live processes whose environment points at this DATA_DIR (zombies,
    already dead and waiting to be reaped, do not count)."""
    needle = f"DATA_DIR={data}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if needle not in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                continue
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if state not in ("Z", "X"):
            found.append((int(entry), cmd))
    return found


def wait_until(predicate, what: str, timeout: float = 300, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the refresh ended (exit {proc.returncode}) before {what}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def kill_refresh(proc: subprocess.Popen, data: Path) -> None:
    """SIGKILL the refresh process alone: its children must go by themselves."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    wait_until(lambda: not living(data), "the killed refresh's children to die", timeout=20)


def mart_rows(db: Path) -> dict[str, list]:
    """What analysts read, without what legitimately differs between runs: every fct_/dim_/
    mart_ table and validation_findings, rows sorted, minus timestamps and run ids."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_name like 'fct\\_%' escape '\\'"
            " or table_name like 'dim\\_%' escape '\\' or table_name like 'mart\\_%' escape '\\'"
            " or table_name = 'validation_findings' order by 1").fetchall()]
        out = {}
        for t in tables:
            cols = [c for c, typ in con.execute(
                "select column_name, data_type from information_schema.columns where table_name = ?"
                " order by ordinal_position", [t]).fetchall()
                if not typ.startswith("TIMESTAMP") and not c.endswith("run_id") and c not in ("parsed_at",)]
            rows = con.execute(f"select {', '.join(cols)} from {t}").fetchall()
            out[t] = sorted(map(repr, rows))
        return out
    finally:
        con.close()


def summary_json(data: Path, out: str) -> dict:
    """The JSON summary of the run whose output is `out`."""
    run_id = out.split("refresh ", 1)[1].split()[0]
    return json.loads((data / "logs" / f"refresh-{run_id}.summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict]:
    """One uninterrupted refresh: the DATA_DIR other tests copy, and the marts it published."""
    data = tmp_path_factory.mktemp("reference") / "data"
    r = run(data, *OFFLINE, "--no-notebooks")
    assert r.returncode in OK, r.stdout + r.stderr
    return data, mart_rows(data / "warehouse.duckdb")


@pytest.fixture
def published(reference, tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(reference[0], data, symlinks=True)
    return data


# ---- SIGKILL at every stage ------------------------------------------------------------------

def test_sigkill_at_every_stage_then_a_rerun_publishes_the_same_warehouse(reference, tmp_path):
    data = tmp_path / "data"
    warehouse = data / "warehouse.duckdb"
    outputs = []

    def killed_at(point: str | None, *, child: bytes = b"") -> str:
        marker = tmp_path / f"{point or 'child'}.paused"
        log = tmp_path / f"run-{len(outputs)}.out"
        proc = start(data, *OFFLINE, pause=point, marker=marker, out=log)
        if child:  # no pause point inside dbt or a kernel: wait until one runs
            wait_until(lambda: any(child in cmd for _, cmd in living(data)), f"{child!r} to run", proc=proc)
            time.sleep(1.0)
        else:
            wait_until(marker.exists, f"the pause at {point}", proc=proc)
        before = {pid for pid, _ in living(data)} - {proc.pid}
        assert before, "the stage should be running in a child process"
        kill_refresh(proc, data)
        text = log.read_text(encoding="utf-8")
        outputs.append(text)
        return text

    # 1. the archive stage (journal written, index not yet committed)
    killed_at("archive-write")
    assert not warehouse.exists()
    # 2. the load, after a committed batch
    out = killed_at("load-batch")
    assert "cleaned:   " not in out  # (the summary is never printed by a killed run)
    assert "cleaned: the previous refresh (pid" in out and "died without finishing" in out
    # 3. the build, while dbt runs (dbt must die with the build stage, itself killed with us)
    killed_at(None, child=b"build\0--fail-fast")
    assert not warehouse.exists()
    # 4. publish: validated, checkpointed, about to rename
    killed_at("publish")
    assert not warehouse.exists(), "a publish cut short must publish nothing"
    # 5. a notebook kernel running (the kernels must not outlive the refresh either)
    out = killed_at(None, child=b"ipykernel")
    assert "cleaned: removed unpublished build file" in out  # the validated build step 4 left
    assert warehouse.exists()  # validation published before the notebooks ran
    # 6. the rerun
    r = run(data, *OFFLINE)
    assert r.returncode in OK, r.stdout + r.stderr
    assert "cleaned: the previous refresh (pid" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    assert mart_rows(warehouse) == reference[1]
    assert not (data / "build" / "warehouse.duckdb").exists()
    s = summary_json(data, r.stdout)
    assert s["exit_code"] in OK and s["cleaned"] and not s["problems"]
    assert all(nb.get("html") and Path(nb["html"]).is_file() for nb in s["notebooks"])
    json.loads((data / "refresh_state.json").read_text(encoding="utf-8"))
    assert not list(data.glob(".*.tmp")) and not list((data / "logs").glob(".*.tmp"))
    # and the archive survived every kill intact
    v = run(data, "archive", "verify")
    assert v.returncode == 0, v.stdout + v.stderr


# ---- two refreshes, an open reader -----------------------------------------------------------

def test_two_refreshes_at_once_and_a_reader_holding_the_warehouse(reference, published, tmp_path):
    data = published
    warehouse = data / "warehouse.duckdb"
    reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        old_inode = warehouse.stat().st_ino
        n = reader.execute("select count(*) from dim_report").fetchone()[0]
        marker = tmp_path / "validate.paused"
        first = start(data, *OFFLINE, "--force", "--no-notebooks", pause="validate", marker=marker,
                      out=tmp_path / "first.out")
        wait_until(marker.exists, "the first refresh to reach validation", proc=first)
        second = run(data, *OFFLINE)
        assert second.returncode == 0, second.stderr
        assert second.stderr.strip().splitlines() == [
            f"refresh: a refresh is already running (pid {first.pid}, started "
            + second.stderr.split("started ", 1)[1].split(",", 1)[0]
            + f", log {second.stderr.split('log ', 1)[1].split(')', 1)[0]}); this run exits without doing anything"]
        assert second.stdout == ""
        kill_refresh(first, data)
        assert warehouse.stat().st_ino == old_inode  # nothing published by the killed run

        (data / "parsed.duckdb").write_bytes(b"\0" * 4096)  # and the parse store is damaged
        third = run(data, *OFFLINE, "--no-notebooks")
        assert third.returncode in OK, third.stdout + third.stderr
        assert f"cleaned: the previous refresh (pid {first.pid}" in third.stdout
        assert "cleaned: removed unpublished build file" in third.stdout
        assert f"cleaned: {data / 'parsed.duckdb'} was damaged" in third.stdout
        assert "rebuilt and published (parse store damaged)" in third.stdout
        assert (data / "parsed.duckdb.damaged").read_bytes() == b"\0" * 4096
        assert warehouse.stat().st_ino != old_inode  # a new file was renamed into place …
        assert reader.execute("select count(*) from dim_report").fetchone()[0] == n  # … the reader reads on
    finally:
        reader.close()
    assert mart_rows(warehouse) == reference[1]


# ---- damaged stores ------------------------------------------------------------------------

def test_a_damaged_warehouse_is_a_reason_to_rebuild(published):
    """The rebuild itself is the same path as for the damaged parse store above."""
    from ingest.config import paths
    from ingest.refresh import recover

    p = paths(published)
    assert recover.check_derived(p) == ([], None)  # a sound DATA_DIR: nothing to say
    (published / "warehouse.duckdb").write_bytes(b"1\n\0\0")
    notes, reason = recover.check_derived(p)
    assert reason == "published warehouse damaged"
    assert notes and notes[0].startswith(f"the published warehouse {published / 'warehouse.duckdb'} was damaged")
    assert (published / "warehouse.duckdb").read_bytes() == b"1\n\0\0"  # replaced by the publish, not before


def test_a_damaged_archive_index_stops_the_refresh_with_the_repair(published):
    data = published
    warehouse = data / "warehouse.duckdb"
    before = warehouse.read_bytes()
    (data / "archive" / "archive.duckdb").write_bytes(b"1\n\0\0")
    r = run(data, *OFFLINE)
    assert r.returncode == 1
    assert "PROBLEM:   the archive index" in r.stdout and "archive reindex" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    assert warehouse.read_bytes() == before
    # the shipped reference DATA_DIR was made by this code: it has a journal to rebuild from
    assert run(data, "archive", "reindex").returncode == 0
    r = run(data, *OFFLINE, "--no-notebooks")
    assert r.returncode in OK, r.stdout + r.stderr
    # the reindexed archive holds the same documents: it is no reason to rebuild
    assert "archive" not in summary_json(data, r.stdout)["rebuild_reasons"]


# ---- full disk -------------------------------------------------------------------------------

def _mount(args: list[str]) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(path: Path, leave_bytes: int) -> Path:
    filler = path / "filler"
    free = shutil.disk_usage(path).free
    with open(filler, "wb") as fh:
        fh.truncate(0)
    subprocess.run(["fallocate", "-l", str(max(0, free - leave_bytes)), str(filler)], check=True)
    return filler


def test_full_disk_is_one_line_keeps_the_warehouse_and_the_next_run_works(reference, tmp_path):
    if os.geteuid() != 0 or not shutil.which("fallocate"):
        pytest.skip("needs root (to mount a small tmpfs) and fallocate")
    mnt = tmp_path / "small"
    mnt.mkdir()
    size = sum(p.stat().st_size for p in reference[0].rglob("*") if p.is_file())
    if not _mount(["-t", "tmpfs", "-o", f"size={size + 40 * 1024 * 1024}", "tmpfs", str(mnt)]):
        pytest.skip("cannot mount a tmpfs here")
    try:
        data = mnt / "data"
        shutil.copytree(reference[0], data, symlinks=True)
        warehouse = data / "warehouse.duckdb"
        before = warehouse.read_bytes()
        filler = _fill(mnt, 2 * 1024 * 1024)

        # the refresh knows what a build needs and refuses before writing anything
        r = run(data, *OFFLINE, "--force", "--no-notebooks")
        assert r.returncode == 1, r.stdout + r.stderr
        assert f"PROBLEM:   not enough space in {data} for the warehouse build: about" in r.stdout
        assert "needed" in r.stdout and "free" in r.stdout and "Traceback" not in r.stdout + r.stderr
        assert warehouse.read_bytes() == before
        json.loads(next((data / "logs").glob("refresh-*.summary.json")).read_text(encoding="utf-8"))

        # an incremental build by hand first copies the published warehouse: it measures the copy
        # and refuses up front
        filler.unlink()
        filler = _fill(mnt, 256 * 1024)
        b = run(data, "build", "--no-swap", "--skip-load")
        assert b.returncode == 1
        assert b.stderr.strip().count("\n") == 0, b.stderr
        assert b.stderr.startswith("error: not enough space in ") and "incremental build's copy" in b.stderr, b.stderr
        assert not (data / "build" / "warehouse.duckdb.copying").exists()
        # a full build by hand (no estimate) dies of ENOSPC inside dbt: one line, nothing published
        b = run(data, "build", "--no-swap", "--skip-load", "--full")
        assert b.returncode == 1
        assert b.stderr.strip().count("\n") == 0 and b.stderr.startswith("error: disk full"), b.stderr
        assert "Traceback" not in b.stderr
        assert warehouse.read_bytes() == before
        for cmd in (["export"], ["validate"]):
            e = run(data, *cmd)
            assert e.returncode != 0 and e.stderr.strip().count("\n") == 0, (cmd, e.stderr)
            assert "Traceback" not in e.stderr and "internal error" not in e.stderr, (cmd, e.stderr)

        # space back: the next run cleans what the failed ones left and publishes
        filler.unlink()
        r = run(data, *OFFLINE, "--force", "--no-notebooks")
        assert r.returncode in OK, r.stdout + r.stderr
        assert mart_rows(warehouse) == reference[1]
    finally:
        _umount(mnt)


# ---- read-only data directory ------------------------------------------------------------------

def test_read_only_data_dir_is_one_line_per_command(reference, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to bind-mount the data directory read-only")
    ro = tmp_path / "ro"
    ro.mkdir()
    if not _mount(["--bind", str(reference[0]), str(ro)]):
        pytest.skip("cannot bind-mount here")
    try:
        if not _mount(["-o", "remount,ro,bind", str(ro)]):
            pytest.skip("cannot remount read-only here")
        for cmd in (["validate"], ["export"], ["notebooks"], ["refresh", "--offline"], ["build", "--no-swap"],
                    ["load"], ["archive", "add", str(REPO / "tests" / "fixtures" / "hanyin_2023_text.txt"),
                               "--issuer", "汉阴县人民政府"]):
            r = run(ro, *cmd)
            lines = r.stderr.strip().splitlines()
            assert r.returncode != 0, (cmd, r.stdout, r.stderr)
            assert len(lines) == 1 and lines[0].startswith("error: "), (cmd, r.stderr)
            assert "read-only" in lines[0].lower() or "Read-only" in lines[0], (cmd, lines)
            assert "Traceback" not in r.stderr and "internal error" not in r.stderr, (cmd, r.stderr)
        q = run(ro, "sql", "select count(*) as n from dim_report", "--csv")
        assert q.returncode == 0 and q.stdout.splitlines()[0] == "n", q.stderr
        assert run(ro, "archive", "verify").returncode == 0
    finally:
        _umount(ro)


# ---- kill -9 of make -----------------------------------------------------------------------------

def test_kill_9_of_make_refresh_stops_the_refresh_and_everything_it_started(tmp_path):
    """`make refresh` killed with SIGKILL: make cannot pass anything on, so the refresh arms a
    parent-death SIGTERM when make is its parent: it stops its stage, writes its summary, and
    nothing is left running or published."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    data = tmp_path / "data"
    out = tmp_path / "make.out"
    with open(out, "w", encoding="utf-8") as fh:
        make = subprocess.Popen(["make", "--no-print-directory", "refresh", "OFFLINE=1", f"PY={sys.executable}",
                                 f"DATA_DIR={data}", "ARGS=--no-docs --no-notebooks"],
                                cwd=REPO, env=_env(data), stdout=fh, stderr=subprocess.STDOUT)
    wait_until(lambda: any(b"build\0--fail-fast" in cmd for _, cmd in living(data)), "dbt to run", proc=make)
    make.send_signal(signal.SIGKILL)
    make.wait(10)
    wait_until(lambda: not living(data), "the refresh and its stages to stop", timeout=60)
    summaries = list((data / "logs").glob("refresh-*.summary.json"))
    assert len(summaries) == 1, out.read_text(encoding="utf-8")
    s = json.loads(summaries[0].read_text(encoding="utf-8"))
    assert s["exit_code"] == 1 and s["problems"][0].startswith("interrupted")
    assert not (data / "warehouse.duckdb").exists()
