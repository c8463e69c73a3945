"""The Makefile's setup logic: a fresh clone sets itself up, an existing environment is reused as is."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from readme_examples import MAKE_VARIABLES

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def pyproject_hash() -> str:
    return hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()


def test_py_override_runs_the_given_interpreter_without_any_setup():
    r = make("-n", "refresh", "PY=/opt/some/python", "OFFLINE=1", "REGISTRY=/tmp/r.yaml", "EXPORT=1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[:8] == ["/opt/some/python", "-m", "ingest", "refresh", "--offline", "--registry",
                                    "/tmp/r.yaml", "--export"]


def test_existing_venv_with_a_matching_stamp_is_not_touched(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / ".installed").write_text(pyproject_hash() + "\n")
    r = make("setup", f"VENV={venv}", f"PYTHON={sys.executable}")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""  # no "setting up", no pip


def test_a_new_or_changed_pyproject_installs_and_stamps(tmp_path):
    """The mtime of pyproject.toml is irrelevant: only its content decides (a clone is all new)."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    calls = tmp_path / "calls.txt"
    # Stands in for the venv's interpreter so the test needs no network: it records what setup
    # asked pip to do.
    fake = venv / "bin" / "python"
    fake.write_text(f"#!/bin/sh\necho \"$*\" >> {calls}\n")
    fake.chmod(0o755)
    (venv / ".installed").write_text("stale\n")
    r = make("setup", f"VENV={venv}", f"PYTHON={sys.executable}")
    assert r.returncode == 0, r.stderr
    assert "setting up" in r.stdout
    assert calls.read_text().splitlines() == ["-m pip install --quiet --upgrade pip",
                                              "-m pip install --quiet --progress-bar on -e .[test]"]
    assert (venv / ".installed").read_text().strip() == pyproject_hash()
    calls.unlink()
    assert make("setup", f"VENV={venv}", f"PYTHON={sys.executable}").stdout == ""
    assert not calls.exists()


def test_ci_runs_exactly_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    commands = [l.strip() for l in ci.splitlines() if l.strip() and not l.lstrip().startswith(("#", "set ", "cd "))]
    # Before the test command only the Debian packages the suite exercises are installed.
    assert commands[-1] == "make test" and sum("make" in c for c in commands) == 1
    assert all(c.startswith(("need", "command -v", "[", "if ", "echo ", "apt-get", "DEBIAN_FRONTEND", "fi"))
               for c in commands[:-1]), commands
    assert "make test " in (REPO / "README.md").read_text(encoding="utf-8")


def test_findings_about_publishers_are_not_a_make_failure_unless_strict():
    """The job's exit 3 (succeeded, with publisher findings) becomes 0 under make; STRICT=1 keeps it."""
    assert make("-n", "refresh", "PY=py").stdout.split() == ["py", "-m", "ingest", "refresh", "--findings-exit", "0"]
    assert make("-n", "refresh", "PY=py", "STRICT=1").stdout.split() == ["py", "-m", "ingest", "refresh"]
