"""MHT / MHTML ("single file web page", how Word and WPS save a report as one .mht or .doc file):
a MIME multipart message whose text/html part is the report page.

The HTML part is taken out with the standard library's MIME parser — quoted-printable soft line
breaks ("12=\\n34") and "=3D" escapes undone, base64 decoded — and handed to the HTML front end
as bytes with the part's declared charset, so it is decoded exactly as a served page would be
(ingest/decode.py). Reading the raw message as HTML instead would split numbers at the soft
line breaks.
"""

from __future__ import annotations

import email
import email.policy

from ingest.errors import NotAReport, UserError
from ingest.parse.layout import Document
from ingest.parse.readers import html

MAX_BYTES = 64 * 1024 * 1024


def is_mht(data: bytes) -> bool:
    head = data[:4096].lower()
    return head.lstrip().startswith((b"mime-version:", b"from:", b"content-type:", b"subject:", b"date:")) \
        and b"multipart/related" in head


def extract(data: bytes) -> Document:
    if len(data) > MAX_BYTES:
        raise UserError(f"the MHT file is {len(data)} bytes (at most {MAX_BYTES} are read)")
    try:
        msg = email.message_from_bytes(data, policy=email.policy.compat32)
    except Exception as exc:  # the parser is lenient; anything raised is damage
        raise UserError(f"the MHT file is damaged ({exc})") from None
    for part in msg.walk():
        if part.get_content_type() != "text/html":
            continue
        try:
            body = part.get_payload(decode=True)
        except Exception:
            body = None
        if not body:
            continue
        charset = part.get_content_charset()
        ctype = f"text/html; charset={charset}" if charset else "text/html"
        doc = html.extract(body, content_type=ctype)
        doc.kind = "mht"
        return doc
    raise NotAReport("the MHT file holds no HTML page")
