"""Progress of a refresh: a live line per stage on a terminal, nothing extra in a pipe or a log.

The refresh runs for real, once under a pseudo-terminal (what a person at a shell sees) and
once with its output piped (what cron mails and logs get)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest

from ingest.config import REPO_ROOT
from ingest.config import paths as make_paths
from ingest.synthetic import write_archive


def _env(data_dir) -> dict:
    env = dict(os.environ, DATA_DIR=str(data_dir), PYTHONPATH=str(REPO_ROOT))
    env.pop("INGEST_PROGRESS", None)
    return env


def _on_terminal(args: list[str], data_dir, timeout_s: float = 600) -> tuple[int, str]:
    """Run `python -m ingest ARGS` with a pseudo-terminal as stdout and stderr."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ingest", *args], cwd=REPO_ROOT, env=_env(data_dir),
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=timeout_s), b"".join(chunks).decode("utf-8", "replace")


def _piped(args: list[str], data_dir) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=REPO_ROOT, env=_env(data_dir),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)


TICKER = re.compile(r"\r  crawl … \d+ s")


@pytest.mark.slow
def test_a_stage_ticks_on_a_terminal_and_a_pipe_gets_one_line_per_stage(tmp_path):
    # An empty archive (the offline crawl records only the registry) builds an empty warehouse.
    code, out = _on_terminal(["refresh", "--offline", "--no-snapshot", "--no-notebooks", "--no-docs"],
                             tmp_path / "tty")
    assert code == 0, out
    assert TICKER.search(out), out
    assert "  crawl: ok (" in out  # the stage's verdict replaces its live line

    piped = _piped(["refresh", "--offline", "--no-snapshot", "--no-notebooks", "--no-docs"], tmp_path / "pipe")
    assert piped.returncode == 0
    assert "\r" not in piped.stdout + piped.stderr
    assert "  crawl …\n" in piped.stdout and "  crawl: ok (" in piped.stdout


@pytest.mark.slow
def test_a_build_on_a_terminal_shows_dbt_steps_and_logs_no_progress(tmp_path):
    write_archive(make_paths(tmp_path), 3, 1)
    code, out = _on_terminal(["refresh", "--offline", "--no-snapshot", "--no-notebooks", "--no-docs"], tmp_path)
    assert code in (0, 3), out
    assert re.search(r"\r  build … \d+ s \(dbt build: \d+/\d+ nodes\)", out), out
    assert re.search(r"\r  validate … \d+ s", out), out
    log = (tmp_path / "logs" / "latest.log").read_text(encoding="utf-8")
    assert "progress:" not in log and "\r" not in log
    assert "load: 3 archived documents; parsed 3" in log  # the loader's own summary is still logged
