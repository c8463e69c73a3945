"""Where an unfinished crawl stands, so the next run continues it (`DATA_DIR/crawl/resume.jsonl`).

A crawl of thousands of hosts is interrupted (killed, Ctrl-C, `--budget` spent). The archive
already keeps every answer (journal + blobs); this file keeps what the walk knew and the
archive does not, per source, written as it is learned:
- `walk`: the source's frontier (queued links with their class and priority, links in flight,
  URLs done) and what it learned (pages with column evidence, where report links were found,
  search candidates, counters for its summary) — a snapshot every few seconds while it changes;
- `done`: the source finished in this crawl (its remembered columns are saved) — written at once;
- `robots`: a host's robots.txt as parsed (rules, Crawl-delay), so a resumed host does not ask again.
The first line opens a session; `closed` ends it once every source of a run has finished. The
next run of an open session skips the sources done, starts each half-done source from its
frontier (never from its home page) and a fresh run starts a new session. Lines are appended
without fsync (a SIGKILL loses nothing the kernel has; a power cut at worst costs re-fetching a
few pages, which answer 304). A torn last line is ignored; the file is compacted (latest state
per source) when a session is resumed and whenever it grows past COMPACT_BYTES.

This is a cache of progress, not evidence: deleting it (or `crawl --restart`) only means the
next run starts every source from its entry again.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from ingest.config import Paths
from ingest.crawl.memory import now

COMPACT_BYTES = 64 * 1024 * 1024


def resume_path(paths: Paths) -> Path:
    return paths.data_dir / "crawl" / "resume.jsonl"


class ResumeLog:
    def __init__(self, path: Path):
        self.path = path
        self.session: dict | None = None
        self.walks: dict[str, str] = {}      # source id → its latest walk state (JSON text)
        self.done: dict[str, dict] = {}      # source id → {run_id, status, at}
        self.robots: dict[str, dict] = {}    # politeness key → parsed robots.txt
        self._file = None
        self._load()

    @classmethod
    def of(cls, paths: Paths) -> ResumeLog:
        return cls(resume_path(paths))

    def _load(self) -> None:
        try:
            lines = self.path.read_bytes().split(b"\n")
        except OSError:
            return
        for raw in lines:
            try:
                rec = json.loads(raw)
            except ValueError:
                continue  # a torn last line (killed mid-write)
            if not isinstance(rec, dict):
                continue
            if "session" in rec:
                self.session, self.walks, self.done, self.robots = rec, {}, {}, {}
            elif self.session is None:
                continue
            elif "walk" in rec:
                self.walks[rec["walk"]] = json.dumps(rec.get("state"), ensure_ascii=False)
            elif "done" in rec:
                self.done[rec["done"]] = rec
                self.walks.pop(rec["done"], None)
            elif "robots" in rec:
                self.robots[rec["robots"]] = rec
            elif rec.get("closed"):
                self.session = None

    @property
    def open(self) -> bool:
        """An unfinished crawl is waiting to be continued."""
        return self.session is not None

    def start(self, resume: bool = True) -> bool:
        """Continue the open session (True) or start a new one; either way compact the file."""
        resumed = resume and self.open
        if not resumed:
            self.session = {"session": secrets.token_hex(6), "started_at": now()}
            self.walks, self.done, self.robots = {}, {}, {}
        self._compact()
        return resumed

    def _compact(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._file is not None:
            self._file.close()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(self.session, ensure_ascii=False) + "\n")
            for rec in self.robots.values():
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            for rec in self.done.values():
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            for sid, state in self.walks.items():
                f.write(f'{{"walk": {json.dumps(sid)}, "state": {state}}}\n')
        os.replace(tmp, self.path)
        self._file = open(self.path, "a", encoding="utf-8")

    def _append(self, lines: list[str]) -> None:
        if self._file is None or not lines:
            return
        self._file.write("".join(lines))
        self._file.flush()  # in the kernel: survives a SIGKILL of this process
        if self._file.tell() > COMPACT_BYTES:
            self._compact()

    # ---- what the crawler writes ---------------------------------------------------------
    def save_walks(self, states: dict[str, dict]) -> None:
        lines = []
        for sid, state in states.items():
            text = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
            self.walks[sid] = text
            lines.append(f'{{"walk":{json.dumps(sid)},"state":{text}}}\n')
        self._append(lines)

    def finished(self, source_id: str, run_id: str, status: str) -> None:
        rec = {"done": source_id, "run_id": run_id, "status": status, "at": now()}
        self.done[source_id] = rec
        self.walks.pop(source_id, None)
        self._append([json.dumps(rec, ensure_ascii=False) + "\n"])

    def learned_robots(self, key: str, rules: dict) -> None:
        rec = {"robots": key, **rules}
        self.robots[key] = rec
        self._append([json.dumps(rec, ensure_ascii=False) + "\n"])

    def walk_state(self, source_id: str) -> dict | None:
        text = self.walks.get(source_id)
        return json.loads(text) if text else None

    def close(self, finished: bool) -> None:
        """`finished`: every source of the run is done — the session ends."""
        if finished and self.session is not None:
            self._append([json.dumps({"closed": True, "at": now()}) + "\n"])
            self.session = None
        if self._file is not None:
            self._file.close()
            self._file = None
