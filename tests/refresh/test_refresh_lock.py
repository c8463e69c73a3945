"""The refresh lock: one run per DATA_DIR, released by the kernel even when the holder dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.refresh.lock import AlreadyRunning, RefreshLock, read_holder

REPO = Path(__file__).resolve().parents[2]


def _lock(path: Path) -> RefreshLock:
    return RefreshLock(path, started_at="2024-01-01T00:00:00+00:00", log=path.parent / "x.log")


def test_second_holder_is_turned_away_with_the_first_holders_pid(tmp_path):
    path = tmp_path / "refresh.lock"
    with _lock(path):
        with pytest.raises(AlreadyRunning) as busy:
            with _lock(path):
                pass
        assert busy.value.holder.pid == os.getpid()
        assert f"pid {os.getpid()}" in str(busy.value)
        assert "x.log" in str(busy.value)
    with _lock(path):  # released on exit: the next run gets it
        assert json.loads(path.read_text())["pid"] == os.getpid()


def test_lock_of_a_killed_process_is_free_again(tmp_path):
    path = tmp_path / "refresh.lock"
    code = (
        "import sys, time; from pathlib import Path; from ingest.refresh.lock import RefreshLock\n"
        f"l = RefreshLock(Path({str(path)!r}), started_at='t', log=Path('l'))\n"
        "l.__enter__(); print('locked', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunning) as busy:
            with _lock(path):
                pass
        assert busy.value.holder.pid == proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    # No cleanup by anyone: the stale file is there, but the flock died with the process.
    assert path.exists()
    with _lock(path):
        pass


def test_holder_details_tolerate_an_empty_or_garbled_file(tmp_path):
    path = tmp_path / "refresh.lock"
    path.write_text("not json")
    t0 = time.monotonic()
    holder = read_holder(path, wait_s=0.2)
    assert holder.pid is None and "pid unknown" in holder.describe()
    assert time.monotonic() - t0 < 2


def test_refresh_command_exits_cleanly_when_another_refresh_runs(tmp_path):
    """The real CLI, turned away by a lock this test holds: exit 0, one line, nothing touched."""
    data = tmp_path / "data"
    data.mkdir()
    with _lock(data / "refresh.lock"):
        r = subprocess.run([sys.executable, "-m", "ingest", "refresh", "--offline"], cwd=REPO,
                           env={**os.environ, "DATA_DIR": str(data)}, capture_output=True, text=True,
                           timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines() == [
        f"refresh: a refresh is already running (pid {os.getpid()}, started 2024-01-01T00:00:00+00:00, "
        f"log {data / 'x.log'}); this run exits without doing anything"
    ]
    assert r.stdout == ""
    assert sorted(p.name for p in data.iterdir()) == ["refresh.lock"]


def test_an_unusable_data_directory_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    r = subprocess.run([sys.executable, "-m", "ingest", "refresh", "--offline"], cwd=REPO,
                       env={**os.environ, "DATA_DIR": str(blocker / "data")}, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: cannot use the data directory {blocker / 'data'}: ")
    assert r.stderr.count("\n") == 1
