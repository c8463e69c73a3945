"""`python -m ingest doctor` (and `make setup`): which optional system programs are missing, and
what each absence costs.

The pipeline runs without any of them; each missing one switches a feature off with one clear
line where it is needed (a .doc report is recorded as needs_tool and parsed once LibreOffice is
there; browser tests skip). This command says so up front, with the Debian package to install.
It imports nothing of the project, so `make setup` can run it with the system Python before the
virtualenv exists:

    python3 ingest/doctor.py --quiet  # what `make setup` runs: warnings only, exit 0
    python -m ingest doctor --strict  # exit 1 when anything is missing (for CI images)
"""

from __future__ import annotations

import argparse
import glob
import shutil
import sys

# (what, how to find it, Debian package, what is lost without it)
TOOLS = [
    ("LibreOffice", ("soffice", "libreoffice"), "libreoffice-writer-nogui",
     ".doc and .wps reports are recorded as needs_tool and parsed on a later run once it is installed"),
    ("Chromium", ("chromium", "chromium-browser", "google-chrome"), "chromium",
     "the browser checks of `make browse` and the printed-PDF fixtures are skipped"),
    ("poppler (pdftoppm)", ("pdftoppm",), "poppler-utils",
     "PDF pages cannot be rendered to PNG for reviewing a number by eye"),
]
FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK*", "/usr/share/fonts/truetype/wqy/*",
         "/usr/share/fonts/opentype/noto-cjk/*")


def missing() -> list[str]:
    lines = []
    for what, programs, package, cost in TOOLS:
        if not any(shutil.which(p) for p in programs):
            lines.append(f"{what} is not installed: {cost} (Debian/Ubuntu: apt-get install {package})")
    if not any(glob.glob(pattern) for pattern in FONTS):
        lines.append("no system CJK font: Chromium shows Chinese as boxes in screenshots; charts use "
                     "the font the mplfonts package ships (Debian/Ubuntu: apt-get install fonts-noto-cjk)")
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true", help="exit 1 when anything is missing")
    parser.add_argument("--quiet", action="store_true", help="print nothing when nothing is missing")


def run(args) -> int:
    lines = missing()
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)
    if not lines and not args.quiet:
        print("all optional system programs are installed")
    return 1 if lines and args.strict else 0


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(p)
    raise SystemExit(run(p.parse_args()))
