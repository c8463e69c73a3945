"""The crawl counts the documents it stores by format (crawl_runs.formats), from their bytes.

A real crawl of the fixture county portal over HTTP on 127.0.0.1, its stand-in attachments
swapped for real files (the Word fixtures, an image-only PDF); the counts must equal the format
of every stored blob as ingest/parse/formats.py sniffs it, and the refresh summary reads them
back from crawl_runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil

from ingest.cli import main
from ingest.config import paths as make_paths
from ingest.parse.formats import document_format
from ingest.refresh import summary as summary_mod
from tests.crawl.conftest import FAST, query
from bench.sites import portal as portal_mod
from bench.sites.portal import Portals
from tests.parse.parse_expect import FIXTURES, SHARED_CORPUS


def test_crawl_runs_count_documents_by_format(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    portal_dir = tmp_path / "portal"
    shutil.copytree(portal_mod.PORTAL, portal_dir)
    monkeypatch.setattr(portal_mod, "PORTAL", portal_dir)  # the hosts serve this copy
    site = portal_dir / "county"
    office = FIXTURES / "office"
    shutil.copy(office / "word_2021.wps", site / "upload/2024/sjj2023.wps")
    shutil.copy(office / "word_2021.docx", site / "upload/2021/nb2020.docx")
    (site / "upload/2023/nb2022.pdf").write_bytes(_scan_pdf())
    portals = Portals()
    try:
        registry = tmp_path / "registry.yaml"
        registry.write_text(portals.registry_yaml(include_dead=False), encoding="utf-8")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["crawl", "--registry", str(registry), *FAST, "--source", "hanyin"]) == 0
    finally:
        portals.stop()
    (run_id, formats), = query(data_dir, "SELECT run_id, formats FROM crawl_runs WHERE source_id = 'hanyin'")
    counts = json.loads(formats)
    expected: dict[str, int] = {}
    for url, sha, ctype in query(data_dir, "SELECT url, sha256, content_type FROM document_versions "
                                           "WHERE source_id = 'hanyin'"):
        blob = (data_dir / "archive" / "blobs" / sha[:2] / sha).read_bytes()
        fmt = document_format(blob, url.rsplit("/", 1)[-1], ctype)
        expected[fmt] = expected.get(fmt, 0) + 1
    assert counts == expected
    assert counts.get("html", 0) >= 3
    assert (counts.get("wps"), counts.get("docx"), counts.get("pdf_scanned")) == (1, 1, 1)
    # the portal's other PDF is a stand-in with no page: counted as what it is, not by its name
    assert counts.get("pdf_unreadable") == 1
    # the crawl's own summary prints them
    printed = next(line for line in out.getvalue().splitlines() if line.startswith("formats: "))
    assert all(f"{fmt} {n}" in printed for fmt, n in counts.items())
    # the refresh summary sums them for this run's rows only
    p = make_paths(data_dir)
    assert summary_mod.crawl_formats(p, set()) == dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    assert summary_mod.crawl_formats(p, {run_id}) == {}
    s = summary_mod.Summary(run_id="r", started_at="", data_dir=str(data_dir), offline=False, formats=counts)
    assert "formats:   " in s.render() and "crawl_runs.formats" in s.render()


def _scan_pdf() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(out, "PDF")  # an image-only PDF: a scan
    return out.getvalue()


def test_document_format_by_content():
    from PIL import Image

    office = FIXTURES / "office"
    assert document_format((office / "word_2021.docx").read_bytes(), "x.pdf") == "docx"
    assert document_format((office / "word_2021.doc").read_bytes(), "x.doc") == "doc"
    assert document_format((office / "word_2021.wps").read_bytes(), "x.wps") == "wps"
    assert document_format((office / "word_2021.ofd").read_bytes(), "x") == "ofd"
    assert document_format((FIXTURES / "html" / "word_2021.html").read_bytes()) == "html"
    png = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(png, "PNG")
    assert document_format(png.getvalue(), "page.png") == "image"
    assert document_format(_scan_pdf(), "scan.pdf") == "pdf_scanned"
    hongze = SHARED_CORPUS / "hongze_2023.pdf"
    if hongze.is_file():  # a text PDF (../shared/corpus, absent in some checkouts)
        assert document_format(hongze.read_bytes(), "hongze.pdf") == "pdf_text"
    assert document_format(b"%PDF-1.4 garbage", "x.pdf") == "pdf_unreadable"
    assert document_format(b"PK\x03\x04broken", "x.docx") == "other"
    assert document_format(b"") == "other"
