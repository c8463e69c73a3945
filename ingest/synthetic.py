"""Synthetic annual reports for the demo and benchmarks: realistic text reports the real parser reads.

Every report is generated from the template description (labels from ingest/templates.yaml),
balanced the way real tables are meant to be (new + carried_over = handled + carry_forward per
column, carried_over(N) = carry_forward(N-1) per issuer), with a few printed blanks ("/"), and
written into a raw archive as a `page` with source_id `synthetic-…` and a `synthetic://` URL:
the loader marks such reports is_synthetic. Always write them into their own DATA_DIR: they are
never mixed with real data.

Issuers are fictional by default: the demo units of ingest/data/regions.py (演示省, 甲子演示县 …,
codes 99xxxx), which exist nowhere, so no page of a demo can pass for a claim about a real
government. Their 48 governments come first, then their departments. `--real-names` (the
benchmarks) uses every real county-level unit instead, for a national-scale warehouse of
2,845 units; such a warehouse is for timing only, and its reports are marked is_synthetic.

    python -m ingest.synthetic --data-dir /tmp/demo --units 40 --years 5
    python -m ingest.synthetic --data-dir /tmp/bench --units 3000 --years 7 --real-names
    python -m ingest.synthetic extend --data-dir /tmp/demo --units 40 --years 5 --reports 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ingest import templates
from ingest.config import Paths, paths as default_paths
from ingest.data import regions
from ingest.load.loader import SYNTHETIC_SOURCE_PREFIX
from ingest.safeio import atomic_write_text

FIRST_YEAR = 2019
DEPARTMENTS = ("人民政府办公室", "教育体育和科技局", "财政局", "自然资源局", "卫生健康局", "交通运输局",
               "市场监督管理局", "农业农村局", "住房和城乡建设局", "生态环境局", "城关镇人民政府",
               "人力资源和社会保障局")
BLANK = "/"


# Findings the demo plants, so validation has something true to show; `check` compares them
# with what validation found. (issuer number modulo PLANT_EVERY, year offset) → rule.
PLANT_EVERY = 10
PLANTS = {(3, 1): "t4_group_total", (7, -1): "narrative_matches_tables"}
PLANTED_FILE = "synthetic_planted.json"  # under DATA_DIR: the list `check` compares with


@dataclass
class SyntheticReport:
    issuer: str
    year: int
    template: str
    table3_shape: str
    table2: dict = field(default_factory=dict)
    table3: dict = field(default_factory=dict)
    table4: dict = field(default_factory=dict)
    info_processing_fee_yuan: int = 0
    text: str = ""
    plant: str | None = None  # the rule this report breaks on purpose


def units(n: int, *, real_names: bool = False) -> list[str]:
    """n issuer names: every county government first, then departments and townships; of the
    fictional demo units unless real_names."""
    units_ = regions.county_level_units() if real_names else regions.demo_units()
    shared = _shared_names() if real_names else set()
    # Names several units share (朝阳区, 鼓楼区 …) are printed with their prefecture, as real
    # issuers do, so each synthetic issuer maps to exactly one region.
    counties = [f"{r.prefecture_name}{r.name}" if r.name in shared else r.name for r in units_]
    out = [f"{c}人民政府" for c in counties[:n]]
    i = 0
    while len(out) < n:
        dept = DEPARTMENTS[(i // len(counties)) % len(DEPARTMENTS)]
        suffix = "" if i < len(counties) * len(DEPARTMENTS) else str(i // (len(counties) * len(DEPARTMENTS)))
        out.append(f"{counties[i % len(counties)]}{dept}{suffix}")
        i += 1
    return out


def _shared_names() -> set[str]:
    import collections

    counts = collections.Counter(r.name for r in regions.county_level_units())
    return {name for name, n in counts.items() if n > 1}


def _shape(year: int, rng: random.Random) -> tuple[str, str]:
    # Mostly the format of the year; a few 2021-format reports keep the one-row （六） (as real ones do).
    if year <= 2020:
        return "2019", "one_row"
    return "2021", ("one_row" if rng.random() < 0.05 else "three_rows")


def generate(issuer: str, year: int, rng: random.Random, carried_over: dict[str, int] | None,
             plant: str | None = None) -> SyntheticReport:
    t = templates.load()
    template, shape = _shape(year, rng)
    rep = SyntheticReport(issuer, year, template, shape, plant=plant)
    detail_cols = t.table3_detail_columns
    # A column printed blank must carry nothing in (its carried_over would vanish from the
    # year's total and break carry_over_across_years: a finding nobody planted).
    blankable = [c for c in detail_cols[1:] if not (carried_over or {}).get(c)]
    blank_col = rng.choice(blankable) if blankable and rng.random() < 0.1 else None
    outcome_rows = t.table3_outcome_rows(shape)
    scale = rng.choice((2, 5, 10, 40, 200))

    # table 3, balanced per column; one column may be printed blank throughout
    t3: dict[str, dict[str, int | None]] = {r: {} for r in t.table3_row_keys(shape)}
    for col in detail_cols:
        if col == blank_col:
            for r in t3:
                t3[r][col] = None
            continue
        weight = scale if col == "natural_person" else max(1, scale // 10)
        outcomes = {r: (rng.randrange(weight + 1) if r in ("granted", "partial", "unable_not_held")
                        else (rng.randrange(2) if rng.random() < 0.3 else 0)) for r in outcome_rows}
        handled = sum(outcomes.values())
        prev = (carried_over or {}).get(col) or 0
        forward = rng.randrange(3) if rng.random() < 0.3 else 0
        new = max(0, handled + forward - prev)
        forward = new + prev - handled
        t3["new"][col], t3["carried_over"][col] = new, prev
        for r, v in outcomes.items():
            t3[r][col] = v
        t3["total"][col], t3["carry_forward"][col] = handled, forward
    for r in t3:
        vals = [t3[r][c] for c in detail_cols if t3[r][c] is not None]
        t3[r]["total"] = sum(vals)
    rep.table3 = t3

    # table 2, by the template's own rows and columns
    for row in t.table2_rows(template):
        cols = t.table2_columns(template)
        rep.table2[row.key] = {}
        for ck in row.columns:
            kind = cols[ck].kind
            if kind == "money" and ck == "amount_10k_yuan":
                v = f"{rng.randrange(0, 5_000_000) / 1000:.3f}"
            elif kind == "money":
                v = f"{rng.randrange(0, 90_000_000) / 100:.2f}"
            elif kind == "signed_count":
                v = str(rng.randrange(-5, 6))
            elif row.key == "permits" and ck == "decisions":
                v = str(rng.randrange(0, 20000))
            else:
                v = str(rng.randrange(0, 800))
            rep.table2[row.key][ck] = v

    # table 4: three proceedings of four results and their printed total
    for g in t.table4_groups:
        parts = {c.key: (rng.randrange(3) if rng.random() < 0.2 else 0)
                 for c in t.table4_columns if c.key != "total"}
        rep.table4[g["key"]] = {**parts, "total": sum(parts.values())}
    if plant == "t4_group_total":  # a printed 总计 one more than its parts
        rep.table4["review"]["total"] += 1
    rep.info_processing_fee_yuan = 0
    rep.text = _text(rep, t)
    return rep


def _cell(v) -> str:
    return BLANK if v is None else str(v)


def _text(rep: SyntheticReport, t: templates.Templates) -> str:
    """The flattened-page form of a real report: one printed cell per line (like the Hanyin seed)."""
    title = f"{rep.issuer}{rep.year}年度政府信息公开工作年度报告"
    new_total = rep.table3["new"]["total"]
    if rep.plant == "narrative_matches_tables":  # neither the new nor new + carried-over count
        new_total += rep.table3["carried_over"]["total"] + 5
    out = [title, "", f"索引号: synthetic-{rep.year}-{hashlib.md5(title.encode()).hexdigest()[:8]} "
           f"发布日期: {rep.year + 1}-02-15 09:30", "来源: 合成数据（演示/基准测试，虚构）", "",
           "一、总体情况", "",
           f"{rep.year}年，本机关认真落实政府信息公开工作要求。全年受理依申请公开申请{new_total}件。", "",
           "二、主动公开政府信息情况", ""]
    cols = t.table2_columns(rep.template)
    block = None
    for row in t.table2_rows(rep.template):
        if row.block != block:
            block = row.block
            out += [block.replace("（", "(").replace("）", ")"), "信息内容"]
            out += [cols[c].zh.replace("（", "(").replace("）", ")").replace("：", ":") for c in row.columns]
        out.append(row.zh)
        out += [rep.table2[row.key][c] for c in row.columns]
    out += ["", "三、收到和处理政府信息公开申请情况", "",
            "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
            "申请人情况", "自然人", "法人或其他组织", "总计", "商业", "企业", "科研", "机构", "社会", "公益",
            "组织", "法律", "服务", "机构", "其他"]
    cols3 = [c.key for c in t.table3_columns if not c.optional]
    groups = {g["key"]: g for g in t.outcome_groups}
    seen_group = set()
    for row in t.table3_rows:
        if row.key not in rep.table3:
            continue
        if row.section == "intake" or row.section == "carry_forward":
            out.append(f"{row.number}、{row.zh}")
            if row.key == "carry_forward":
                pass
        elif row.section == "handled_total":
            out.append(f"({row.number.strip('（）')})总计")
        elif row.parent in ("granted", "partial"):
            label = "(二)部分公开(区分处理的,只计这一情形,不计其他情形)" if row.key == "partial" else "(一)予以公开"
            out.append(label)
        elif row.key == "other":
            out.append("(六)其他处理")
        else:
            if row.parent not in seen_group:
                seen_group.add(row.parent)
                out.append(f"({groups[row.parent]['number'].strip('（）')}){groups[row.parent]['zh']}")
            label = row.zh
            if row.key == "other_no_correction":
                label = "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
            elif row.key == "other_no_fee":
                label = "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
            out.append(f"{row.number}.{label}")
        out += [_cell(rep.table3[row.key][c]) for c in cols3]
    out += ["", "四、政府信息公开行政复议、行政诉讼情况", "", "行政复议", "行政诉讼"]
    heads = ["结果", "维持", "结果", "纠正", "其他", "结果", "尚未", "审结", "总计"]
    out += heads + ["未经复议直接起诉", "复议后起诉"] + heads + heads
    for g in t.table4_groups:
        out += [str(rep.table4[g["key"]][c.key]) for c in t.table4_columns]
    out += ["", "五、存在的主要问题及改进情况", "", "信息公开的及时性和规范性仍需提升。", "",
            "六、其他需要报告的事项", "", "本年度未收取政府信息公开信息处理费。", ""]
    return "\n".join(out) + "\n"


def write_archive(paths: Paths, n_units: int, n_years: int, *, seed: int = 20240101,
                  progress: bool = False, real_names: bool = False) -> int:
    """Generate n_units × n_years reports into the raw archive of `paths` (bulk, no per-file fsync:
    benchmark data can be regenerated). Returns the number of documents written."""
    from ingest.crawl.archive import Archive

    names = units(n_units, real_names=real_names)
    planted: list[dict] = []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows: dict[str, list] = {k: [] for k in ("sha256", "url", "source_id", "issuer", "bytes", "year_hint")}
    with Archive(paths) as archive:
        existing = archive.con.execute("SELECT count(*) FROM document_versions").fetchall()[0][0]
        if existing:
            raise SystemExit(f"{paths.archive_db} already holds {existing} documents: "
                             "generate into an empty DATA_DIR")
        for i, issuer in enumerate(names):
            rng = random.Random(seed * 1_000_003 + i)
            carry = None
            for year in range(FIRST_YEAR, FIRST_YEAR + n_years):
                plant = None if real_names else planted_rule(i, year - FIRST_YEAR, n_years)
                rep = generate(issuer, year, rng, carry, plant)
                if plant:
                    planted.append({"issuer": issuer, "year": year, "rule_id": plant})
                carry = {c: rep.table3["carry_forward"][c] for c in rep.table3["carry_forward"]}
                _store(archive, rows, i, issuer, year, rep.text)
            if progress and (i + 1) % 1000 == 0:
                print(f"  generated {i + 1}/{len(names)} units", file=sys.stderr, flush=True)
        n = len(rows["sha256"])
        insert_documents(archive, rows, now, "synthetic")
    atomic_write_text(paths.data_dir / PLANTED_FILE,
                      json.dumps(planted, ensure_ascii=False, indent=1) + "\n")
    return n


def extend_archive(paths: Paths, n_units: int, n_years: int, n_reports: int, *, year: int | None = None,
                   seed: int = 20240101, real_names: bool = False) -> int:
    """Add the next year's report of the first `n_reports` units to an archive that `write_archive`
    made with the same n_units, n_years, seed and names (by default the year after the latest they
    have, so it can be called again): the increment a daily refresh meets (the
    benchmarks time incremental builds with it). Each new report continues its unit's series
    (carried over = last year's carried forward), as a later crawl run would find it."""
    from ingest.crawl.archive import Archive

    names = units(n_units, real_names=real_names)[:n_reports]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows: dict[str, list] = {k: [] for k in ("sha256", "url", "source_id", "issuer", "bytes", "year_hint")}
    with Archive(paths) as archive:
        if year is None:  # the year after the latest these units have (an earlier extend included)
            latest = archive.con.execute(
                "SELECT max(year_hint) FROM document_versions WHERE source_id IN (SELECT unnest(?))",
                [[f"{SYNTHETIC_SOURCE_PREFIX}{i:06d}" for i in range(len(names))]]).fetchall()[0][0]
            year = max(FIRST_YEAR + n_years, (latest or 0) + 1)
        if year <= FIRST_YEAR:
            raise SystemExit(f"--year must be after {FIRST_YEAR}")
        for i, issuer in enumerate(names):
            # replay the unit's series with its own random stream, so the new year follows on
            rng = random.Random(seed * 1_000_003 + i)
            carry = None
            for y in range(FIRST_YEAR, year + 1):
                y_no = y - FIRST_YEAR
                plant = None if real_names or y_no >= n_years else planted_rule(i, y_no, n_years)
                rep = generate(issuer, y, rng, carry, plant)
                carry = {c: rep.table3["carry_forward"][c] for c in rep.table3["carry_forward"]}
            _store(archive, rows, i, issuer, year, rep.text)
        known = archive.con.execute(
            "SELECT count(*) FROM document_versions WHERE sha256 IN (SELECT unnest(?))", [rows["sha256"]]).fetchall()[0][0]
        if known:
            raise SystemExit(f"{known} of these reports are already archived (year {year} was added before)")
        insert_documents(archive, rows, now, f"synthetic-{year}-{now:%Y%m%dT%H%M%S}")
    return len(rows["sha256"])


def _store(archive, rows: dict[str, list], unit_no: int, issuer: str, year: int, text: str) -> None:
    """Write one generated report's blob and queue its document row (insert_documents)."""
    data = text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    path = archive.blob_path(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    rows["sha256"].append(sha)
    rows["url"].append(f"synthetic://reports/{unit_no:06d}/{year}.txt")
    rows["source_id"].append(f"{SYNTHETIC_SOURCE_PREFIX}{unit_no:06d}")
    rows["issuer"].append(issuer)
    rows["bytes"].append(len(data))
    rows["year_hint"].append(year)


def insert_documents(archive, rows: dict[str, list], now: dt.datetime, run_id: str) -> None:
    """Index generated blobs as imported document versions (one bulk insert, through Arrow)."""
    table = pa.table({
        **{k: pa.array(v, pa.string()) for k, v in rows.items() if k not in ("bytes", "year_hint")},
        "bytes": pa.array(rows["bytes"], pa.int64()),
        "year_hint": pa.array(rows["year_hint"], pa.int32()),
    })
    con = archive.con.cursor()  # its own result state: the archive's connection may hold one
    con.register("synthetic_docs", table)
    con.execute("""
        INSERT INTO document_versions (sha256, url, source_id, issuer, title, content_type, encoding,
            encoding_source, bytes, first_seen, last_seen, year_hint, parent_url, kind,
            first_run_id, last_run_id)
        SELECT sha256, url, source_id, issuer, NULL, 'text/plain; charset=utf-8', 'utf-8', 'header',
               bytes, ?, ?, year_hint, NULL, 'import', ?, ?
        FROM synthetic_docs""", [now, now, run_id, run_id])
    con.unregister("synthetic_docs")


def planted_rule(unit_no: int, year_no: int, n_years: int) -> str | None:
    for (k, offset), rule in PLANTS.items():
        if unit_no % PLANT_EVERY == k and year_no == offset % n_years:
            return rule
    return None


def check(paths: Paths) -> int:
    """Compare the findings of the published warehouse with the planted list: 0 when they are
    exactly the planted ones, 1 (printing the difference) otherwise."""
    import duckdb

    try:
        planted = json.loads((paths.data_dir / PLANTED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"demo check: no list of planted findings ({exc}); a demo generated before the "
              "findings were planted: remove its DATA_DIR and run `make demo` again", file=sys.stderr)
        return 1
    if not paths.warehouse_db.exists():
        print(f"demo check: no published warehouse {paths.warehouse_db}", file=sys.stderr)
        return 1
    con = duckdb.connect(str(paths.warehouse_db), read_only=True)
    try:
        rows = con.execute("select distinct issuer, year, rule_id from validation_findings").fetchall()
    finally:
        con.close()
    want = {(p["issuer"], p["year"], p["rule_id"]) for p in planted}
    got = set(rows)
    if got == want:
        print(f"demo check: validation found exactly the {len(want)} planted finding(s) "
              f"({', '.join(sorted({w[2] for w in want}))}) and nothing else")
        return 0
    for label, diff in (("planted but not found", want - got), ("found but not planted", got - want)):
        for issuer, year, rule in sorted(diff):
            print(f"demo check: {label}: {issuer} {year} {rule}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["extend"]:
        ep = argparse.ArgumentParser(
            prog="python -m ingest.synthetic extend",
            description="add next year's reports of the first N units to a synthetic archive "
                        "(give the --units, --years, --seed and --real-names it was generated with)")
        ep.add_argument("--data-dir", required=True)
        ep.add_argument("--reports", type=int, default=10, help="how many new reports (default 10)")
        ep.add_argument("--units", type=int, default=3000)
        ep.add_argument("--years", type=int, default=7)
        ep.add_argument("--year", type=int,
                        help="the year to add (default: the year after the latest these units have)")
        ep.add_argument("--seed", type=int, default=20240101)
        ep.add_argument("--real-names", action="store_true")
        a = ep.parse_args(argv[1:])
        n = extend_archive(default_paths(a.data_dir), a.units, a.years, a.reports, year=a.year, seed=a.seed,
                           real_names=a.real_names)
        print(f"synthetic: {n} new reports archived in {a.data_dir}")
        return 0
    if argv[:1] == ["check"]:
        cp = argparse.ArgumentParser(prog="python -m ingest.synthetic check",
                                     description="exit 0 when validation found exactly the planted findings")
        cp.add_argument("--data-dir", required=True)
        return check(default_paths(cp.parse_args(argv[1:]).data_dir))
    ap = argparse.ArgumentParser(prog="python -m ingest.synthetic", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", required=True, help="an empty state directory for the synthetic archive")
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument("--years", type=int, default=7)
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--real-names", action="store_true",
                    help="issue the reports under real county-level units (national-scale benchmarks "
                         "only); default: the fictional demo units of 演示省")
    args = ap.parse_args(argv)
    n = write_archive(default_paths(args.data_dir), args.units, args.years, seed=args.seed, progress=True,
                      real_names=args.real_names)
    print(f"synthetic: {n} reports archived in {args.data_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
