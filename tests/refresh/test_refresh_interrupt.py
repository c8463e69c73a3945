"""SIGTERM (cron's kill, systemd's stop) mid-build: the stage is stopped, the summary written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _processes_with(data_dir: Path) -> list[int]:
    """pids whose environment points at this DATA_DIR (the refresh's stages carry it)."""
    needle = f"DATA_DIR={data_dir}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            env = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            found.append(int(entry))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_sigterm_during_the_build_stops_the_stage_and_still_writes_the_summary(tmp_path):
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "refresh", "--offline"], cwd=REPO,
                            env={**os.environ, "DATA_DIR": str(data)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.strip() == "build …":
            break
    assert seen and seen[-1].strip() == "build …", "".join(seen)
    deadline = time.monotonic() + 120  # wait until the build stage has dbt running
    while not any(b"dbt" in _cmdline(pid) for pid in _processes_with(data)):
        assert time.monotonic() < deadline, "dbt never started"
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    assert "Traceback" not in out + err
    assert "PROBLEM:   interrupted" in out
    summary = json.loads(next((data / "logs").glob("refresh-*.summary.json")).read_text(encoding="utf-8"))
    assert summary["exit_code"] == 1 and summary["problems"][0].startswith("interrupted")
    assert "interrupted: stage stopped" in (data / "logs" / "latest.log").read_text(encoding="utf-8")
    assert not (data / "warehouse.duckdb").exists()  # nothing half-built was published
    deadline = time.monotonic() + 10
    while _processes_with(data) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_with(data) == []  # no stage outlived the run
