"""What discovery remembers between runs: each source's report columns, and why a run found nothing.

A search from a home page costs tens of pages; the columns it found cost one request each
(usually a 304) on the next run. So every run writes, per source, the column URLs where it
found report links, and the next run starts there. When a remembered column stops answering
(404, an error, or a page that no longer lists any report), and in any case once the last search
is MAX_AGE_DAYS old (new department columns appear), the crawler searches again from the
registry entry and replaces what it remembered. `crawl --rediscover` forces a search.

Kept in `DATA_DIR/crawl/columns.json` (outside the archive: it is a cache the next search
rebuilds, not evidence), written atomically (temp file + rename). Deleting it only costs one
search per source. The same file keeps the last run's diagnosis per source (`last_run`:
why a source yielded nothing, its best candidates, pages spent), which the refresh summary
prints.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from ingest.config import Paths

VERSION = 1
MAX_AGE_DAYS = 30  # search again after this long even when the columns still answer


def memory_path(paths: Paths) -> Path:
    return paths.data_dir / "crawl" / "columns.json"


class ColumnMemory:
    def __init__(self, path: Path):
        self.path = path
        self.sources: dict[str, dict] = {}
        self.autosave = True   # False: remember() only marks it dirty and the caller saves
        self.dirty = False
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = {}  # missing or damaged: a cache, so start over (one search per source)
        if isinstance(doc, dict) and doc.get("version") == VERSION and isinstance(doc.get("sources"), dict):
            self.sources = doc["sources"]

    @classmethod
    def of(cls, paths: Paths) -> ColumnMemory:
        return cls(memory_path(paths))

    def columns(self, source_id: str, entry: tuple[str, ...], max_age_days: float = MAX_AGE_DAYS) -> list[str]:
        """Remembered column URLs, unless the registry entry changed since they were found or
        the last search is older than `max_age_days` (new department columns appear)."""
        got = self.sources.get(source_id) or {}
        if list(got.get("entry") or []) != list(entry):
            return []
        columns = [c for c in got.get("columns") or [] if isinstance(c, dict) and c.get("url")]
        try:
            found = min(datetime.fromisoformat(c["found_at"]) for c in columns) if columns else None
        except (KeyError, TypeError, ValueError):
            found = None
        if found is None or (datetime.now(timezone.utc) - found).total_seconds() > max_age_days * 86400:
            return []
        return [c["url"] for c in columns]

    def remember(self, source_id: str, entry: tuple[str, ...], columns: list[dict] | None,
                 last_run: dict) -> None:
        """Record a finished run; `columns` None keeps what was remembered."""
        got = self.sources.setdefault(source_id, {})
        if got.get("entry") != list(entry):
            got["columns"] = []
        got["entry"] = list(entry)
        if columns is not None:
            got["columns"] = columns
        got["last_run"] = last_run
        if self.autosave:
            self.save()
        else:
            self.dirty = True  # the crawl saves every few seconds (one file of every source)

    def last_run(self, source_id: str) -> dict | None:
        return (self.sources.get(source_id) or {}).get("last_run")

    def save(self) -> None:
        self.dirty = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"version": VERSION, "sources": self.sources}, ensure_ascii=False, indent=1),
                       encoding="utf-8")
        os.replace(tmp, self.path)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def last_runs(paths: Paths) -> dict[str, dict]:
    """source id → the diagnosis of its last crawl run (for the refresh summary)."""
    mem = ColumnMemory.of(paths)
    return {sid: got["last_run"] for sid, got in mem.sources.items() if isinstance(got.get("last_run"), dict)}
