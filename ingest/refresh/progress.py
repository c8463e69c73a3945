"""Progress of a running refresh stage, for a person at a terminal only.

On a TTY the refresh rewrites one line per running stage (`\\r`) every second: the elapsed time
and what the stage has got through, e.g. "build … 42 s (load: 120/300 documents)" then
"build … 95 s (dbt: 18/40 models)". Nothing of it reaches a pipe, a cron mail or the run log:
when stdout is not a terminal no ticker starts, and the stages are not asked for progress lines.

Where the figures come from:
- the loader prints `progress: load N/M documents` lines when the stage runs with
  INGEST_PROGRESS=1 (set by the refresh only on a terminal); they are shown, never logged;
- dbt writes its own log (DATA_DIR/logs/dbt-<command>-<stamp>.log, ingest/load/build.py); its
  "18 of 40 OK created …" lines are read from the newest one the stage wrote.
"""

from __future__ import annotations

import re
import shutil
import sys
import threading
import time
from pathlib import Path

from ingest.progress_lines import PROGRESS_PREFIX

_DBT_STEP = re.compile(r"\b(\d+) of (\d+) (?:OK|PASS|WARN|ERROR|FAIL|SKIP|START)\b")


def enabled(stream=None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Ticker:
    """One `\\r`-updated line for a running stage; start() … stop()."""

    def __init__(self, name: str, logs_dir: Path | None = None, stream=None, interval_s: float = 1.0):
        self.name = name
        self.logs_dir = logs_dir
        self.stream = stream or sys.stdout
        self.interval_s = interval_s
        self.detail: str | None = None
        self.t0 = time.monotonic()
        self.started = time.strftime("%Y%m%dT%H%M%S")  # the stamp format of build.run_dbt's logs
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._width = 0

    def start(self) -> Ticker:
        self._draw()
        self._thread = threading.Thread(target=self._run, name=f"progress-{self.name}", daemon=True)
        self._thread.start()
        return self

    def on_line(self, line: str) -> bool:
        """A stage's output line: True when it was progress (to show, not to log)."""
        if line.startswith(PROGRESS_PREFIX):
            self.detail = line[len(PROGRESS_PREFIX):].strip()
            return True
        return False

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        self._write("\r" + " " * self._width + "\r")

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._draw()

    def _draw(self) -> None:
        detail = self._dbt_step() or self.detail
        text = f"  {self.name} … {time.monotonic() - self.t0:.0f} s" + (f" ({detail})" if detail else "")
        cols = shutil.get_terminal_size((100, 20)).columns
        text = text[: max(10, cols - 1)]
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self._write("\r" + text + " " * pad)

    def _write(self, s: str) -> None:
        try:
            self.stream.write(s)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def _dbt_step(self) -> str | None:
        """'dbt: 18/40 models' from the newest dbt log this stage wrote, if any."""
        if self.logs_dir is None:
            return None
        # dbt-<command>-<stamp>.log, started by this stage (not a log an earlier stage left)
        logs = [p for p in self.logs_dir.glob("dbt-*-*.log") if p.stem.rsplit("-", 1)[-1] >= self.started]
        if not logs:
            return None
        newest = max(logs, key=lambda p: p.stem.rsplit("-", 1)[-1])
        try:
            with newest.open("rb") as fh:
                fh.seek(0, 2)
                fh.seek(max(0, fh.tell() - 8192))
                tail = fh.read().decode("utf-8", "replace")
        except OSError:
            return None
        steps = _DBT_STEP.findall(tail)
        what = newest.stem.split("-")[1]
        if not steps:
            return f"dbt {what}: starting"
        done, total = steps[-1]
        return f"dbt {what}: {done}/{total} nodes"


