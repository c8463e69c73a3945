"""Registry mistakes are refused before any work starts, with the line that holds them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.crawl import registry as reg
from ingest.errors import UserError

REPO = Path(__file__).resolve().parents[2]

ENTRY = """\
  - id: {id}
    name: 汉阴县
    code: "610921"
    province: 陕西省
    prefecture: 安康市
    base_url: https://www.hanyin.gov.cn/
    entry: /
    adapter: generic
    confirmed: false
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(UserError) as exc:
        reg.load(path)
    return str(exc.value)


def test_a_good_registry_loads(tmp_path):
    r = reg.load(_write(tmp_path, "version: 1\nsources:\n" + ENTRY.format(id="hanyin")))
    assert [s.id for s in r.sources] == ["hanyin"]


@pytest.mark.parametrize("text, expected", [
    # YAML's default would keep the last value silently (confirmed: true)
    ("version: 1\nsources:\n" + ENTRY.format(id="hanyin") + "    confirmed: true\n",
     "line 12: duplicate key 'confirmed' (first at line 11"),
    ("version: 1\nversion: 1\nsources:\n" + ENTRY.format(id="hanyin"), "line 2: duplicate key 'version'"),
    ("version: 1\nsources:\n" + ENTRY.format(id="hanyin") + ENTRY.format(id="hanyin"),
     "line 12 sources[1]: duplicate id 'hanyin' (also sources[0] at line 3)"),
    ("version: 1\nsources:\n" + ENTRY.format(id="hanyin") + "    colour: red\n",
     "line 12 sources[0] (hanyin): unknown field 'colour'"),
    ("version: 1\nowner: me\nsources:\n" + ENTRY.format(id="hanyin"), "line 2 unknown top-level field 'owner'"),
    ("version: 1\nsources:\n" + ENTRY.format(id="hanyin").replace("confirmed: false", "confirmed: yes please"),
     "line 11 sources[0] (hanyin): field 'confirmed' must be true or false"),
    ("version: 1\nsources:\n" + ENTRY.format(id="hanyin").replace('"610921"', '"61092"'),
     "line 5 sources[0] (hanyin): field 'code' must be a 6-digit"),
    ("version: 1\nsources:\n" + ENTRY.format(id="Han Yin"), "line 3 sources[0] (Han Yin): field 'id' must be"),
])
def test_mistakes_are_one_line_with_the_line_number(tmp_path, text, expected):
    message = _error(_write(tmp_path, text))
    assert expected in message and "\n" not in message, message


def test_refresh_refuses_a_bad_registry_before_doing_anything(tmp_path):
    path = _write(tmp_path, "version: 1\nsources:\n" + ENTRY.format(id="hanyin") + ENTRY.format(id="hanyin"))
    data = tmp_path / "data"
    r = subprocess.run([sys.executable, "-m", "ingest", "refresh", "--offline", "--registry", str(path)],
                       cwd=REPO, env={**os.environ, "DATA_DIR": str(data)}, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.strip().splitlines() == [f"error: {path}: line 12 sources[1]: duplicate id 'hanyin' "
                                             "(also sources[0] at line 3)"]
    assert not data.exists()  # no lock, no log, no archive: nothing started
