"""An image bundle: the pictures of one report page (a series of <img>) as one document.

Some counties publish their report as pictures (图片版): the page's content is a series of
<img>, one per scanned page. The crawler keeps every picture as it was served and stores, as
the report's document, a bundle of them in page order: a ZIP whose first member is
`image-bundle.json` (format, the page's URL, and per picture its name, URL, sha256), followed
by the pictures themselves, stored (not deflated: pictures are compressed already), with fixed
timestamps so the same pictures always make the same bytes (and the same sha256).

The parser sniffs a bundle by that first member name and reads it with the OCR front end, one
page per picture. Reading goes through containers.SafeZip (member and total size caps) and
every picture through ocr.decode_image (byte and pixel caps).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from ingest.errors import UserError
from ingest.parse.readers.containers import SafeZip

MANIFEST = "image-bundle.json"
FORMAT = "gov-disclosure-image-bundle/1"
MAX_IMAGES = 60
_EPOCH = (1980, 1, 1, 0, 0, 0)  # ZIP's earliest date: a fixed stamp keeps the bytes stable


def is_bundle(data: bytes) -> bool:
    """The first local header names the manifest (a cheap look, no directory read)."""
    if not data.startswith(b"PK\x03\x04") or len(data) < 30:
        return False
    n = int.from_bytes(data[26:28], "little")
    return data[30:30 + n] == MANIFEST.encode()


def write(images: list[tuple[str, bytes]], page_url: str | None = None,
          urls: list[str | None] | None = None) -> bytes:
    """images: (name, bytes) in page order → the bundle's bytes (deterministic)."""
    if not images:
        raise ValueError("an image bundle needs at least one image")
    urls = urls or [None] * len(images)
    members = []
    for i, ((name, blob), url) in enumerate(zip(images, urls)):
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name.rsplit("/", 1)[-1])[:80]
        members.append((f"{i + 1:03d}-{safe or 'image'}", blob, url))
    manifest = {"format": FORMAT, "page_url": page_url,
                "images": [{"name": n, "url": u, "sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
                           for n, b, u in members]}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, blob in [(MANIFEST, json.dumps(manifest, ensure_ascii=False, sort_keys=True,
                                                 indent=1).encode())] + [(n, b) for n, b, _ in members]:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            zf.writestr(info, blob)
    return buf.getvalue()


def read(data: bytes, what: str = "the image bundle") -> list[tuple[str, bytes]]:
    """The pictures of a bundle, in page order, each checked against its manifest sha256."""
    z = SafeZip(data, what)
    try:
        manifest = json.loads(z.read(MANIFEST))
    except ValueError:
        raise UserError(f"{what}: its manifest is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UserError(f"{what}: unknown bundle format {str(manifest.get('format') if isinstance(manifest, dict) else None)[:40]!r}")
    entries = manifest.get("images") or []
    if len(entries) > MAX_IMAGES:
        raise UserError(f"{what} lists {len(entries)} images (at most {MAX_IMAGES} pages are OCR'd)")
    out = []
    for e in entries:
        name = str(e.get("name"))
        blob = z.read(name)
        if hashlib.sha256(blob).hexdigest() != e.get("sha256"):
            raise UserError(f"{what}: image {name[:60]!r} does not match its manifest (damaged bundle)")
        out.append((name, blob))
    return out
