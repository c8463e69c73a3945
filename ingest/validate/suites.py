"""The GX 1.x suites, defined in code and written idempotently into the file context.

The context is `expectations/` (great_expectations.yml, expectations/, validation_definitions/
are committed). Its runtime stores are outside the repository: validation results under
DATA_DIR/validation/gx_results and the Data Docs site under DATA_DIR/reports/data_docs, passed in
through the `${INGEST_GX_RESULTS_DIR}` / `${INGEST_GX_DOCS_DIR}` substitutions of the config.

One suite per frame (frames.py), one pandas dataframe asset and one validation definition per
suite. Every expectation carries `meta.rule_id` and `meta.severity`, and a pandas mask that
selects the same rows GX counts as unexpected: GX gives the verdict and the unexpected count,
the mask turns those rows into findings, and a disagreement between the two fails the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingest import templates
from ingest.config import REPO_ROOT, Paths
from ingest.errors import PipelineError
from ingest.validate import catalog

CONTEXT_DIR = REPO_ROOT / "expectations"
DATASOURCE = "warehouse_frames"
BATCH = "whole_frame"
SAMPLE_ROWS = 20  # unexpected values sampled per expectation when the result is a SUMMARY
DOCS_ROW_LIMIT = 2000  # up to this many unexpected rows, the Data Docs list every one

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@dataclass(frozen=True)
class Check:
    rule_id: str
    column: str  # the column the expectation reads (its identity inside the suite)
    make: Callable[[dict], object]  # meta → gx Expectation
    failing: Callable[[pd.DataFrame], pd.Series]

    @property
    def name(self) -> str:
        return f"{self.rule_id}:{self.column}"


@dataclass(frozen=True)
class Suite:
    name: str
    index_columns: tuple[str, ...]
    checks: tuple[Check, ...] = field(default_factory=tuple)


def _gx():
    import great_expectations as gx  # slow import (~3 s): only when a run needs it

    return gx


def _zero(column: str) -> Callable[[dict], object]:
    def make(meta: dict):
        return _gx().expectations.ExpectColumnValuesToBeBetween(
            column=column, min_value=0, max_value=0, description=_describe(meta), meta=meta)
    return make


def _at_least_zero(column: str) -> Callable[[dict], object]:
    def make(meta: dict):
        return _gx().expectations.ExpectColumnValuesToBeBetween(
            column=column, min_value=0, description=_describe(meta), meta=meta)
    return make


def _at_least(column: str, minimum: int) -> Callable[[dict], object]:
    def make(meta: dict):
        return _gx().expectations.ExpectColumnValuesToBeBetween(
            column=column, min_value=minimum, description=_describe(meta), meta=meta)
    return make


def _nonzero(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda df: df[column].notna() & (df[column] != 0)


def _negative(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda df: df[column].notna() & (df[column] < 0)


def _duplicated(columns: list[str]) -> Callable[[pd.DataFrame], pd.Series]:
    def mask(df: pd.DataFrame) -> pd.Series:
        present = df[columns].notna().all(axis=1)
        dup = pd.Series(False, index=df.index)
        dup[present] = df.loc[present, columns].duplicated(keep=False)
        return dup
    return mask


def _unique(column: str) -> Callable[[dict], object]:
    def make(meta: dict):
        return _gx().expectations.ExpectColumnValuesToBeUnique(
            column=column, description=_describe(meta), meta=meta)
    return make


def _compound_unique(columns: list[str]) -> Callable[[dict], object]:
    def make(meta: dict):
        return _gx().expectations.ExpectCompoundColumnsToBeUnique(
            column_list=columns, ignore_row_if="any_value_is_missing",
            description=_describe(meta), meta=meta)
    return make


def _true(column: str) -> Callable[[dict], object]:
    def make(meta: dict):
        return _gx().expectations.ExpectColumnValuesToBeInSet(
            column=column, value_set=[True], description=_describe(meta), meta=meta)
    return make


def suites() -> list[Suite]:
    """Every suite, in run order. Balancing suites are generated from templates.yaml rules."""
    out = []
    for rule in templates.load().rules:
        out.append(Suite(rule.id, ("report", "key"),
                         (Check(rule.id, "difference", _zero("difference"), _nonzero("difference")),)))
    out.append(Suite("cell_values", ("report", "table_key"), (
        Check("count_non_negative", "min_count", _at_least_zero("min_count"), _negative("min_count")),
        Check("count_integer", "max_count_fraction", _zero("max_count_fraction"),
              _nonzero("max_count_fraction")),
        Check("money_non_negative", "min_money", _at_least_zero("min_money"), _negative("min_money")),
    )))
    out.append(Suite("narrative", ("report", "key"), (
        Check("narrative_matches_tables", "difference", _zero("difference"), _nonzero("difference")),
    )))
    out.append(Suite("tables_printed", ("report", "table_key"), (
        Check("tables_printed", "printed_cells", _at_least("printed_cells", 1),
              lambda df: df["printed_cells"] < 1),
    )))
    out.append(Suite("report_identity", ("report",), (
        Check("unique_issuer_year", "issuer_id+year", _compound_unique(["issuer_id", "year_if_current"]),
              _duplicated(["issuer_id", "year_if_current"])),
        Check("report_loaded_once", "report_id", _unique("report_id"), _duplicated(["report_id"])),
        Check("report_loaded_once", "content_sha256", _unique("content_sha256"),
              _duplicated(["content_sha256"])),
        Check("report_has_template", "has_template", _true("has_template"),
              lambda df: df["has_template"] != True),  # noqa: E712 (a mask, not a truth test)
    )))
    out.append(Suite("completeness", ("report",), (
        Check("complete_cells", "missing_cells", _zero("missing_cells"), _nonzero("missing_cells")),
        Check("known_cells", "unknown_cells", _zero("unknown_cells"), _nonzero("unknown_cells")),
        Check("unique_cells", "duplicate_cells", _zero("duplicate_cells"), _nonzero("duplicate_cells")),
    )))
    return out


def _meta(check: Check) -> dict:
    info = catalog.rule(check.rule_id)
    what = {"difference": "difference must be 0",
            "min_count": "the smallest count of each report's table must be >= 0",
            "min_money": "the smallest amount of each report's table must be >= 0",
            "max_count_fraction": "the largest fractional part of a count in each report's table must be 0",
            "printed_cells": "each report's table must print at least 1 cell"}
    tail = what.get(check.column, "")
    return {
        "rule_id": info.id,
        "severity": info.severity,
        "check": check.name,
        "checks": f"{info.en} ({info.zh})" + (f"; {tail}" if tail else ""),
    }


def _describe(meta: dict) -> str:
    return f"[{meta['severity']}] {meta['rule_id']}: {meta['checks']}"


# ---- the file context ------------------------------------------------------------------------

def context(paths: Paths):
    """The file context under expectations/, with runtime stores under DATA_DIR."""
    results = paths.data_dir / "validation" / "gx_results"
    docs = docs_dir(paths)
    results.mkdir(parents=True, exist_ok=True)
    docs.mkdir(parents=True, exist_ok=True)
    os.environ["INGEST_GX_RESULTS_DIR"] = str(results)
    os.environ["INGEST_GX_DOCS_DIR"] = str(docs)
    return _gx().get_context(mode="file", context_root_dir=str(CONTEXT_DIR))


def docs_dir(paths: Paths) -> Path:
    return paths.reports_dir / "data_docs"


def ensure(ctx) -> dict[str, object]:
    """Create what is missing and update what differs; an up-to-date context is not written."""
    gx = _gx()
    try:
        ds = ctx.data_sources.get(DATASOURCE)
    except KeyError:
        ds = ctx.data_sources.add_pandas(DATASOURCE)
    definitions = {}
    for spec in suites():
        try:
            asset = ds.get_asset(spec.name)
        except LookupError:
            asset = ds.add_dataframe_asset(spec.name)
        try:
            batch = asset.get_batch_definition(BATCH)
        except KeyError:
            batch = asset.add_batch_definition_whole_dataframe(BATCH)
        wanted = [c.make(_meta(c)) for c in spec.checks]
        try:
            suite = ctx.suites.get(spec.name)
        except gx.exceptions.DataContextError:
            suite = ctx.suites.add(gx.ExpectationSuite(name=spec.name, expectations=wanted))
        else:
            if _signature(suite.expectations) != _signature(wanted):
                for e in list(suite.expectations):
                    suite.delete_expectation(e)
                for e in wanted:
                    suite.add_expectation(e)
                suite.save()
        try:
            vd = ctx.validation_definitions.get(spec.name)
        except gx.exceptions.DataContextError:
            vd = ctx.validation_definitions.add(
                gx.ValidationDefinition(name=spec.name, data=batch, suite=suite))
        definitions[spec.name] = vd
    return definitions


def _signature(expectations) -> list[str]:
    out = []
    for e in expectations:
        cfg = e.configuration.to_json_dict()
        cfg.pop("id", None)
        out.append(json.dumps(cfg, sort_keys=True, ensure_ascii=False, default=str))
    return out


@dataclass
class CheckResult:
    suite: str
    check: Check
    success: bool
    element_count: int
    unexpected_count: int
    failing: pd.Series  # mask over the frame


def run(definitions: dict[str, object], frames: dict[str, pd.DataFrame], run_id: str,
        run_time) -> list[CheckResult]:
    from great_expectations.core.run_identifier import RunIdentifier

    rid = RunIdentifier(run_name=run_id, run_time=run_time)
    out: list[CheckResult] = []
    for spec in suites():
        df = frames[spec.name]
        masks = {c.name: (c.failing(df) if len(df) else pd.Series(False, index=df.index))
                 for c in spec.checks}
        # The Data Docs list the unexpected rows (report, cell) only from a COMPLETE result; a
        # systematic break with more rows than a page can show gets the counts and a sample.
        complete = max((int(m.sum()) for m in masks.values()), default=0) <= DOCS_ROW_LIMIT
        result = definitions[spec.name].run(
            batch_parameters={"dataframe": df},
            result_format={"result_format": "COMPLETE" if complete else "SUMMARY",
                           "unexpected_index_column_names": list(spec.index_columns),
                           "partial_unexpected_count": SAMPLE_ROWS,
                           "return_unexpected_index_query": False},
            run_id=rid,
        )
        by_check = {}
        for r in result.results:
            info = r.exception_info or {}
            if info.get("raised_exception"):
                raise PipelineError(f"GX suite {spec.name} could not evaluate "
                                    f"{r.expectation_config.meta.get('check')}: "
                                    f"{str(info.get('exception_message')).splitlines()[0]}")
            by_check[r.expectation_config.meta["check"]] = r
        for check in spec.checks:
            r = by_check.get(check.name)
            if r is None:
                raise PipelineError(f"GX suite {spec.name} has no expectation for {check.name}: "
                                    "the committed suite is stale; rerun to update it")
            res = r.result or {}
            unexpected = int(res.get("unexpected_count") or 0)
            mask = masks[check.name]
            if int(mask.sum()) != unexpected or bool(r.success) != (unexpected == 0):
                raise PipelineError(
                    f"{check.name}: GX counted {unexpected} unexpected rows (success={r.success}) "
                    f"but the findings mask selects {int(mask.sum())}")
            out.append(CheckResult(spec.name, check, bool(r.success),
                                   int(res.get("element_count") or len(df)), unexpected, mask))
    return out


def build_docs(ctx, paths: Paths, run_id: str, *, synthetic: bool = False) -> Path:
    """Render this run's validation pages and the suites, then the index (which lists every
    run kept under DATA_DIR/validation): older pages are already on disk, never re-rendered."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    keys = [k for k in ctx.validation_results_store.list_keys() if k.run_id.run_name == run_id]
    keys += [ExpectationSuiteIdentifier(name=s.name) for s in suites()]
    ctx.build_data_docs(resource_identifiers=keys)
    from ingest.validate.offline_docs import make_offline

    make_offline(docs_dir(paths), synthetic=synthetic)  # every asset local: the site opens offline
    return docs_dir(paths) / "index.html"


def forget_run(ctx, run_id: str) -> None:
    """Remove a run's stored GX results (ValidationDefinition.run always stores them). An
    incremental run checks only some reports: its results are never rendered, and kept in the
    store they would be listed by the next docs build's index without pages."""
    store = ctx.validation_results_store
    for key in [k for k in store.list_keys() if k.run_id.run_name == run_id]:
        store.remove_key(key)
