"""The raw archive: blobs by sha256, append-only versions, the read API, and the archive command."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time

import pytest

from ingest.config import paths
from ingest.crawl.archive import Archive, NewDocument
from ingest.errors import PipelineError, UserError
from tests.conftest import HANYIN_SEED
from tests.crawl.conftest import REPO, query, run_cli

SNAPSHOT = REPO / "snapshot"


def doc(data: bytes, url: str, **kw) -> NewDocument:
    base = dict(sha256=hashlib.sha256(data).hexdigest(), url=url, source_id="hanyin", issuer="汉阴县人民政府",
                title="t", content_type="text/html", encoding="utf-8", encoding_source="header", bytes=len(data),
                year_hint=2023, parent_url=None, kind="page")
    return NewDocument(**{**base, **kw})


def test_versions_are_appended_never_overwritten(tmp_path):
    p = paths(tmp_path)
    with Archive(p) as a:
        v1, v2 = b"<html>report v1</html>", b"<html>report v2, corrected</html>"
        a.put_blob(v1)
        assert a.record(None, doc(v1, "http://x/r.html")) == "new"
        assert a.record(None, doc(v1, "http://x/r.html")) == "seen"
        a.put_blob(v2)
        assert a.record(None, doc(v2, "http://x/r.html")) == "new"  # a changed page is a new version
        with pytest.raises(PipelineError, match="not stored"):
            a.record(None, doc(b"never stored", "http://x/other.html"))
    with Archive(p, read_only=True) as a:
        versions = list(a.documents())
        assert [v.sha256 for v in versions] == [hashlib.sha256(v1).hexdigest(), hashlib.sha256(v2).hexdigest()]
        assert versions[0].last_seen > versions[0].first_seen
        (latest,) = a.documents(latest_only=True)
        assert a.read_blob(latest.sha256) == v2
        assert a.blob_names() == {v.sha256 for v in versions}


def test_read_api_on_an_empty_data_dir_creates_nothing(tmp_path):
    with Archive(paths(tmp_path / "fresh"), read_only=True) as a:
        assert list(a.documents()) == [] and a.validators() == {}
    assert not (tmp_path / "fresh").exists()


def test_corrupt_or_missing_blobs_are_pipeline_errors(tmp_path):
    with Archive(paths(tmp_path)) as a:
        sha = a.put_blob(b"original bytes")
        path = a.blob_path(sha)
        os.chmod(path, 0o644)
        path.write_bytes(b"tampered")
        with pytest.raises(PipelineError, match="corrupt"):
            a.read_blob(sha)
        with pytest.raises(PipelineError, match="missing"):
            a.read_blob("0" * 64)
        with pytest.raises(UserError, match="not a sha256"):
            a.blob_path("../../etc/passwd")


def test_temporary_files_of_dead_writers_are_cleared(tmp_path):
    p = paths(tmp_path)
    with Archive(p) as a:
        sha = a.put_blob(b"complete")
    dead_pid = 2 ** 22 + 12345  # above pid_max: never a live process
    stale = p.blobs_dir / sha[:2] / f".{sha}.{dead_pid}.abcd.tmp"
    stale.write_bytes(b"half a blo")
    live = p.blobs_dir / sha[:2] / f".{sha}.{os.getpid()}.beef.tmp"
    live.write_bytes(b"being written")
    with Archive(p):
        pass
    assert not stale.exists() and live.exists()


def test_a_second_writer_gets_one_clear_line(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom ingest.config import paths\nfrom ingest.crawl.archive import "
         "Archive\na = Archive(paths(sys.argv[1]))\nprint('ready', flush=True)\ntime.sleep(30)", str(tmp_path)],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = run_cli("archive", "add", str(HANYIN_SEED), "--issuer", "汉阴县人民政府", data_dir=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith("error: the archive") and "in use by another process" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()


# ---- python -m ingest archive … ---------------------------------------------------------------
def test_add_is_idempotent_and_list_shows_it(tmp_path):
    d = tmp_path / "data"
    first = run_cli("archive", "add", str(HANYIN_SEED), "--issuer", "汉阴县人民政府", "--source-id", "hanyin",
                    data_dir=d)
    assert first.returncode == 0, first.stderr
    sha = hashlib.sha256(HANYIN_SEED.read_bytes()).hexdigest()
    assert first.stdout.split()[:3] == ["new", sha[:12], f"import:{sha}"]
    assert "汉阴县人民政府2023年度政府信息公开工作年度报告" in first.stdout  # title read from the text
    again = run_cli("archive", "add", str(HANYIN_SEED), "--issuer", "汉阴县人民政府", data_dir=d)
    assert again.stdout.startswith("seen")
    rows = query(d, "SELECT kind, year_hint, content_type, encoding, source_id FROM document_versions")
    assert rows == [("import", 2023, "text/plain; charset=utf-8", "utf-8", "hanyin")]
    listed = run_cli("archive", "list", "--json", data_dir=d)
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["sha256"] == sha and row["issuer"] == "汉阴县人民政府" and row["kind"] == "import"


def test_add_bad_input_stores_nothing(tmp_path):
    d = tmp_path / "data"
    missing = run_cli("archive", "add", str(HANYIN_SEED), str(tmp_path / "nope.pdf"), "--issuer", "x", data_dir=d)
    assert missing.returncode == 2 and missing.stderr.strip() == f"error: no such file: {tmp_path / 'nope.pdf'}"
    assert not (d / "archive").exists()  # the good file before it was not half-imported either
    unknown = run_cli("archive", "add", str(HANYIN_SEED), "--issuer", "x", "--source-id", "atlantis", data_dir=d)
    assert unknown.returncode == 2 and "unknown --source-id 'atlantis'" in unknown.stderr
    two_urls = run_cli("archive", "add", str(HANYIN_SEED), str(HANYIN_SEED), "--issuer", "x", "--url",
                       "https://a.gov.cn/r.html", data_dir=d)
    assert two_urls.returncode == 2 and "one document" in two_urls.stderr


def test_snapshot_ships_the_hanyin_seed_and_the_hongze_reports_and_imports(tmp_path):
    manifest = (SNAPSHOT / "manifest.yaml").read_text(encoding="utf-8")
    data = (SNAPSHOT / "hanyin_2023_text.txt").read_bytes()
    assert data == HANYIN_SEED.read_bytes()
    assert hashlib.sha256(data).hexdigest() in manifest
    d = tmp_path / "data"
    result = run_cli("archive", "import-snapshot", data_dir=d)
    assert result.returncode == 0, result.stderr
    rows = query(d, "SELECT url, issuer, source_id, kind, title, year_hint FROM document_versions ORDER BY year_hint, url")
    hongze = [hashlib.sha256((SNAPSHOT / f).read_bytes()).hexdigest() for f in ("hongze_2023.pdf", "hongze_2024.pdf")]
    assert rows == [
        ("https://www.hanyin.gov.cn/Content-2673984.html", "汉阴县人民政府", "hanyin", "import",
         "汉阴县人民政府2023年度政府信息公开工作年度报告", 2023),
        (f"import:{hongze[0]}", "洪泽区人民政府", "hongze", "import", "洪泽区人民政府2023年政府信息公开工作年度报告", 2023),
        (f"import:{hongze[1]}", "淮安市洪泽区人民政府", "hongze", "import",
         "淮安市洪泽区人民政府2024年政府信息公开工作年度报告", 2024)]
    time.sleep(0.01)
    assert all(l.startswith("seen") for l in run_cli("archive", "import-snapshot", data_dir=d).stdout.splitlines())
    assert query(d, "SELECT count(*) FROM document_versions") == [(3,)]
    # the loader's read API sees them
    with Archive(paths(d), read_only=True) as a:
        assert {a.read_blob(v.sha256) for v in a.documents()} == {
            data, *((SNAPSHOT / f).read_bytes() for f in ("hongze_2023.pdf", "hongze_2024.pdf"))}


def test_snapshot_with_a_tampered_file_is_refused(tmp_path):
    snap = tmp_path / "snap"
    snap.mkdir()
    (snap / "manifest.yaml").write_text((SNAPSHOT / "manifest.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (snap / "hanyin_2023_text.txt").write_bytes(HANYIN_SEED.read_bytes() + b"\nedited")
    result = run_cli("archive", "import-snapshot", str(snap), data_dir=tmp_path / "data")
    assert result.returncode == 2 and "does not match the sha256 in the manifest" in result.stderr
    assert not (tmp_path / "data" / "archive").exists()


def test_export_and_cat(tmp_path):
    d = tmp_path / "data"
    run_cli("archive", "import-snapshot", data_dir=d)
    out = tmp_path / "out"
    result = run_cli("archive", "export", str(out), data_dir=d)
    assert result.returncode == 0 and "exported 3 document version" in result.stdout
    files = sorted(p.name for p in out.iterdir())
    assert files[0] == "2023_汉阴县人民政府_bbb3f9f302.txt" and "manifest.csv" in files
    assert (out / files[0]).read_bytes() == HANYIN_SEED.read_bytes()
    sha = hashlib.sha256(HANYIN_SEED.read_bytes()).hexdigest()
    cat = subprocess.run([sys.executable, "-m", "ingest", "archive", "cat", sha], cwd=REPO, capture_output=True,
                         env={**os.environ, "DATA_DIR": str(d)})
    assert cat.returncode == 0 and cat.stdout == HANYIN_SEED.read_bytes()
    missing = run_cli("archive", "cat", "0" * 64, data_dir=d)
    assert missing.returncode == 2 and missing.stderr.startswith("error: no blob")
