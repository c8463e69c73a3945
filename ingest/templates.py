"""Typed access to ingest/templates.yaml, the one description of both report templates.

Everything that needs to know "which cells does a report have" asks this module: the parser
(label → key), the loader (long-form cell keys), the dbt seed writer, and the validation suites
(balancing rules, completeness). Nothing else hard-codes a row or column key.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TEMPLATES_FILE = Path(__file__).with_name("templates.yaml")

# Characters that carry no meaning for label matching: whitespace, punctuation, quotes and the
# numbering brackets. Labels are compared after NFKC (full-width → ASCII) and this strip.
NOISE = re.compile(r"[\s\u3000\u00a0“”\"'‘’「」『』《》、，,。.:：;；!！?？()（）\[\]【】〔〕/／·•\-—_]+")


def normalise(text: str) -> str:
    """Reduce a printed label to the form used for matching (see module doc)."""
    return NOISE.sub("", unicodedata.normalize("NFKC", text or ""))


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "count"  # count | signed_count | money
    unit: str | None = None
    variants: tuple[str, ...] = ()
    group: str | None = None
    detail: bool = True
    optional: bool = False


@dataclass(frozen=True)
class Row:
    key: str
    zh: str
    en: str
    columns: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    block: str | None = None
    section: str | None = None
    parent: str | None = None
    shape: str | None = None  # table3 "other": one_row | three_rows
    subtotal: bool = False
    optional: bool = False
    number: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    table: str
    per: str
    zh: str
    en: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...] | str
    across_years: bool = False


@dataclass(frozen=True)
class Templates:
    raw: dict = field(repr=False)

    # ---- table 2 -------------------------------------------------------------------------
    def table2_rows(self, template: str) -> list[Row]:
        spec = self.raw["tables"]["table2"]["templates"][template]
        return [_row(r) for r in spec["rows"]]

    def table2_columns(self, template: str) -> dict[str, Column]:
        spec = self.raw["tables"]["table2"]["templates"][template]
        return {k: _column(k, v) for k, v in spec["columns"].items()}

    def table2_fact(self, row_key: str) -> str:
        """The warehouse fact table (fct_<fact>) that holds this table-2 row."""
        return self.raw["tables"]["table2"]["facts"][row_key]

    def template_markers(self) -> dict[str, list[str]]:
        return {t: [normalise(m) for m in spec["markers"]] for t, spec in self.raw["templates"].items()}

    @property
    def template_ids(self) -> list[str]:
        return list(self.raw["templates"])

    # ---- table 3 -------------------------------------------------------------------------
    @property
    def table3_columns(self) -> list[Column]:
        return [_column(c["key"], c) for c in self.raw["tables"]["table3"]["columns"]]

    @property
    def table3_rows(self) -> list[Row]:
        return [_row(r) for r in self.raw["tables"]["table3"]["rows"]]

    @property
    def table3_detail_columns(self) -> list[str]:
        return [c.key for c in self.table3_columns if c.detail]

    def table3_outcome_rows(self, shape: str) -> list[str]:
        """Detail outcome rows summed by rule 3, for the one-row or three-row （六）."""
        return [
            r.key
            for r in self.table3_rows
            if r.section == "outcome" and not r.subtotal and r.shape in (None, shape)
        ]

    def table3_row_keys(self, shape: str) -> list[str]:
        """Every non-optional row key a table 3 of this shape prints, in printed order."""
        return [r.key for r in self.table3_rows if not r.optional and r.shape in (None, shape)]

    @property
    def outcome_groups(self) -> list[dict]:
        return list(self.raw["tables"]["table3"]["outcome_groups"])

    # ---- table 4 -------------------------------------------------------------------------
    @property
    def table4_groups(self) -> list[dict]:
        return list(self.raw["tables"]["table4"]["groups"])

    @property
    def table4_columns(self) -> list[Column]:
        return [_column(c["key"], c) for c in self.raw["tables"]["table4"]["columns"]]

    # ---- shared --------------------------------------------------------------------------
    @property
    def sections(self) -> list[dict]:
        """The six report sections in printed order: key, number (一…六), zh, variants."""
        return [dict(s) for s in self.raw.get("sections", [])]

    def section_heading_index(self) -> list[tuple[str, str]]:
        """(normalised heading text, section key) for every section heading and variant,
        longest first, so a heading matches its most specific wording."""
        out = []
        for s in self.sections:
            for label in [s["zh"], *s.get("variants", [])]:
                out.append((normalise(label), s["key"]))
        return sorted(out, key=lambda p: -len(p[0]))

    def section_headings(self, table: str) -> list[str]:
        return [normalise(h) for h in self.raw["tables"][table]["section_heading"]]

    @property
    def rules(self) -> list[Rule]:
        out = []
        for r in self.raw["rules"]:
            rhs = r["rhs"] if isinstance(r["rhs"], str) else tuple(r["rhs"])
            out.append(
                Rule(r["id"], r["table"], r["per"], r["zh"], r["en"], tuple(r["lhs"]), rhs,
                     bool(r.get("across_years", False)))
            )
        return out

    def expected_cells(self, template: str, table3_shape: str) -> list[tuple[str, str, str]]:
        """(table, row_key, column_key) of every cell a complete report of this shape prints.

        Optional subtotal rows/columns are excluded: their absence is not incompleteness.
        """
        cells: list[tuple[str, str, str]] = []
        for row in self.table2_rows(template):
            cells += [("table2", row.key, c) for c in row.columns]
        cols = [c.key for c in self.table3_columns if not c.optional]
        for rk in self.table3_row_keys(table3_shape):
            cells += [("table3", rk, c) for c in cols]
        for g in self.table4_groups:
            cells += [("table4", g["key"], c.key) for c in self.table4_columns]
        return cells

    def known_cells(self, template: str, table3_shape: str) -> list[tuple[str, str, str]]:
        """`expected_cells` plus the optional subtotal rows/columns a local variant may print.

        A cell outside this list is not a template cell at all (validation: pipeline break).
        """
        cells = [c for c in self.expected_cells(template, table3_shape) if c[0] != "table3"]
        rows = [r.key for r in self.table3_rows if r.shape in (None, table3_shape)]
        cols = [c.key for c in self.table3_columns]
        cells += [("table3", rk, ck) for rk in rows for ck in cols]
        return cells

    def narrative_facts(self) -> dict[str, list[tuple[str, str, str]]]:
        """Narrative fact key → the (table, row, column) cells whose sum it restates."""
        return {k: [tuple(c) for c in v["cells"]] for k, v in (self.raw.get("narrative_facts") or {}).items()}

    def narrative_readings(self) -> dict[str, list[list[tuple[str, str, str]]]]:
        """Narrative fact key → every cell sum it may restate (`cells`, then `or_cells`)."""
        out = {}
        for k, v in (self.raw.get("narrative_facts") or {}).items():
            out[k] = [[tuple(c) for c in v["cells"]]] + ([[tuple(c) for c in v["or_cells"]]] if v.get("or_cells") else [])
        return out

    def narrative_levels(self) -> dict[str, str]:
        """Narrative fact key → error | warning: how sure a difference from the table is."""
        return {k: v.get("level", "warning") for k, v in (self.raw.get("narrative_facts") or {}).items()}

    def cell_kind(self, template: str, table: str, column_key: str) -> str:
        """count | signed_count | money of a cell's column (tables 3 and 4 are all counts)."""
        if table == "table2":
            return self.table2_columns(template)[column_key].kind
        return "count"


def _column(key: str, spec: dict) -> Column:
    return Column(
        key=key,
        zh=spec["zh"],
        en=spec["en"],
        kind=spec.get("kind", "count"),
        unit=spec.get("unit"),
        variants=tuple(spec.get("variants", ())),
        group=spec.get("group"),
        detail=spec.get("detail", True),
        optional=spec.get("optional", False),
    )


def _row(spec: dict) -> Row:
    return Row(
        key=spec["key"],
        zh=spec["zh"],
        en=spec["en"],
        columns=tuple(spec.get("columns", ())),
        variants=tuple(spec.get("variants", ())),
        block=spec.get("block"),
        section=spec.get("section"),
        parent=spec.get("parent"),
        shape=spec.get("shape"),
        subtotal=spec.get("subtotal", False),
        optional=spec.get("optional", False),
        number=str(spec["number"]) if "number" in spec else None,
    )


@functools.cache
def load() -> Templates:
    with TEMPLATES_FILE.open(encoding="utf-8") as fh:
        return Templates(yaml.safe_load(fh))
