"""Word 97–2003 .doc, Kingsoft .wps (and RTF saved as .doc): converted to .docx by LibreOffice, then read by docx.py.

Both are OLE compound files holding a WordDocument stream (sniffed in ingest/parse/__init__.py,
apart from .xls/.et workbooks). No maintained pure-Python reader gets their tables right, so
LibreOffice converts them (`soffice --headless --convert-to docx`). Each conversion:
- runs with a profile directory of its own (`-env:UserInstallation=file://…`), so parallel
  loader workers never share or lock one profile, and nothing is left in the user's home;
- gets the input under a neutral name in a fresh temporary directory (never the publisher's
  file name) and reads back only the one output file;
- is capped: input and output sizes, and a timeout after which the whole process group
  (soffice forks soffice.bin) is killed.
Without LibreOffice the document raises NeedsTool: the loader records it as `needs_tool` and
parses it again on a later run once `soffice` is installed (Debian: libreoffice-writer-nogui).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from ingest.errors import NeedsTool, UserError
from ingest.parse.readers import docx
from ingest.parse.readers.containers import require_word_ole
from ingest.parse.layout import Document

MAX_INPUT_BYTES = 64 * 1024 * 1024
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
TIMEOUT_S = float(os.environ.get("GOVREPORTS_SOFFICE_TIMEOUT", "120"))
INSTALL_HINT = "install LibreOffice (Debian/Ubuntu: apt-get install libreoffice-writer-nogui)"


def soffice_path() -> str | None:
    """The LibreOffice binary: $GOVREPORTS_SOFFICE (empty = none), else soffice/libreoffice on PATH."""
    override = os.environ.get("GOVREPORTS_SOFFICE")
    if override is not None:
        return override or None
    return shutil.which("soffice") or shutil.which("libreoffice")


def extract(data: bytes, *, kind: str = "doc") -> Document:
    label = {"wps": ".wps", "rtf": ".rtf"}.get(kind, ".doc")
    if kind != "rtf":
        require_word_ole(data, f"the {label} file")
    converted, _seconds = to_docx(data, label)
    doc = docx.extract(converted)
    doc.kind = kind
    return doc


def to_docx(data: bytes, label: str = ".doc", *, timeout: float | None = None) -> tuple[bytes, float]:
    """The document converted by LibreOffice → (.docx bytes, seconds the conversion took)."""
    exe = soffice_path()
    if exe is None:
        raise NeedsTool(f"needs LibreOffice: a {label} document is read by converting it with "
                        f"soffice, which is not installed ({INSTALL_HINT}); it will be parsed on a "
                        "later run", tool="soffice")
    if len(data) > MAX_INPUT_BYTES:
        raise UserError(f"the {label} file is {len(data)} bytes (at most {MAX_INPUT_BYTES} are "
                        "converted)")
    timeout = TIMEOUT_S if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="govreports-soffice-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        # .doc routes .wps through the Word filter too (same stream); LibreOffice sniffs RTF
        src = work / ("input.rtf" if label == ".rtf" else "input.doc")
        src.write_bytes(data)
        outdir = work / "out"
        outdir.mkdir()
        cmd = [exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
               "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir), str(src)]
        env = {**os.environ, "HOME": str(work)}  # LibreOffice may also write under $HOME
        started = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    stdin=subprocess.DEVNULL, env=env, cwd=str(work),
                                    start_new_session=True)
        except OSError as exc:
            raise NeedsTool(f"needs LibreOffice: {exe} could not be started ({exc.strerror or exc}); "
                            f"{INSTALL_HINT}", tool="soffice") from None
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise UserError(f"LibreOffice did not convert the {label} file within {timeout:.0f} s "
                            "(damaged or hostile document?); conversion stopped") from None
        finally:
            if proc.poll() is None:
                _kill_group(proc)
        seconds = time.perf_counter() - started
        result = outdir / "input.docx"
        if proc.returncode != 0 or not result.is_file():
            last = (err or b"").decode("utf-8", "replace").strip().splitlines()
            why = next((ln for ln in reversed(last) if "javaldx" not in ln), "") if last else ""
            raise UserError(f"LibreOffice could not convert the {label} file (exit {proc.returncode}"
                            + (f": {why[:120]}" if why else "") + "); it is damaged or not a Word document")
        size = result.stat().st_size
        if size > MAX_OUTPUT_BYTES:
            raise UserError(f"the {label} file converts to {size} bytes of .docx (at most "
                            f"{MAX_OUTPUT_BYTES}): refused")
        return result.read_bytes(), seconds


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # soffice forks soffice.bin into the same group
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=10)
    except Exception:
        pass
