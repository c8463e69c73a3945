"""The run log: one file per refresh under DATA_DIR/logs, plus the stages it ran as subprocesses.

Each stage runs as its own `python -m ingest …` process. That keeps DuckDB's one-writer rule
simple (a stage's connections close when its process ends), makes a crash in one stage a
recorded failure instead of the end of the run, and logs exactly what an operator would type.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ingest.children import child_kwargs
from ingest.config import REPO_ROOT, Paths

KEEP_LOGS = 200  # refresh logs kept per data directory; older ones are removed


@dataclass
class StageResult:
    name: str
    argv: list[str]
    exit_code: int
    seconds: float
    tail: list[str]  # last lines of its output, for the summary when it failed

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class RunLog:
    def __init__(self, path: Path, *, echo: bool = False):
        self.path = path
        self.echo = echo
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()
        self.error: OSError | None = None  # set when the log could not be written (disk full)

    def write(self, line: str, *, stage: str = "refresh") -> None:
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        with self._lock:
            if self.error is None:
                try:
                    self._fh.write(f"{stamp} [{stage}] {line}\n")
                except OSError as exc:
                    # A full disk must not end the run (it still stops the stage, cleans up and
                    # says so); the log just stops here, and the summary names the reason.
                    self.error = exc
            if self.echo:
                print(f"  [{stage}] {line}", flush=True)

    def close(self) -> None:
        try:
            self._fh.close()
        except OSError as exc:
            self.error = self.error or exc

    def run_stage(self, name: str, args: list[str], paths: Paths, *, env: dict | None = None,
                  timeout_s: float | None = None, on_line=None) -> StageResult:
        """Run `python -m ingest ARGS` with DATA_DIR set, its output into this log (except the
        lines `on_line` takes as progress: it returns True for those)."""
        argv = [sys.executable, "-m", "ingest", *args]
        self.write("$ python -m ingest " + " ".join(args), stage=name)
        full_env = stage_env(paths, env)
        t0 = time.monotonic()
        tail: list[str] = []
        try:
            proc = subprocess.Popen(
                argv, cwd=REPO_ROOT, env=full_env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                errors="replace", bufsize=1,
                # its own process group, so stopping a stage stops what it started (dbt, kernels),
                # and a parent-death signal, so a SIGKILL of the refresh takes the stage with it
                **child_kwargs(),
            )
        except OSError as exc:
            self.write(f"could not start: {exc}", stage=name)
            return StageResult(name, argv, 1, 0.0, [str(exc)])
        timer = None
        if timeout_s:
            timer = threading.Timer(timeout_s, _stop, (proc, 5))
            timer.start()
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                line = line.rstrip("\n")
                if on_line is not None and on_line(line):
                    continue
                self.write(line, stage=name)
                tail.append(line)
                del tail[:-20]
        except BaseException:
            # Interrupted (SIGTERM from cron/systemd, Ctrl-C): stop the stage too, so no writer
            # outlives the lock; every stage writes aside and renames, so stopping is safe.
            _stop(proc)
            self.write("interrupted: stage stopped", stage=name)
            raise
        code = proc.wait()
        if timer:
            timer.cancel()
            if code < 0:
                tail.append(f"killed after {timeout_s:.0f} s")
        secs = time.monotonic() - t0
        self.write(f"exit {code} after {secs:.1f} s", stage=name)
        return StageResult(name, argv, code, secs, tail)


def _stop(proc: subprocess.Popen, grace_s: float = 20) -> None:
    """SIGTERM the stage's process group, SIGKILL it after grace_s."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def stage_env(paths: Paths, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["DATA_DIR"] = str(paths.data_dir)
    # The stages must import this checkout's code even when the interpreter belongs to another
    # checkout's virtualenv (make refresh PY=…), so the repository goes first on the path.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONIOENCODING", "utf-8")
    # A scheduled job must not phone home: no usage statistics from dbt or Great Expectations.
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("GX_ANALYTICS_ENABLED", "false")
    env.update(extra or {})
    return env


def prune_logs(logs_dir: Path, keep: int = KEEP_LOGS) -> int:
    """Remove the oldest refresh logs beyond `keep` (log and summary go together)."""
    runs = sorted({p.name.split(".")[0] for p in logs_dir.glob("refresh-*.*")})
    removed = 0
    for run in runs[:-keep] if keep > 0 else []:
        for p in logs_dir.glob(f"{run}.*"):
            p.unlink(missing_ok=True)
            removed += 1
    return removed
