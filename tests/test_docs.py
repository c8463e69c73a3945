"""The README is a front door: short, and one click from every page of the reference."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_is_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) < 250


def test_every_docs_page_is_one_click_from_the_readme_and_architecture():
    for front in ("README.md", "ARCHITECTURE.md"):
        text = (ROOT / front).read_text(encoding="utf-8")
        linked = {(ROOT / m).resolve() for m in LINK.findall(text)} | {
            (ROOT / m).resolve() for m in re.findall(r"`(docs/[\w-]+\.md)`", text)}
        missing = [p.name for p in sorted((ROOT / "docs").glob("*.md")) if p.resolve() not in linked]
        if front == "ARCHITECTURE.md" and "docs/*.md" in text:
            continue  # it points at the folder as a whole
        assert missing == [], f"{front} does not link {missing}"


def test_relative_links_of_the_documentation_resolve():
    broken = []
    for page in [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert broken == []
