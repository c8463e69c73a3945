"""What a crawl prints: the per-source run summary and the offline holdings table."""

from __future__ import annotations

from pathlib import Path

from ingest.crawl.archive import Archive


def _reasons(reasons: dict, urls: dict | None = None) -> str:
    urls = urls or {}
    return "; ".join(f"{k} ×{v}" + (f" ({urls[k]})" if urls.get(k) else "")
                     for k, v in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))


def print_summary(run_id: str, sources, summaries, archive_dir: Path) -> None:
    headers = ("source", "status", "pages", "new", "unchanged", "not report", "failures", "robots", "reasons")
    rows = []
    whys = []
    for s in sources:
        m = summaries[s.id]
        note = _reasons(m.reasons, m.reason_urls)
        if m.capped:
            note = (note + "; " if note else "") + "stopped at --max-pages"
        rows.append((s.id, m.status, m.pages_fetched, m.new_documents, m.unchanged, m.not_reports,
                     m.failures, m.robots_excluded, note))
        if m.why:
            whys.append(f"  {s.id}: nothing found: {m.why}")
        whys.extend(f"  {s.id}: {n}" for n in m.notes)
    total = tuple(sum(r[i] for r in rows) for i in range(2, 8))
    _table(headers, rows + [("total", "", *total, "")])
    formats: dict[str, int] = {}
    for s in sources:
        for fmt, n in summaries[s.id].formats.items():
            formats[fmt] = formats.get(fmt, 0) + n
    if formats:  # what the portals publish, by the stored bytes (crawl_runs.formats)
        print("formats: " + ", ".join(f"{k} {v}" for k, v in sorted(formats.items(), key=lambda kv: (-kv[1], kv[0]))))
    for line in whys:
        print(line)
    print(f"run {run_id}; archive {archive_dir}")


def summary_json(run_id: str, summaries, archive_dir: Path) -> dict:
    return {
        "run_id": run_id,
        "archive": str(archive_dir),
        "sources": {
            sid: {"status": m.status, "requests": m.requests, "pages_fetched": m.pages_fetched,
                  "new_documents": m.new_documents, "unchanged": m.unchanged, "not_reports": m.not_reports,
                  "failures": m.failures, "reasons": dict(m.reasons), "off_site_links": m.off_site_links,
                  "capped": m.capped, "robots_excluded": m.robots_excluded, "reason_urls": m.reason_urls,
                  "search_pages": m.search_pages, "columns": m.columns, "why": m.why, "notes": m.notes,
                  "formats": dict(m.formats)}
            for sid, m in summaries.items()},
    }


def offline_rows(archive: Archive, sources) -> list[dict]:
    rows = []
    for s in sources:
        row = {"source": s.id, "name": s.name, "documents": 0, "versions": 0, "attachments": 0, "imports": 0,
               "issuers": 0, "years": None, "last_seen": None, "last_run": None, "last_run_status": None}
        if archive.exists:
            got = archive.query(
                "SELECT count(DISTINCT url), count(*), count(*) FILTER (WHERE kind = 'attachment'),"
                " count(*) FILTER (WHERE kind = 'import'), count(DISTINCT issuer), min(year_hint),"
                " max(year_hint), max(last_seen) FROM document_versions WHERE source_id = ?", [s.id])[0]
            row.update(documents=got[0], versions=got[1], attachments=got[2], imports=got[3], issuers=got[4],
                       years=[got[5], got[6]] if got[5] is not None else None,
                       last_seen=got[7].isoformat(sep=" ", timespec="seconds") if got[7] else None)
            last = archive.query(
                "SELECT run_id, status FROM crawl_runs WHERE source_id = ? ORDER BY started_at DESC LIMIT 1", [s.id])
            if last:
                row.update(last_run=last[0][0], last_run_status=last[0][1])
        rows.append(row)
    return rows


def print_offline(rows: list[dict], archive_dir: Path) -> None:
    headers = ("source", "name", "documents", "versions", "attachments", "imports", "issuers", "years",
               "last seen", "last run")
    table = []
    for r in rows:
        years = f"{r['years'][0]}–{r['years'][1]}" if r["years"] else ""
        table.append((r["source"], r["name"], r["documents"], r["versions"], r["attachments"], r["imports"],
                      r["issuers"], years, r["last_seen"] or "", r["last_run_status"] or "never"))
    _table(headers, table)
    held = sum(r["versions"] for r in rows)
    print(f"offline: nothing fetched; {held} document version(s) held in {archive_dir}")


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(headers, rows) -> None:
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        line = "  ".join(c + " " * (widths[i] - _width(c)) for i, c in enumerate(row))
        print(line.rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


__all__ = ["offline_rows", "print_offline", "print_summary", "summary_json"]
