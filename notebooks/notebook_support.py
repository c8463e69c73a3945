"""What the analysis notebooks share: a read-only warehouse connection, Chinese-capable charts,
parameter resolution (county, area, years) and notes instead of errors when data is thin.

Kept beside the notebooks (not in the `ingest` package) so a notebook opened in Jupyter from
this folder imports it with no installation step.
"""

from __future__ import annotations

import datetime
import numbers
import os
import re
from pathlib import Path

import duckdb
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown, display

HERE = Path(__file__).resolve().parent

# Publisher palette for the six outcome groups and for series; colour-blind safe (Okabe-Ito).
PALETTE = ["#0072B2", "#56B4E9", "#D55E00", "#E69F00", "#CC79A7", "#999999", "#009E73", "#F0E442"]


# ---- warehouse ---------------------------------------------------------------------------

def warehouse_path(param: str | os.PathLike | None = None) -> Path:
    """The parameter, else $WAREHOUSE_DB, else $DATA_DIR/warehouse.duckdb, else ../data/."""
    if param:
        return Path(param).expanduser().resolve()
    if os.environ.get("WAREHOUSE_DB"):
        return Path(os.environ["WAREHOUSE_DB"]).expanduser().resolve()
    data_dir = Path(os.environ.get("DATA_DIR") or HERE.parent / "data")
    return (data_dir / "warehouse.duckdb").expanduser().resolve()


# The same sandbox as `python -m ingest sql` (ingest/sql.py SANDBOX_CONFIG; repeated here so a
# notebook opened from this folder needs no installed package): read-only, and no SQL can write
# or read another file (COPY TO, EXPORT DATABASE, ATTACH, INSTALL/LOAD), nor SET it back on.
SANDBOX_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}


def connect(param=None) -> duckdb.DuckDBPyConnection:
    """Read-only: a notebook never blocks or changes a build, and may run while one publishes."""
    path = warehouse_path(param)
    if not path.is_file():
        raise FileNotFoundError(f"no warehouse at {path}: run `make refresh` first, "
                                "or set WAREHOUSE / $WAREHOUSE_DB")
    return duckdb.connect(str(path), read_only=True, config=dict(SANDBOX_CONFIG))


def has_table(con, name: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_name = ?", [name]).fetchone()[0])


def query(con, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


# ---- parameters --------------------------------------------------------------------------

def normalise_years(years) -> list[int] | None:
    """None → None (all years); 2023 → [2023]; "2020-2023" / range / list → sorted ints."""
    if years is None or years == "" or years == []:
        return None
    if isinstance(years, int):
        return [years]
    if isinstance(years, str):
        m = re.fullmatch(r"\s*(\d{4})\s*(?:[-–:]\s*(\d{4}))?\s*", years)
        if not m:
            raise ValueError(f"YEARS must be a year, a range like '2020-2023' or a list, not {years!r}")
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        return list(range(first, last + 1))
    return sorted({int(y) for y in years})


def year_clause(years: list[int] | None, column: str = "year") -> str:
    return "" if years is None else f" and {column} in ({', '.join(str(int(y)) for y in years)})"


def resolve_region(con, spec: str | None, candidates: pd.DataFrame, what: str = "county") -> pd.Series:
    """Pick one row of `candidates` (columns region_code, region_name …) by code or name.

    A code matches exactly; a name matches exactly or as a substring (汉阴 → 汉阴县). An
    ambiguous or unknown value raises with the choices, so a typo is a clear message.
    """
    if candidates.empty:
        raise LookupError(f"the warehouse has no {what} with reports")
    if spec is None:
        return candidates.iloc[0]
    spec = str(spec).strip()
    hits = candidates[candidates["region_code"] == spec]
    if hits.empty:
        hits = candidates[candidates["region_name"] == spec]
    if hits.empty:
        hits = candidates[candidates["region_name"].fillna("").str.contains(spec, regex=False)]
    # A municipality is its own prefecture and province (北京市 110000): one code, two rows.
    hits = hits.drop_duplicates("region_code")
    if len(hits) == 1:
        return hits.iloc[0]
    listed = ", ".join(f"{r.region_name} ({r.region_code})" for r in candidates.head(20).itertuples())
    if hits.empty:
        raise LookupError(f"no {what} matching {spec!r} in the warehouse; have: {listed}")
    raise LookupError(f"{spec!r} matches several: "
                      + ", ".join(f"{r.region_name} ({r.region_code})" for r in hits.itertuples()))


# ---- presentation ------------------------------------------------------------------------

PERCENT_SUFFIXES = ("_rate", "_share", "_pct", "_ratio")


YEAR_COLUMNS = {"year", "first_year", "last_year", "report_year"}  # printed 2023, not 2,023


def _kind(name) -> str:
    name = str(name)
    if name in YEAR_COLUMNS:
        return "year"
    if name.endswith(PERCENT_SUFFIXES) or name.endswith("%"):
        return "percent"
    if name.endswith("_yuan") or "(yuan)" in name or "（元）" in name:
        return "money"
    return "plain"


def fmt(value, kind: str = "plain") -> str:
    """One cell as a reader reads it: ratios as %, dates as dates, nulls as "—", thousands split."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, float) and value != value:
        return "—"
    if isinstance(value, (pd.Timestamp, datetime.date)):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Number):
        v = float(value)
        if kind == "year":
            return str(int(v))
        if kind == "percent":
            return f"{v * 100:.1f}%"
        if kind == "money":
            return f"{v:,.2f}"
        return f"{int(v):,}" if v.is_integer() else f"{v:,.2f}"
    return str(value)


def table(df: pd.DataFrame, *, rows_are_measures: bool = False) -> None:
    """Display a frame formatted for reading (see fmt). The format of a value follows its
    column's name (…_rate/_share/_pct → %, …_yuan → money), or its row's name when the frame is
    transposed (`rows_are_measures`, one measure per row)."""
    if df.empty:
        note("no rows")
        return
    out = df.copy()
    if rows_are_measures:
        out = out.astype(object)
        for idx in out.index:
            out.loc[idx] = [fmt(v, _kind(idx)) for v in df.loc[idx]]
    else:
        out = out.astype(object)
        for col in out.columns:
            out[col] = [fmt(v, _kind(col)) for v in df[col]]
    # A plain 0, 1, 2 … index says nothing to a reader: hide it.
    display(out.style.hide(axis="index") if isinstance(out.index, pd.RangeIndex) else out)


def about(con, path=None) -> None:
    """Which warehouse the page was computed from — its publish time and size, never the path of
    the machine that rendered it."""
    p = warehouse_path(path)
    published = pd.Timestamp(p.stat().st_mtime, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
    reports = con.execute("select count(*) from dim_report").fetchone()[0] if has_table(con, "dim_report") else 0
    if is_synthetic(con):
        display(HTML(SYNTHETIC_BANNER))
    display(Markdown(f"*Computed from the warehouse published {published} ({reports:,} reports), "
                     "opened read-only.*"))


# Shown on every page computed from a warehouse of synthetic reports (`make demo`), so that no
# screenshot of it can pass for a claim about a real government.
SYNTHETIC_BANNER = (
    '<div style="border:3px solid #b00020;background:#fff0f0;color:#b00020;padding:10px 14px;'
    'margin:8px 0;font-size:1.15em;font-weight:bold">合成演示数据 · SYNTHETIC DEMO DATA — every '
    "figure on this page is made up by ingest/synthetic.py, and the places (演示省, 甲子演示区 …) "
    "are fictional. Nothing here describes a real government.</div>")


def is_synthetic(con) -> bool:
    """True when the warehouse holds synthetic reports (the loader never mixes them with real ones)."""
    if not has_table(con, "dim_report"):
        return False
    cols = {r[0] for r in con.execute("describe dim_report").fetchall()}
    return "is_synthetic" in cols and bool(
        con.execute("select coalesce(bool_or(is_synthetic), false) from dim_report").fetchone()[0])


def note(text: str) -> None:
    """A visible remark in the rendered notebook, used instead of failing on thin data."""
    display(Markdown(f"> **Note.** {text}"))


def heading(text: str) -> None:
    display(Markdown(text))


def setup_charts() -> str | None:
    """Use a CJK font (shipped by the mplfonts package) so Chinese labels render, not boxes.

    Returns the font family used, or None when no CJK font is available (labels then fall
    back to region codes; see label()).
    """
    matplotlib.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 110, "figure.figsize": (8, 3.6),
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
        "grid.alpha": 0.3, "axes.grid.axis": "y", "axes.unicode_minus": False, "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    })
    from matplotlib import font_manager

    family = None
    try:
        from importlib.resources import files

        font = files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"
        if font.is_file():
            font_manager.fontManager.addfont(str(font))
            family = font_manager.FontProperties(fname=str(font)).get_name()
    except (ImportError, OSError, RuntimeError):
        family = None
    if family is None:
        for f in font_manager.fontManager.ttflist:
            if any(k in f.name for k in ("CJK", "Hei", "Song", "WenQuanYi", "Source Han", "PingFang")):
                family = f.name
                break
    if family:
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    global CJK
    CJK = family is not None
    return family


CJK = False


def label(name: str | None, code: str | None) -> str:
    """A chart label: the Chinese name when a CJK font is available, else the region code."""
    if CJK and name:
        return str(name)
    return str(code or name or "?")


def bar_values(ax, fmt: str = "{:,.0f}") -> None:
    """Print each bar's value on it: charts of few bars read better with the numbers."""
    for container in ax.containers:
        labels = [fmt.format(v) if pd.notna(v) else "n/a" for v in container.datavalues]
        ax.bar_label(container, labels=labels, fontsize=8, padding=2)


def whole_numbers(ax, axis: str = "y") -> None:
    """Counts have no fractions: keep 0.2, 0.4 … off the axis of a small count."""
    from matplotlib.ticker import MaxNLocator

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))


def few_bars(ax, n: int) -> None:
    """Keep one or two bars from stretching across the whole chart."""
    if n < 4:
        pad = (4 - n) / 2
        ax.set_xlim(-0.5 - pad, n - 0.5 + pad)


def finish(fig, title: str | None = None) -> None:
    if title:
        fig.suptitle(title, fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    plt.show()
