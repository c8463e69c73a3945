"""`python -m ingest correct`: bad input is one line and exit 2, and nothing is written.
(The well-formed path, against a real warehouse, is in test_coverage_revisions.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def correct(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"),
           "INGEST_CORRECTIONS_FILE": str(tmp_path / "corrections.csv")}
    env.pop("INGEST_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "ingest", "correct", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args, says", [
    (["abcdef12", "table3.new", "5"], "give TABLE.ROW.COLUMN"),
    (["abcdef12", "table3.new.natural_person", "five"], "is not a number"),
    (["abcdef12", "table3.new.natural_person", "1e400"], "not a finite number"),
    (["abc", "table3.new.natural_person", "5"], "unique prefix of 8+"),
    (["abcdef12", "table3.new.natural_person", "5", "--at", "2024-13-01"], "is not a date"),
    (["abcdef12", "table3.new.natural_person", "5"], "no published warehouse"),
])
def test_bad_input_is_one_line(tmp_path, args, says):
    proc = correct(tmp_path, *args, "--reason", "typo", "--by", "reviewer")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], proc.stderr
    assert not (tmp_path / "corrections.csv").exists()
