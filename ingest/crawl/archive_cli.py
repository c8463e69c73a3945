"""`python -m ingest archive …`: put local files into the raw archive, list it, export it.

    python -m ingest archive add report.pdf --issuer 汉阴县人民政府 --source-id hanyin --year 2023
    python -m ingest archive add page.html --issuer 石泉县人民政府 --url https://www.shiquan.gov.cn/…
    python -m ingest archive import-snapshot             # the repository's snapshot/ (Hanyin seed)
    python -m ingest archive list --source hanyin --year 2023
    python -m ingest archive export ./out --latest       # files with readable names + manifest.csv
    python -m ingest archive cat <sha256> > file
    python -m ingest archive verify                      # blobs and index against the journal; changes nothing
    python -m ingest archive reindex                     # rebuild archive.duckdb from the journal

Imports are document versions of kind `import`: adding the same bytes under the same URL again
only moves `last_seen`; nothing stored is ever replaced. Without --url a file is filed under
the stable `import:<sha256>`.
"""

from __future__ import annotations

import argparse
import csv
import json
import mimetypes
import re
import shutil
import sys
from pathlib import Path

import yaml

from ingest.config import REPO_ROOT, paths
from ingest.crawl import discovery as d
from ingest.crawl import registry as reg
from ingest.crawl.archive import Archive, NewDocument, sha256_hex
from ingest.decode import decode_bytes
from ingest.errors import UserError
from ingest.safeio import read_input

SNAPSHOT_DIR = REPO_ROOT / "snapshot"
_TYPES = {".pdf": "application/pdf", ".doc": "application/msword", ".wps": "application/vnd.ms-works",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".html": "text/html", ".htm": "text/html", ".shtml": "text/html", ".txt": "text/plain",
          ".ofd": "application/ofd"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="archive_command", metavar="SUBCOMMAND")

    a = sub.add_parser("add", help="import local files (kind=import)", description="import local files")
    a.add_argument("files", nargs="+", metavar="FILE")
    a.add_argument("--issuer", required=True, help="issuing body, e.g. 汉阴县人民政府")
    a.add_argument("--url", help="where the document was published (default import:<sha256>)")
    a.add_argument("--source-id", help="registry id of the county whose portal published it")
    a.add_argument("--title", help="document title (default: read from the file, else its name)")
    a.add_argument("--year", type=int, help="report year (default: read from the title)")
    a.add_argument("--content-type", help="MIME type (default: from the file name and its first bytes)")
    a.add_argument("--registry", metavar="FILE", help="registry to check --source-id against")

    s = sub.add_parser("import-snapshot", help="import the repository's snapshot/ (or DIR) by its manifest")
    s.add_argument("dir", nargs="?", default=str(SNAPSHOT_DIR), metavar="DIR")

    ls = sub.add_parser("list", help="show document versions")
    ls.add_argument("--source", help="only this source id")
    ls.add_argument("--kind", choices=["page", "attachment", "import"])
    ls.add_argument("--issuer", help="issuer contains this text")
    ls.add_argument("--year", type=int, help="only this report year")
    ls.add_argument("--latest", action="store_true", help="only the newest version of each URL")
    fmt = ls.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="JSON lines")
    fmt.add_argument("--csv", action="store_true", help="CSV with a header")

    e = sub.add_parser("export", help="copy documents out with readable names and a manifest.csv")
    e.add_argument("dir", metavar="DIR")
    e.add_argument("--source", help="only this source id")
    e.add_argument("--latest", action="store_true", help="only the newest version of each URL")

    c = sub.add_parser("cat", help="write one blob's bytes to stdout")
    c.add_argument("sha256")

    sub.add_parser("verify", help="check every blob's sha256 and the index against the journal (changes nothing)")
    sub.add_parser("reindex", help="rebuild archive.duckdb from the journal (the old index is kept aside)")
    sub.add_parser("backfill-journal", help="write the journal of an archive made before it, from the index")


def run(args) -> int:
    command = getattr(args, "archive_command", None)
    if command == "add":
        return _add(args)
    if command == "import-snapshot":
        return _import_snapshot(Path(args.dir))
    if command == "list":
        return _list(args)
    if command == "export":
        return _export(args)
    if command == "cat":
        return _cat(args)
    if command in ("verify", "reindex", "backfill-journal"):
        from ingest.crawl import archive_repair

        if command == "verify":
            return 1 if archive_repair.verify(paths()) else 0
        if command == "reindex":
            print(archive_repair.reindex(paths()))
            return 0
        with Archive(paths()) as archive:  # a writable open writes the journal once from the index
            print(f"journal: {archive.journal_path}")
        return 0
    raise UserError("choose a subcommand: add, import-snapshot, list, export, cat, verify, reindex, "
                    "backfill-journal")


# ---- add ------------------------------------------------------------------------------------
def _read(path: Path) -> bytes:
    return read_input(path, directory="name the files to add")


def describe(data: bytes, name: str, content_type: str | None = None) -> dict:
    """Content type, encoding and a title guessed from a file's bytes and name."""
    ctype = content_type or _TYPES.get(Path(name).suffix.lower()) or d.sniff_content_type(data) \
        or mimetypes.guess_type(name)[0] or "application/octet-stream"
    info = {"content_type": ctype, "encoding": None, "encoding_source": None, "title": None}
    if d.is_text_type(ctype):
        decoded = decode_bytes(data, ctype)
        info.update(encoding=decoded.encoding, encoding_source=decoded.source)
        if "charset" not in ctype and ctype.startswith("text/"):
            info["content_type"] = f"{ctype}; charset={decoded.encoding}"
        if "html" in ctype:
            from ingest.crawl.adapters.base import Adapter, parse_html

            info["title"] = Adapter().detail_title(parse_html(decoded.text))
        else:
            for line in decoded.text.splitlines()[:20]:
                if d.is_report_title(line):
                    info["title"] = d.clean(line)
                    break
    return info


def _add(args) -> int:
    files = [Path(f) for f in args.files]
    if args.url and len(files) > 1:
        raise UserError("--url names one document; add the files one at a time")
    if args.year is not None and not 2007 <= args.year <= 2100:
        raise UserError(f"--year must be a report year (2007–2100), got {args.year}")
    if args.source_id is not None:
        registry = reg.load(args.registry)
        if registry.get(args.source_id) is None:
            raise UserError(f"unknown --source-id {args.source_id!r} in {registry.path}")
    if args.url and not re.match(r"^(https?://|file://|import:)\S+$", args.url):
        raise UserError(f"--url must be an http(s)://, file:// or import: URL, got {args.url!r}")
    blobs = [(_read(f), f) for f in files]  # read all first: a missing file adds nothing
    with Archive(paths()) as archive:
        if args.source_id is not None:
            archive.record_sources([registry.get(args.source_id)], registry.path)
        for data, path in blobs:
            state, doc = add_file(archive, data, path.name, issuer=args.issuer, url=args.url,
                                  source_id=args.source_id, title=args.title, year=args.year,
                                  content_type=args.content_type)
            print(f"{state:<4}  {doc.sha256[:12]}  {doc.url}  {doc.issuer}  {doc.title or ''}".rstrip())
    return 0


def add_file(archive: Archive, data: bytes, name: str, *, issuer: str, url: str | None = None,
             source_id: str | None = None, title: str | None = None, year: int | None = None,
             content_type: str | None = None) -> tuple[str, NewDocument]:
    if not issuer or not issuer.strip():
        raise UserError("--issuer must name the issuing body")
    sha = sha256_hex(data)
    info = describe(data, name, content_type)
    title = title or info["title"] or Path(name).stem
    doc = NewDocument(
        sha256=sha, url=url or f"import:{sha}", source_id=source_id, issuer=issuer.strip(), title=title,
        content_type=info["content_type"], encoding=info["encoding"], encoding_source=info["encoding_source"],
        bytes=len(data), year_hint=year or d.year_of(title), parent_url=None, kind="import")
    archive.put_blob(data)
    return archive.record(None, doc), doc


# ---- snapshot ---------------------------------------------------------------------------------
def _import_snapshot(directory: Path) -> int:
    manifest = directory / "manifest.yaml"
    try:
        doc = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no snapshot manifest at {manifest}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{manifest} is not valid YAML: {str(exc).splitlines()[0]}") from None
    entries = (doc or {}).get("documents") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise UserError(f"{manifest}: expected a 'documents' list")
    staged = []
    for i, e in enumerate(entries):
        where = f"{manifest}: documents[{i}]"
        if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("file", "sha256", "issuer")):
            raise UserError(f"{where}: needs text fields file, sha256 and issuer")
        data = _read(directory / e["file"])
        if sha256_hex(data) != e["sha256"]:
            raise UserError(f"{where}: {e['file']} does not match the sha256 in the manifest")
        staged.append((data, e))
    with Archive(paths()) as archive:
        for data, e in staged:
            state, doc = add_file(archive, data, e["file"], issuer=e["issuer"], url=e.get("url"),
                                  source_id=e.get("source_id"), title=e.get("title"), year=e.get("year"),
                                  content_type=e.get("content_type"))
            print(f"{state:<4}  {doc.sha256[:12]}  {doc.url}  {doc.issuer}  {doc.title or ''}".rstrip())
    return 0


# ---- list / export / cat --------------------------------------------------------------------
def _selected(archive: Archive, args) -> list:
    docs = list(archive.documents(source_id=args.source, latest_only=args.latest,
                                  kinds=(args.kind,) if getattr(args, "kind", None) else None))
    if getattr(args, "issuer", None):
        docs = [x for x in docs if args.issuer in (x.issuer or "")]
    if getattr(args, "year", None):
        docs = [x for x in docs if x.year_hint == args.year]
    return docs


_LIST_COLUMNS = ("sha256", "kind", "source_id", "issuer", "year_hint", "title", "content_type", "encoding",
                 "bytes", "first_seen", "last_seen", "url", "parent_url")


def _list(args) -> int:
    with Archive(paths(), read_only=True) as archive:
        docs = _selected(archive, args)
    if args.json:
        for x in docs:
            row = {k: getattr(x, k) for k in _LIST_COLUMNS}
            row["first_seen"], row["last_seen"] = str(x.first_seen), str(x.last_seen)
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if args.csv:
        w = csv.writer(sys.stdout)
        w.writerow(_LIST_COLUMNS)
        for x in docs:
            w.writerow([getattr(x, k) for k in _LIST_COLUMNS])
        return 0
    for x in docs:
        print(f"{x.sha256[:12]}  {x.kind:<10}  {x.source_id or '-':<10}  {x.year_hint or '----'}  "
              f"{x.last_seen:%Y-%m-%d}  {x.issuer or ''}  {x.title or ''}  {x.url}")
    print(f"{len(docs)} document version(s)", file=sys.stderr)
    return 0


_EXT = {"application/pdf": ".pdf", "application/msword": ".doc", "application/vnd.ms-works": ".wps",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
        "text/html": ".html", "text/plain": ".txt", "application/ofd": ".ofd"}


def _export(args) -> int:
    out = Path(args.dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} exists and is not a directory")
    with Archive(paths(), read_only=True) as archive:
        docs = _selected(archive, args)
        out.mkdir(parents=True, exist_ok=True)
        rows = []
        for x in docs:
            ext = d.extension_of(x.url) and "." + d.extension_of(x.url) or \
                _EXT.get((x.content_type or "").split(";")[0].strip(), ".bin")
            stem = re.sub(r"[\\/:*?\"<>|\s]+", "_", f"{x.year_hint or 'unknown'}_{x.issuer or 'unknown'}")[:80]
            name = f"{stem}_{x.sha256[:10]}{ext}"
            target = out / name
            if not target.exists():
                shutil.copyfile(archive.blob_path(x.sha256), target)
            rows.append({"file": name, **{k: getattr(x, k) for k in _LIST_COLUMNS}})
    with open(out / "manifest.csv", "w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel reads UTF-8
        w = csv.DictWriter(fh, fieldnames=["file", *_LIST_COLUMNS])
        w.writeheader()
        w.writerows(rows)
    print(f"exported {len(rows)} document version(s) to {out} (manifest.csv lists them)")
    return 0


def _cat(args) -> int:
    archive = Archive(paths(), read_only=True)
    try:
        if not archive.has_blob(args.sha256):
            raise UserError(f"no blob {args.sha256} in {archive.blobs_dir}")
        sys.stdout.buffer.write(archive.read_blob(args.sha256))
        sys.stdout.buffer.flush()
    finally:
        archive.close()
    return 0
