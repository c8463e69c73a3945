"""Shared test fixtures: where the repo, its fixtures and the optional ../shared corpus live."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.sites import portal as portal_sites

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
SHARED = (REPO / ".." / "shared").resolve()
CORPUS = SHARED / "corpus"
HANYIN_SEED = FIXTURES / "hanyin_2023_text.txt"

# The loopback portals (bench/sites/portal.py) serve the saved pages of tests/fixtures/portal/.
portal_sites.PORTAL = FIXTURES / "portal"


def corpus_file(name: str) -> Path:
    """A file of ../shared/corpus, or skip the test cleanly when the corpus is absent."""
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"../shared/corpus/{name} is not available")
    return path


@pytest.fixture
def hanyin_seed_bytes() -> bytes:
    return HANYIN_SEED.read_bytes()
