"""Child processes that die with their parent.

A refresh runs each stage as `python -m ingest …`, and the build stage runs dbt. When the
parent is killed with SIGKILL (no handler runs), a child started in a detached POSIX session
(`start_new_session=True`) used to live on: dbt finished an unvalidated build nobody asked for.
Now every child gets

- its own process group (`process_group=0`), so the parent can stop it and everything it
  started with one `killpg`, and a terminal's Ctrl-C reaches only the parent, which stops the
  stage itself and still writes its summary; and
- a parent-death signal (Linux `prctl(PR_SET_PDEATHSIG, SIGKILL)`): the kernel kills the
  child the moment its parent dies, however it died. The child passes it on to its own
  children the same way, so a kill of the refresh takes down the stage, then dbt.

On systems without prctl (not Linux) only the process group is set.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1

_libc = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        _libc = None


def _die_with_parent(parent_pid: int) -> None:
    """Runs in the child between fork and exec: ask for SIGKILL when the parent goes."""
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        # the parent may have died between fork and prctl: then nobody would signal us
        if os.getppid() != parent_pid:
            os._exit(1)


def child_kwargs(*, own_group: bool = True) -> dict:
    """Keyword arguments for subprocess.Popen/run: own process group, dies with its parent.

    `own_group=False` keeps the child in the caller's group (dbt under the build stage), so
    the refresh's `killpg` of the stage reaches it too. The death signal fires when the
    *thread* that started the child ends, so start children from a thread that lives as long
    as they should (the refresh and the build use the main one).
    """
    parent = os.getpid()
    kw = {"preexec_fn": lambda: _die_with_parent(parent)}
    if own_group:
        kw["process_group"] = 0
    return kw


def stop_with_make(sig: int = signal.SIGTERM) -> bool:
    """When this process was started by make (`make refresh`), have `sig` sent to it when make
    dies, so a `kill -9` of make stops the refresh too (SIGTERM: it stops its stage and still
    writes its summary) instead of leaving it running on its own. Run by cron, systemd or a
    shell, nothing changes: `nohup` and friends keep their meaning. True when armed."""
    if _libc is None:
        return False
    parent = os.getppid()
    try:
        with open(f"/proc/{parent}/comm", encoding="utf-8") as fh:
            name = fh.read().strip()
    except OSError:
        return False
    if name not in ("make", "gmake"):
        return False
    _libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
    if os.getppid() != parent:  # make died before the signal was armed
        os.kill(os.getpid(), sig)
    return True
