"""`python -m ingest parse PATH [--json]` as a user runs it: a real subprocess each time."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from decimal import Decimal

import pytest

from parse_expect import FIXTURES, HTML, REPO


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "INGEST_DEBUG"}
    return subprocess.run([sys.executable, "-m", "ingest", "parse", *args], cwd=REPO, input=stdin,
                          capture_output=True, timeout=120, env=env)


def one_clean_error_line(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 2, err
    assert proc.stdout == b""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_hanyin_json_is_the_contract_with_exact_decimal_money():
    proc = run(str(FIXTURES / "hanyin_2023_text.txt"), "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode("utf-8")
    assert '"amount_10k_yuan": 1077.892534' in out  # a JSON number, not a string
    report = json.loads(out, parse_float=Decimal)
    assert report["table2"]["fees"]["amount_10k_yuan"] == Decimal("1077.892534")
    for key in ("title", "year", "template", "issuer", "published_date", "table2", "table3", "table4",
                "info_processing_fee_yuan", "warnings", "index_no", "templates", "table3_shape", "raw",
                "narrative", "source", "year_source", "parser_version"):
        assert key in report, key
    assert report["year"] == 2023 and report["info_processing_fee_yuan"] == 0
    assert report["table3"]["new"] == {"natural_person": 30, "commercial": 0, "research": 0,
                                       "social_welfare": 0, "legal_services": 0, "other_org": 0,
                                       "total": 30}
    assert report["table4"]["review"] == {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
    assert report["warnings"] == []
    assert proc.stderr == b""


def test_compact_json_without_raw_from_stdin():
    data = (HTML / "word_2021.html").read_bytes()
    proc = run("-", "--json", "--compact", "--no-raw", stdin=data)
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode("utf-8")
    assert out.count("\n") == 1
    report = json.loads(out, parse_float=Decimal)
    assert "raw" not in report
    assert report["table2"]["fees"]["amount_10k_yuan"] == Decimal("24252.311082")


def test_text_output_for_a_reader():
    proc = run(str(HTML / "report_2019.html"))
    assert proc.returncode == 0
    out = proc.stdout.decode("utf-8")
    assert "样例区2019年政府信息公开工作年度报告" in out
    assert "75394432.52" in out and "procurement" in out and "warnings: 0" in out


def test_page_that_is_not_a_report_exits_2_with_one_line():
    line = one_clean_error_line(run(str(HTML / "not_a_report.html"), "--json"))
    assert "does not look like a 政府信息公开工作年度报告" in line


def test_empty_file(tmp_path):
    p = tmp_path / "empty.html"
    p.write_bytes(b"")
    assert "empty" in one_clean_error_line(run(str(p), "--json"))
    p.write_bytes(b"  \n\r\n ")
    assert "empty" in one_clean_error_line(run(str(p), "--json"))


def test_binary_junk(tmp_path):
    rnd = random.Random(20240206)
    p = tmp_path / "junk.txt"
    p.write_bytes(bytes(rnd.randrange(256) for _ in range(20_000)))
    one_clean_error_line(run(str(p), "--json"))
    png = tmp_path / "report.html"  # the name says html, the bytes are an image
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(rnd.randrange(256) for _ in range(2_000)))
    assert "PNG" in one_clean_error_line(run(str(png), "--json"))


def test_missing_file_and_directory(tmp_path):
    assert "no such report file" in one_clean_error_line(run(str(tmp_path / "nope.html")))
    assert "directory" in one_clean_error_line(run(str(tmp_path)))


def test_truncated_report_exits_0_with_what_is_there_and_warnings():
    proc = run(str(HTML / "truncated.html"), "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    report = json.loads(proc.stdout, parse_float=Decimal)
    assert report["table3"]["new"]["total"] == 54
    assert report["table3"]["carry_forward"]["total"] is None
    assert report["table4"] is None
    assert len(report["warnings"]) > 5


def test_truncated_text_report(tmp_path):
    seed = (FIXTURES / "hanyin_2023_text.txt").read_bytes()
    cut = seed.index("（五）不予处理".encode()) if "（五）不予处理".encode() in seed else seed.index("(五)不予处理".encode())
    p = tmp_path / "cut.txt"
    p.write_bytes(seed[:cut])
    proc = run(str(p), "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    report = json.loads(proc.stdout, parse_float=Decimal)
    assert report["table3"]["unable_not_held"]["total"] == 5
    assert report["table3"]["reject_petition"]["total"] is None
    assert report["table2"]["permits"]["decisions"] == 18468
    assert any("reject_petition" in w for w in report["warnings"])


@pytest.mark.parametrize("junk", [b"%PDF-1.4\n%junk that is no pdf", b"PK\x03\x04" + b"\x00" * 100])
def test_other_formats_exit_2(tmp_path, junk):
    p = tmp_path / "x.bin"
    p.write_bytes(junk)
    one_clean_error_line(run(str(p), "--json"))
