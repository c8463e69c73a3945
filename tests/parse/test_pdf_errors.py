"""PDFs that are not readable reports: one clear line and exit 2, never a traceback.

The small PDFs here are written by hand, byte by byte (objects, xref table, trailer), so each
case is exactly the defect it names: no text layer, a password, a cut-off download, garbage.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from ingest.errors import NotAReport, UserError
from ingest.parse import parse_bytes
from ingest.parse.readers import pdf

REPO = Path(__file__).resolve().parents[2]
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()

# The padding string of the PDF standard security handler (ISO 32000-1, 7.6.3.3).
_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
_FILE_ID = bytes.fromhex("00112233445566778899AABBCCDDEEFF")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _encryption(user_password: bytes, owner_password: bytes = b"owner") -> tuple[bytes, bytes]:
    """(/Encrypt dictionary, file key) for 40-bit RC4, revision 2 (algorithms 2–4)."""
    def pad(pw: bytes) -> bytes:
        return (pw + _PAD)[:32]

    o = _rc4(hashlib.md5(pad(owner_password)).digest()[:5], pad(user_password))
    p = (-4).to_bytes(4, "little", signed=True)
    key = hashlib.md5(pad(user_password) + o + p + _FILE_ID).digest()[:5]
    u = _rc4(key, _PAD)
    enc = (b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <" + o.hex().encode()
           + b"> /U <" + u.hex().encode() + b"> >>")
    return enc, key


def make_pdf(content: bytes | None, *, image: bool = False, user_password: bytes | None = None) -> bytes:
    """One A4 page showing `content` (a content stream, Helvetica as /F1) and/or an image."""
    enc_key = None
    encrypt = None
    if user_password is not None:
        encrypt, enc_key = _encryption(user_password)

    def stream(num: int, body: bytes, extra: bytes = b"") -> bytes:
        if enc_key is not None:
            obj_key = hashlib.md5(enc_key + num.to_bytes(3, "little") + b"\0\0").digest()[:10]
            body = _rc4(obj_key, body)
        return b"<< /Length %d%s >>\nstream\n" % (len(body), extra) + body + b"\nendstream"

    draw = (content or b"") + (b"\nq 200 0 0 200 100 400 cm /Im1 Do Q" if image else b"")
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>"),
        4: stream(4, draw),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        6: stream(6, zlib.compress(bytes(range(0, 256, 16)) * 16),
                  b" /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray"
                  b" /BitsPerComponent 8 /Filter /FlateDecode"),
    }
    if encrypt is not None:
        objects[7] = encrypt
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num, body in objects.items():
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for num in sorted(objects):
        out += b"%010d 00000 n \n" % offsets[num]
    trailer = b"<< /Size %d /Root 1 0 R /ID [<%s> <%s>]" % (
        len(objects) + 1, _FILE_ID.hex().encode(), _FILE_ID.hex().encode())
    if encrypt is not None:
        trailer += b" /Encrypt 7 0 R"
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


NEWSLETTER = b"BT /F1 14 Tf 72 760 Td (Quarterly newsletter of the county library) Tj ET"


def _cli(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", "parse", str(path), "--json"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def _assert_one_line_exit_2(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


# ---- the front end, in process -------------------------------------------------------------

def test_hand_made_pdf_is_readable_when_it_is_one():
    # The builder itself is sound: the same file without defects reads back its text.
    doc = pdf.extract(make_pdf(NEWSLETTER))
    assert doc.narrative == "Quarterly newsletter of the county library"
    assert doc.blocks == []


def test_non_report_pdf_is_not_a_report():
    with pytest.raises(NotAReport, match="does not look like"):
        parse_bytes(make_pdf(NEWSLETTER), filename="newsletter.pdf")


def test_image_only_pdf_says_no_text_layer():
    with pytest.raises(NotAReport, match="no text layer.*OCR"):
        pdf.extract(make_pdf(None, image=True))


def test_password_protected_pdf():
    with pytest.raises(UserError, match="password"):
        pdf.extract(make_pdf(NEWSLETTER, user_password=b"secret"))


def test_pdf_encrypted_without_a_user_password_is_read():
    # Many official PDFs are encrypted only to forbid editing: anyone may open them.
    doc = pdf.extract(make_pdf(NEWSLETTER, user_password=b""))
    assert doc.narrative == "Quarterly newsletter of the county library"


def test_truncated_pdf():
    data = make_pdf(NEWSLETTER)
    with pytest.raises(UserError, match="truncated"):
        pdf.extract(data[: len(data) // 2])


def test_cut_off_incremental_update_is_truncated():
    data = make_pdf(NEWSLETTER)
    update = b"8 0 obj\n<< /Producer (editor) >>\nendobj\nxref\n0 1\n0000000000 65535 f \n"
    with pytest.raises(UserError, match="truncated"):
        pdf.extract(data + update)


def test_junk_after_eof_is_harmless():
    data = make_pdf(NEWSLETTER) + b"\0" * 4096 + b"<html><body>served by nginx</body></html>"
    assert pdf.extract(data).narrative == "Quarterly newsletter of the county library"


def test_damaged_pdf():
    data = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
    with pytest.raises(UserError, match="damaged"):
        pdf.extract(data)


def test_pdf_with_a_broken_xref_still_reads_when_its_objects_are_intact():
    # pdfminer rebuilds a wrong xref table by scanning for objects; that is a readable file.
    data = make_pdf(NEWSLETTER)
    start = data.rindex(b"startxref\n") + len(b"startxref\n")
    data = data[:start] + b"999999" + data[data.index(b"\n", start):]
    assert pdf.extract(data).narrative == "Quarterly newsletter of the county library"


# ---- through the command line --------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.corpus
def test_cli_truncated_real_report(tmp_path):
    src = CORPUS / "hongze_2023.pdf"
    if not src.is_file():
        pytest.skip("../shared/corpus/hongze_2023.pdf is not available")
    data = src.read_bytes()
    path = tmp_path / "hongze_2023_cut.pdf"
    path.write_bytes(data[: int(len(data) * 0.6)])
    _assert_one_line_exit_2(_cli(path), "truncated")


@pytest.mark.slow
@pytest.mark.parametrize("case, needle", [
    ("newsletter", "does not look like"),
    ("image", "no text layer"),
    ("password", "password"),
    ("truncated", "truncated"),
])
def test_cli_bad_pdfs_exit_2_with_one_line(tmp_path, case, needle):
    data = {
        "newsletter": lambda: make_pdf(NEWSLETTER),
        "image": lambda: make_pdf(None, image=True),
        "password": lambda: make_pdf(NEWSLETTER, user_password=b"secret"),
        "truncated": lambda: make_pdf(NEWSLETTER)[:300],
    }[case]()
    path = tmp_path / f"{case}.pdf"
    path.write_bytes(data)
    _assert_one_line_exit_2(_cli(path), needle)
