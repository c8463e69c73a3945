"""`ingest/doctor.py`: missing system programs are named with their Debian package, never fatal."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_a_machine_without_the_optional_programs_gets_one_warning_each(tmp_path):
    r = subprocess.run([sys.executable, str(REPO / "ingest" / "doctor.py")], cwd=tmp_path,
                       env={"PATH": str(tmp_path)}, capture_output=True, text=True)
    assert r.returncode == 0  # warnings, not failures: the pipeline degrades feature by feature
    for package in ("libreoffice-writer-nogui", "chromium", "poppler-utils"):
        assert f"apt-get install {package})" in r.stderr
    assert "needs_tool" in r.stderr and "Traceback" not in r.stderr
    strict = subprocess.run([sys.executable, str(REPO / "ingest" / "doctor.py"), "--strict"], cwd=tmp_path,
                            env={"PATH": str(tmp_path)}, capture_output=True, text=True)
    assert strict.returncode == 1
