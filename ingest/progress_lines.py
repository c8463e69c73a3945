"""Progress lines between a stage and the refresh that runs it.

A stage run under a refresh on a terminal (INGEST_PROGRESS=1, set by the refresh only then)
prints `progress: …` lines; the refresh shows them on its live line and never logs them
(ingest/refresh/progress.py). Kept apart from both so that a stage needs nothing of the refresh.
"""

from __future__ import annotations

import os
import sys
import time

PROGRESS_PREFIX = "progress: "  # a stage's line that is progress, not news: shown, never logged


PROGRESS_ENV = "INGEST_PROGRESS"


def loader_callback(stream=None):
    """The loader's progress for a refresh on a terminal: `progress: load N/M documents` lines at
    most twice a second (INGEST_PROGRESS=1), else None."""
    if os.environ.get(PROGRESS_ENV) != "1":
        return None
    stream = stream or sys.stdout
    last = [0.0]

    def update(done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] >= 0.5:
            last[0] = now
            print(f"{PROGRESS_PREFIX}load {done}/{total} documents", file=stream, flush=True)

    return update


