"""Bytes → text, choosing the encoding ourselves.

httpx falls back to UTF-8 when the header names no charset and selectolax does no detection,
so both the crawler and the parser call `decode_bytes` and record the choice it returns.
Order: BOM → HTTP header charset → <meta> charset (first 4 KB) → strict UTF-8 → detector.
gb2312/gbk are read as gb18030 (its superset): real pages labelled gb2312 use GBK characters.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?(?:charset\s*=\s*["']?\s*|http-?equiv[^>]*?content\s*=\s*["'][^"']*?charset\s*=\s*)([a-zA-Z0-9_\-]+)""",
    re.IGNORECASE,
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.IGNORECASE)

# Labels seen on real portals, mapped to the codec we actually use.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb18030": "gb18030",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode": "utf-8",  # seen on pages that are in fact UTF-8
    "big5": "big5hkscs",
}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec used, e.g. "utf-8", "gb18030"
    source: str  # how it was chosen: bom | header | meta | utf8 | detector | fallback


def canonical_codec(label: str | None) -> str | None:
    """Map a declared charset label to a codec Python has, or None if unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _ALIASES:
        return _ALIASES[name]
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _ALIASES.get(codec, codec)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, content_type: str | None = None) -> Decoded:
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data[3:].decode("utf-8", errors="replace"), "utf-8", "bom")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return Decoded(data.decode("utf-16", errors="replace"), "utf-16", "bom")

    declared: list[tuple[str, str]] = []
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m and (codec := canonical_codec(m.group(1))):
            declared.append((codec, "header"))
    m = _META_CHARSET.search(data[:4096])
    if m and (codec := canonical_codec(m.group(1).decode("ascii", "ignore"))):
        declared.append((codec, "meta"))

    # A declared charset wins only if the bytes really decode with it: declarations are
    # sometimes wrong (a UTF-8 page labelled gb2312 decodes as mojibake *or* fails).
    for codec, source in declared:
        text = _strict(data, codec)
        if text is not None:
            return Decoded(text, codec, source)

    if not any(codec == "utf-8" for codec, _ in declared):  # a declared utf-8 failed above
        text = _strict(data, "utf-8")
        if text is not None:
            return Decoded(text, "utf-8", "utf8")

    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
    except Exception:  # the detector is advisory; never let it break decoding
        best = None
    if best is not None:
        codec = canonical_codec(best.encoding) or best.encoding
        return Decoded(data.decode(codec, errors="replace"), codec, "detector")

    codec = declared[0][0] if declared else "gb18030"
    return Decoded(data.decode(codec, errors="replace"), codec, "fallback")
