"""Execute the analysis notebooks headless and render them to HTML (`python -m ingest notebooks`).

The notebooks live in notebooks/ as jupytext percent files (plain .py, no outputs in git).
Each has one cell tagged `parameters`; like papermill, overrides go into a cell inserted right
after it, so the notebook's own defaults stay readable and the rendered HTML shows what was
asked for. The kernel opens the warehouse read-only, so rendering never blocks a build.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.config import REPO_ROOT, paths as data_paths
from ingest.errors import UserError

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
# Rendered in this order; any other jupytext notebook found in notebooks/ follows.
ORDER = ["county_year_over_year", "cross_county_comparison", "data_quality"]
CELL_TIMEOUT_S = 300


@dataclass
class Rendered:
    name: str
    html: Path | None
    seconds: float
    error: str | None = None
    images: int = 0


def discover(directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The notebooks: jupytext percent files (with a `jupytext` header) and .ipynb files."""
    found = []
    for p in sorted(directory.glob("*.py")):
        head = p.read_text(encoding="utf-8")[:600]
        if "jupytext:" in head and "# %%" in p.read_text(encoding="utf-8"):
            found.append(p)
    found += sorted(directory.glob("*.ipynb"))
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.stem, len(ORDER)), p.name))


def inject_parameters(nb, params: dict) -> None:
    """Insert `NAME = value` assignments after the cell tagged `parameters` (papermill style)."""
    import nbformat

    if not params:
        return
    index = next(
        (i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])),
        None,
    )
    if index is None:
        raise UserError("the notebook has no cell tagged 'parameters' to override")
    lines = ["# Parameters injected by `python -m ingest notebooks`"]
    lines += [f"{k} = {v!r}" for k, v in params.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(index + 1, cell)


def render(path: Path, out_dir: Path, params: dict, *, timeout_s: int = CELL_TIMEOUT_S) -> Rendered:
    """Execute one notebook and write <name>.html and the executed <name>.ipynb into out_dir.

    A notebook that fails is still rendered up to the failing cell (with its error), so the
    HTML shows what went wrong; the result carries a one-line error.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from nbconvert import HTMLExporter

    t0 = time.monotonic()
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    inject_parameters(nb, params)
    client = NotebookClient(
        nb, timeout=timeout_s, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    error = None
    # The kernel's own stderr (start-up chatter such as its TCP warning) is kept out of the run
    # output; it is only worth showing when the kernel dies.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as kernel_err:
        try:
            client.execute(stderr=kernel_err)
        except CellExecutionError as exc:
            error = _first_line_of_error(exc)
        except (CellTimeoutError, DeadKernelError, RuntimeError) as exc:
            kernel_err.seek(0)
            tail = [l for l in kernel_err.read().splitlines() if l.strip()][-1:]
            error = f"{type(exc).__name__}: {_first_line(str(exc))}" + (f" (kernel: {tail[0]})" if tail else "")

    out_dir.mkdir(parents=True, exist_ok=True)
    # Rendered as a report: the code cells and prompts are hidden (the runnable notebook beside
    # it keeps them), and nothing is loaded from a CDN, so the page opens offline as it was made.
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    body = offline_html(body)
    html = out_dir / f"{path.stem}.html"
    _atomic_write(html, body)
    _atomic_write(out_dir / f"{path.stem}.ipynb", nbformat.writes(nb))
    images = len(re.findall(r'<img[^>]+src="data:image/png', body))
    return Rendered(path.stem, html, time.monotonic() - t0, error, images)


_REMOTE_SCRIPT = re.compile(r'<script[^>]*\ssrc="(?:https?:)?//[^"]*"[^>]*>\s*</script>\s*', re.IGNORECASE)
_REMOTE_STYLE = re.compile(r'<link[^>]*\shref="(?:https?:)?//[^"]*"[^>]*>\s*', re.IGNORECASE)


def offline_html(body: str) -> str:
    """Drop the CDN scripts and styles nbconvert's template links (require.js, MathJax, widget
    managers): a report of tables and PNG charts needs none of them, and offline they only stall."""
    return _REMOTE_STYLE.sub("", _REMOTE_SCRIPT.sub("", body))


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def _first_line_of_error(exc: Exception) -> str:
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = (getattr(exc, "evalue", None) or "").strip().splitlines()
    return f"{ename}: {evalue[0] if evalue else ''}".strip()


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_all(out_dir: Path, params: dict, *, only: list[str] | None = None,
               log=print) -> list[Rendered]:
    notebooks = discover()
    if only:
        missing = sorted(set(only) - {p.stem for p in notebooks})
        if missing:
            raise UserError(f"no notebook named {', '.join(missing)} in notebooks/ "
                            f"(have: {', '.join(p.stem for p in notebooks)})")
        notebooks = [p for p in notebooks if p.stem in only]
    results = []
    for nb in notebooks:
        r = render(nb, out_dir, params)
        state = f"FAILED: {r.error}" if r.error else f"{r.images} chart(s)"
        log(f"{nb.stem}: {state} → {r.html} ({r.seconds:.1f} s)")
        results.append(r)
    return results


# ---- command line ------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--county", help="county for the year-over-year notebook: 6-digit region "
                        "code or name (default: the county with the most report years)")
    parser.add_argument("--area", help="prefecture or province to compare within: region code "
                        "prefix (4 digits = prefecture, 2 = province) or name (default: the county's prefecture)")
    parser.add_argument("--years", help="year or range, e.g. 2023 or 2020-2023 (default: all)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="render only this notebook (repeatable), e.g. data_quality")
    parser.add_argument("--warehouse", type=Path,
                        help="warehouse file to read (default: $DATA_DIR/warehouse.duckdb)")
    parser.add_argument("--out", type=Path,
                        help="directory for the HTML (default: $DATA_DIR/reports/notebooks, or its "
                             "custom/ subfolder when --county, --area or --years is given)")
    parser.add_argument("--list", action="store_true", help="list the notebooks and exit")


def parameters_from_args(args, warehouse: Path) -> dict:
    params: dict = {"WAREHOUSE": str(warehouse)}
    if args.county:
        params["COUNTY"] = args.county.strip()
    if args.area:
        params["AREA"] = args.area.strip()
    if args.years:
        params["YEARS"] = parse_years(args.years)
    return params


def parse_years(spec: str) -> list[int]:
    m = re.fullmatch(r"\s*(\d{4})\s*(?:[-–:]\s*(\d{4}))?\s*", spec or "")
    if not m:
        raise UserError(f"--years must be a year or a range like 2020-2023, not {spec!r}")
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if last < first:
        raise UserError(f"--years range {spec!r} runs backwards")
    return list(range(first, last + 1))


def run(args) -> int:
    if args.list:
        for p in discover():
            print(f"{p.stem}\t{p.relative_to(REPO_ROOT)}")
        return 0
    p = data_paths()
    warehouse = (args.warehouse or p.warehouse_db).resolve()
    if not warehouse.is_file():
        raise UserError(f"no warehouse at {warehouse}: run `make refresh` (or `python -m ingest build`) first")
    # Renders with parameters go beside the refresh's own (default) renders, never over them.
    custom = bool(args.county or args.area or args.years)
    default_out = p.reports_dir / "notebooks" / ("custom" if custom else "")
    out = (args.out or default_out).resolve()
    _check_writable(out)  # before minutes of kernels, not after: a read-only DATA_DIR is one line
    results = render_all(out, parameters_from_args(args, warehouse), only=args.only)
    failed = [r for r in results if r.error]
    if failed:
        print(f"error: {len(failed)} notebook(s) failed: "
              + "; ".join(f"{r.name}: {r.error}" for r in failed), file=sys.stderr)
        return 1
    print(f"rendered {len(results)} notebook(s) into {out}")
    return 0


def _check_writable(out: Path) -> None:
    """Raise the OSError a render would meet (read-only or full file system), up front."""
    import tempfile

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out, prefix=".write-probe-"):
        pass
