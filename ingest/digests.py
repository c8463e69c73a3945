"""Digests of source trees: what the refresh and the incremental build compare to tell whether
the code or configuration that decides an output has changed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

def tree_digest(path: Path, skip: set[str]) -> str:
    """sha256 over the relative names and bytes of every file under path (or of one file)."""
    h = hashlib.sha256()
    if path.is_file():
        h.update(path.read_bytes())
        return h.hexdigest()
    if not path.exists():
        return "absent"
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith("."))
        for name in sorted(files):
            if name in skip or name.endswith(".pyc"):
                continue
            f = Path(root) / name
            if not f.is_file():  # sockets, fifos, dangling links: not source
                continue
            h.update(str(f.relative_to(path)).encode() + b"\0")
            h.update(f.read_bytes() + b"\0")
    return h.hexdigest()


