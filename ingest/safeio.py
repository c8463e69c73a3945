"""Files that survive a crash, and one clear line when the disk is full or not writable.

- `atomic_write_text`: state files (refresh summary, refresh_state.json) are written to a
  temporary name in the same directory, fsync'd and renamed, so a kill or a full disk leaves
  the old file or the new one, never a 0-byte or half-written one.
- `storage_problem(exc)`: a full disk (ENOSPC, EDQUOT), a read-only file system (EROFS) or a
  permission refusal (EACCES, EPERM), whether raised by Python or reported by DuckDB in its
  message, becomes one line naming the path and, for a full disk, the free space there. The
  CLI prints it instead of an "internal error", so every stage says the same thing.
- `require_space`: a check before a step whose size we can estimate (a warehouse build), so
  the user learns the space needed before anything is half-written.

Fault injection for the fault-matrix tests (tests/faults/): `fault_point(name)` pauses the
process at a named point when `INGEST_FAULT_PAUSE=name:marker-file` is set (it writes the
marker file and sleeps), so a test can SIGKILL a refresh exactly there. Unset, it does nothing.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import time
from pathlib import Path

from ingest.errors import UserError

_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def read_input(path: Path, what: str = "file", *, directory: str | None = None) -> bytes:
    """A file the user named, or one UserError line saying why it cannot be read: missing, a
    directory (`directory`: what to do instead), not permitted, or another OS error."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"no such {what}: {path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a directory, not a {what}" + (f"; {directory}" if directory else "")) from None
    except PermissionError:
        raise UserError(f"{path}: permission denied") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_input_text(path: Path, what: str = "file") -> str:
    """read_input, decoded as UTF-8; text in another encoding is one UserError line too."""
    try:
        return read_input(path, what).decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{what} is not UTF-8 text: {path}") from None


def atomic_write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write text to path via temp name + fsync + rename; the temp file never outlives a failure."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding=encoding) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def atomic_copy(src: Path, dst: Path, *, suffix: str = ".tmp") -> None:
    """Copy src to dst via dst+suffix, fsync, rename: dst is whole or absent, never half a file;
    the temp file never outlives a failure."""
    tmp = dst.with_name(dst.name + suffix)
    tmp.unlink(missing_ok=True)
    try:
        # copyfile lets the kernel copy (copy_file_range/sendfile): a 2 GB warehouse in 1.1 s
        # where a read/write loop through Python took 5.9 s
        shutil.copyfile(src, tmp)
        with open(tmp, "rb+") as fout:
            os.fsync(fout.fileno())
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(dst.parent)


def fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def free_bytes(path: Path) -> int | None:
    """Free space on the file system holding path (or its nearest existing parent)."""
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return shutil.disk_usage(p).free
    except OSError:
        return None


def human(n: int | None) -> str:
    if n is None:
        return "unknown"
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


class StorageError(OSError):
    """A full or unwritable disk, already phrased as the one line the user sees."""


def require_space(directory: Path, needed: int, what: str) -> None:
    """Raise StorageError when the file system of `directory` has less than `needed` free."""
    free = free_bytes(directory)
    if free is not None and free < needed:
        raise StorageError(errno.ENOSPC,
                           f"not enough space in {directory} for {what}: about {human(needed)} needed, "
                           f"{human(free)} free; free some space and run again (nothing published was changed)")


# DuckDB phrases OS errors inside its own messages, e.g.
#   IO Error: Could not write file "/d/build/warehouse.duckdb.wal": No space left on device
_DUCK_PATH = re.compile(r'(?:file|directory)\s+\\?"([^"\\]+)\\?"')  # the path may come JSON-escaped
_DUCK_KINDS = (("No space left on device", errno.ENOSPC), ("Disk quota exceeded", errno.EDQUOT),
               ("Read-only file system", errno.EROFS), ("Permission denied", errno.EACCES))


def storage_problem(exc: BaseException) -> str | None:
    """One line for a full / read-only / forbidden disk, else None (not a storage problem)."""
    if isinstance(exc, StorageError):
        return exc.strerror
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
        return _phrase(exc.errno, exc.filename)
    text = " ".join(str(exc).split())
    for needle, code in _DUCK_KINDS:
        if needle in text:
            m = _DUCK_PATH.search(text)
            return _phrase(code, m.group(1) if m else None)
    return None


def _phrase(code: int, filename) -> str:
    if not filename:  # some writers do not say which file: name the data directory at least
        from ingest.config import paths

        filename = f"under {paths().data_dir}"
        free_at = paths().data_dir
    else:
        free_at = Path(str(filename))
    where = f" {filename}"
    if code in (errno.ENOSPC, errno.EDQUOT):
        free = human(free_bytes(free_at))
        return (f"disk full writing{where} ({free} free there); free some space and run again "
                "(the published warehouse is unchanged; files of the interrupted step are cleaned "
                "up by the next refresh)")
    if code == errno.EROFS:
        return f"cannot write{where}: the file system is read-only (DATA_DIR must be writable for this command)"
    return f"cannot write{where}: permission denied (DATA_DIR must be writable for this command)"


def fault_point(name: str) -> None:
    """Pause here when INGEST_FAULT_PAUSE names this point (tests kill the process meanwhile)."""
    spec = os.environ.get("INGEST_FAULT_PAUSE")
    if not spec:
        return
    point, _, marker = spec.partition(":")
    if point != name:
        return
    if marker:
        Path(marker).write_text(f"{os.getpid()}\n", encoding="utf-8")
    while True:  # until killed: the test decides what happens next
        time.sleep(1)
