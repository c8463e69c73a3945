"""One refresh at a time per data directory.

The lock is an OS-level `flock` on DATA_DIR/refresh.lock: the kernel drops it when the holder
exits or crashes, so a killed run never leaves a stale lock behind and nobody has to delete a
file by hand. The file itself only carries the holder's pid, start time and log path, so the
run that is turned away can say who is busy.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Holder:
    pid: int | None
    started_at: str | None
    log: str | None

    def describe(self) -> str:
        bits = [f"pid {self.pid}" if self.pid else "pid unknown"]
        if self.started_at:
            bits.append(f"started {self.started_at}")
        if self.log:
            bits.append(f"log {self.log}")
        return ", ".join(bits)


class AlreadyRunning(Exception):
    def __init__(self, holder: Holder):
        super().__init__(f"a refresh is already running ({holder.describe()})")
        self.holder = holder


class RefreshLock:
    """Context manager: `with RefreshLock(path, info) as lock:`; raises AlreadyRunning."""

    def __init__(self, path: Path, *, started_at: str, log: Path):
        self.path = path
        self._info = {"pid": os.getpid(), "started_at": started_at, "log": str(log)}
        self._fd: int | None = None
        self.previous: Holder | None = None  # a dead run's details found in the file

    def __enter__(self) -> "RefreshLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_RDWR without O_TRUNC: truncating before holding the lock would wipe the current
        # holder's pid, which the run being turned away wants to print.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(read_holder(self.path)) from None
        # A clean exit empties the file, so details still there name a run that died holding
        # the lock (SIGKILL, power loss): the new run reports it and cleans what it left.
        self.previous = _parse_holder(os.pread(fd, 4096, 0))
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(self._info) + "\n").encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            # Leave the file in place (deleting it would race with a waiting run that already
            # opened it); only the flock means "running".
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def read_holder(path: Path, *, wait_s: float = 1.0) -> Holder:
    """Who holds the lock. The holder writes its details just after locking, so retry briefly."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            data = json.loads(path.read_text(encoding="utf-8") or "null")
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict) or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    data = data if isinstance(data, dict) else {}
    pid = data.get("pid")
    return Holder(pid if isinstance(pid, int) else None, data.get("started_at"), data.get("log"))



def _parse_holder(raw: bytes) -> Holder | None:
    try:
        data = json.loads(raw.decode("utf-8", "replace") or "null")
    except ValueError:
        return Holder(None, None, None) if raw.strip() else None
    if not isinstance(data, dict):
        return None
    pid = data.get("pid")
    return Holder(pid if isinstance(pid, int) else None, data.get("started_at"), data.get("log"))
