"""Opening the containers office documents come in — ZIP (.docx, .ofd) and OLE (.doc, .wps) —
without trusting them.

Attachments are downloaded from the internet, so every container is hostile until measured:
- ZIP: the central directory is read first and refused before anything is inflated when it
  holds too many members, a member or the whole declares too many bytes, or a member claims a
  compression ratio no real document has (a zip bomb). Members are then read in chunks that
  stop at the declared size (zipfile stops there too and fails the CRC of a member that lies),
  so the declared sizes checked here bound the memory actually used. Nothing is ever extracted
  to disk (member names with ../ are harmless).
- XML: parsed by lxml with no DTD loading, no entity resolution, no network and no huge trees;
  a part that declares a DOCTYPE at all is refused (no office format needs one, and internal
  entities are the billion-laughs vector).
- OLE: only the directory (stream names) is read, through olefile, to tell Word from Excel.
"""

from __future__ import annotations

import io
import zipfile

from ingest.errors import NotAReport, UserError

MAX_MEMBERS = 2_000  # a long report .docx has ~20 parts; an OFD ~10 per page
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one part, inflated
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all parts, inflated
MAX_RATIO = 200  # inflated / compressed; XML compresses ~10×, a bomb ~1000×
RATIO_FLOOR = 1024 * 1024  # members smaller than this may have any ratio (tiny, harmless)


class SafeZip:
    """A zip archive whose directory passed the caps; members read by name, capped again."""

    def __init__(self, data: bytes, what: str = "the file"):
        self.what = what
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise UserError(f"{what} is a damaged ZIP container and cannot be read ({exc})") from None
        if len(infos) > MAX_MEMBERS:
            raise UserError(f"{what} is a ZIP container of {len(infos)} members (at most "
                            f"{MAX_MEMBERS} are read): refused as a possible zip bomb")
        total = 0
        for info in infos:
            size = info.file_size
            total += size
            if size > MAX_MEMBER_BYTES:
                raise UserError(f"{what}: member {info.filename[:80]!r} would inflate to {size} bytes "
                                f"(at most {MAX_MEMBER_BYTES}): refused as a possible zip bomb")
            if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
                raise UserError(f"{what}: member {info.filename[:80]!r} compresses "
                                f"{size // max(info.compress_size, 1)}:1 (at most {MAX_RATIO}:1): "
                                "refused as a possible zip bomb")
        if total > MAX_TOTAL_BYTES:
            raise UserError(f"{what} would inflate to {total} bytes (at most {MAX_TOTAL_BYTES}): "
                            "refused as a possible zip bomb")
        self.infos = {i.filename: i for i in infos}

    def names(self) -> list[str]:
        return list(self.infos)

    def find(self, name: str) -> str | None:
        """The member named `name`, ignoring case and a leading slash (OFD paths vary)."""
        want = name.lstrip("/").lower()
        for n in self.infos:
            if n.lstrip("/").lower() == want:
                return n
        return None

    def read(self, name: str) -> bytes:
        real = self.find(name)
        if real is None:
            raise UserError(f"{self.what} has no part {name!r}: the container is incomplete")
        # Read in chunks and stop at the declared size: a member whose header understates what
        # its deflate stream holds would otherwise inflate without bound before its CRC fails.
        limit = min(self.infos[real].file_size, MAX_MEMBER_BYTES)
        chunks, total = [], 0
        try:
            with self.zf.open(real) as fh:
                while True:
                    chunk = fh.read(min(1 << 20, limit - total + 1))
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > limit:
                        raise UserError(f"{self.what}: member {name[:80]!r} inflates past its declared "
                                        f"size of {limit} bytes: refused as a possible zip bomb")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise UserError(f"{self.what}: part {name!r} is damaged ({exc})") from None
        return b"".join(chunks)

    def xml(self, name: str):
        return parse_xml(self.read(name), f"{self.what}: part {name!r}")


def zip_names(data: bytes) -> list[str] | None:
    """Member names from the central directory only (nothing inflated); None if unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def refuse_doctype(raw: bytes, what: str) -> None:
    head = raw[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: look at the text, not the bytes
        try:
            head = head.decode("utf-16", errors="ignore").encode("utf-8")
        except Exception:
            head = b""
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
        raise UserError(f"{what} declares a DTD or entities, which no office document needs: "
                        "refused (possible entity-expansion attack)")


def parse_xml(raw: bytes, what: str):
    """One XML part → lxml root element, with DTDs and entities refused."""
    from lxml import etree

    refuse_doctype(raw, what)
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise UserError(f"{what} is not well-formed XML ({str(exc)[:120]})") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UserError(f"{what} declares a DTD, which no office document needs: refused")
    return root


def ole_streams(data: bytes) -> set[str] | None:
    """Top-level and nested stream/storage names of an OLE compound file (lower case), or None
    when the directory cannot be read."""
    try:
        import olefile
    except ImportError:  # pragma: no cover - a dependency; the sniffer then says "OLE document"
        return None
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:  # olefile raises OSError, IndexError, struct.error … on damaged files
        return None
    try:
        return {"/".join(parts).lower() for parts in ole.listdir(streams=True, storages=True)}
    except Exception:
        return None
    finally:
        ole.close()


def require_word_ole(data: bytes, what: str) -> None:
    names = ole_streams(data)
    if names is None:
        raise UserError(f"{what} is a damaged OLE document and cannot be read")
    if "worddocument" not in names:
        raise NotAReport(f"{what} is an OLE document without a WordDocument stream "
                         "(not a Word/WPS text document)")
