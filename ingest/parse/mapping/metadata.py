"""Report metadata and the figures its narrative states.

title · year (from the title; from the publication date minus one only when the title has
none, with a warning) · issuer (from the title, else the 来源/发布机构 header; a report inside a
cover letter 「X关于报送…年度报告的函」: the report's own title, else the sender X, else null) · published_date ·
index_no (索引号) · info_processing_fee_yuan (section 六) · narrative headline numbers
(applications received/handled, review and litigation cases), kept with the sentence they came
from so validation can compare text with tables.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ingest.parse.layout import Document
from ingest.parse.vocab import narrative as narrative_rules
from ingest.parse.vocab.headings import COVER_LETTER, heading_key
from ingest.parse.vocab.narrative import squash

_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3",
              "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_TITLE_WORDS = re.compile(r"(?:政府信息公开|政务公开|信息公开)")
_TITLE_KIND = re.compile(r"(?:年度报告|年报|工作报告)")
_NOT_TITLE = re.compile(r"(?:一图读懂|图解|解读|上一篇|下一篇|相关文件|附件[:：]|内容概述|摘要)")
_BREADCRUMB = re.compile(r"[>＞»›]")  # "示范县人民政府>政府信息公开>政府信息公开年报": a site's path
_LABEL_PREFIX = re.compile(r"^(?:标题|题名|名称|文章标题)[:：]")
_YEAR = re.compile(r"((?:19|20)\d{2}|[二][〇○零O][一二三四五六七八九〇○零O]{2})\s*年")
_TITLE_SUFFIX = re.compile(r"\s*(?:[_|｜]|--|—|-\s).*$")
_INDEX = re.compile(r"索\s*引\s*号\s*[:：]?\s*([0-9A-Za-z][0-9A-Za-z\-_/.·]*)")
_DATE_FIELDS = [
    ("发布日期|发布时间|公开日期|公开时间|发文日期|发布于", 0),
    ("成文日期|印发日期|生成日期", 1),
    ("日期|时间", 2),
]
_DATE = r"\s*[:：]?\s*(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
_SIGN_DATE = re.compile(r"^((?:19|20)\d{2}|[二][〇○零][一二三四五六七八九〇○零]{2})年"
                        r"([0-9一二三四五六七八九十]{1,3})月([0-9一二三四五六七八九十]{1,3})日$")
_ISSUER_FIELD = re.compile(r"(?:发布机构|发文机关|信息来源|来源|发布单位|发布部门)\s*[:：]\s*([^\s:：]{2,30})")
_META_DATE_KEYS = ("pubdate", "publishdate", "firstpublishedtime", "publishtime", "maketime",
                   "dc.date", "article:published_time")


@dataclass
class Meta:
    title: str | None = None
    title_recognised: bool = False
    year: int | None = None
    year_source: str | None = None
    issuer: str | None = None
    published_date: str | None = None
    index_no: str | None = None
    fee: Decimal | None = None
    narrative: dict = field(default_factory=dict)


def extract(doc: Document, warnings: list[str]) -> Meta:
    m = Meta()
    lines = [ln for ln in doc.text.splitlines() if ln.strip()]
    m.title = find_title(doc, lines)
    m.title_recognised = m.title is not None
    m.published_date = find_published_date(doc, lines)
    m.index_no = find_index_no(doc, lines)
    if m.title:
        m.year = year_from_title(m.title)
        if m.year is not None:
            m.year_source = "title"
    if m.year is None and m.published_date:
        m.year = int(m.published_date[:4]) - 1
        m.year_source = "published_date"
        warnings.append(f"year: the title names no year; taken as the publication year "
                        f"{m.published_date[:4]} minus one")
    elif m.year is None:
        warnings.append("year: neither the title nor a publication date gives the report year")
    cover = COVER_LETTER.match(m.title) if m.title else None
    if cover:
        m.issuer = cover_letter_issuer(cover, m.title, m.year, lines, warnings)
    else:
        m.issuer = issuer_from_title(m.title) if m.title else None
        if m.issuer is None:
            m.issuer = issuer_from_header(doc, lines)
    narrative = doc.narrative or doc.text
    m.fee, fee_text = find_fee(narrative)
    m.narrative = narrative_rules.facts(narrative)
    if m.fee is not None:
        m.narrative["info_processing_fee_yuan"] = {"value": m.fee, "raw_text": fee_text}
    return m


# ---- title, year, issuer ------------------------------------------------------------------------


def _title_like(text: str) -> bool:
    return (bool(_TITLE_WORDS.search(text)) and bool(_TITLE_KIND.search(text))
            and 8 <= len(text) <= 80 and not _NOT_TITLE.search(text) and "。" not in text)


def find_title(doc: Document, lines: list[str]) -> str | None:
    """The first title-like candidate of: the page's title meta fields, the title printed in
    the first lines, the title the front end found (<title>, <h1>). Each is tried in that
    order, so the printed lines are only searched when no meta field names a title."""
    for key in ("ArticleTitle", "articletitle", "title", "og:title"):
        if doc.meta.get(key):
            s = _title_candidate(doc.meta[key])
            if s is not None:
                return s
    printed = _printed_title(lines)
    if printed is not None:
        s = _title_candidate(printed)
        if s is not None:
            return s
    return _title_candidate(doc.title) if doc.title else None


def _printed_title(lines: list[str]) -> str | None:
    for i, line in enumerate(lines[:80]):
        s = _LABEL_PREFIX.sub("", squash(line))
        if not _title_like(s) and i + 1 < len(lines) and len(nxt := squash(lines[i + 1])) <= 4:
            # a big title wrapped just before its last characters ("…工作年度报" / "告")
            s = s + nxt if _title_like(s + nxt) else s
        if _title_like(s) and not _BREADCRUMB.search(s):
            return _title_over_lines(s, lines, i)
    return None


def _title_candidate(c: str) -> str | None:
    s = _LABEL_PREFIX.sub("", squash(c))
    if not _title_like(s):
        # "<title>汉阴县…年度报告_汉阴县人民政府</title>": drop the site name
        s2 = _TITLE_SUFFIX.sub("", c.strip())
        s = squash(s2)
        if not _title_like(s):
            return None
    return s


def _title_over_lines(s: str, lines: list[str], i: int) -> str:
    """A title printed over two or three lines, its words on the last (title-like) one:
    "示范县人民政府" / "2023年" / "政府信息公开工作年度报告", or issuer / "2023年…年度报告".
    A line before is joined only while the title still lacks its year (and then only a line
    that holds one) or starts with the year (and then only an issuer-like line of CJK)."""
    for j in (i - 1, i - 2):
        if j < 0:
            break
        prev = squash(lines[j])
        if not (1 <= len(prev) <= 30) or _title_like(prev):
            break
        if year_from_title(s) is None:
            if not (_YEAR.search(prev) and re.fullmatch(r"[\u4e00-\u9fff（）()0-9〇○零一二三四五六七八九]+", prev)):
                break
        elif _YEAR.match(s):
            if not (len(prev) >= 2 and re.fullmatch(r"[\u4e00-\u9fff（）()]+", prev)):
                break
        else:
            break
        s = prev + s
    return s


def _cn_year(text: str) -> int | None:
    digits = "".join(_CN_DIGITS.get(ch, ch) for ch in text)
    return int(digits) if digits.isdigit() else None


def year_from_title(title: str) -> int | None:
    for m in _YEAR.finditer(title):
        y = _cn_year(m.group(1))
        if y is not None and 2000 <= y <= 2100:
            return y
    return None


def issuer_from_title(title: str) -> str | None:
    m = _YEAR.search(title)
    if not m:
        return None
    before = title[: m.start()].strip("（(【[ ")
    if len(before) >= 2:
        return _tidy_issuer(before)
    # "2023年汉阴县人民政府政府信息公开工作年度报告": the issuer follows the year
    after = re.sub(r"^度", "", title[m.end():])
    w = _TITLE_WORDS.search(after)
    if w and w.start() >= 2:
        return _tidy_issuer(after[: w.start()])
    return None


# a government's own office: it sends the government's report, or its own — the letter alone
# cannot tell which
_GOVERNMENT_OFFICE = re.compile(r"(?:人民政府|政府|管委会|管理委员会|行政公署)办公(?:室|厅)$")


def cover_letter_issuer(cover: re.Match, title: str, year: int | None, lines: list[str],
                        warnings: list[str]) -> str | None:
    """The issuer of a report published inside its cover letter (「X关于报送2020年度…年度报告的
    函」, spec portals.md). The report's own title printed inside the letter names it best;
    else the letter's sender X — unless X is a government's office (办公室/办公厅), which sends
    its government's report as often as its own: null with a warning, never a guess."""
    for line in lines[:150]:
        s = _LABEL_PREFIX.sub("", squash(line))
        if s == title or COVER_LETTER.match(s) or not _title_like(s) or year_from_title(s) != year:
            continue
        inner = issuer_from_title(s)
        if inner:
            warnings.append(f"issuer: the report is published inside a cover letter ({title}); "
                            f"the issuer is the one its own title names: {inner}")
            return inner
    sender = _tidy_issuer(cover.group(1))
    if not sender:
        warnings.append(f"issuer: a cover letter ({title}) that names no sender, and the report "
                        "inside names no issuer; null")
        return None
    if _GOVERNMENT_OFFICE.search(sender):
        warnings.append(f"issuer: the report is sent by a cover letter of {sender}, which may send "
                        "its government's report or its own, and the report inside names no issuer; null")
        return None
    warnings.append(f"issuer: the report is published inside a cover letter; the issuer is its sender, {sender}")
    return sender


def _tidy_issuer(text: str) -> str | None:
    text = re.sub(r"(?:关于|的)$", "", text).strip("（(【[ ）)】]")
    if text.endswith("人民"):
        text += "政府"
    return text or None


def issuer_from_header(doc: Document, lines: list[str]) -> str | None:
    for key in ("ContentSource", "contentsource", "Source"):
        if doc.meta.get(key):
            return squash(doc.meta[key]) or None
    for line in lines[:40]:
        m = _ISSUER_FIELD.search(line)
        if m:
            return m.group(1)
    return None


# ---- dates, index ------------------------------------------------------------------------------


def _date(y: str, mo: str, d: str) -> str | None:
    try:
        year = _cn_year(y) if not y.isdigit() else int(y)
        month, day = _cn_small(mo), _cn_small(d)
        if year is None or month is None or day is None:
            return None
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _cn_small(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    vals = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + vals.get(text[1:], 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return vals.get(tens, 0) * 10 + (vals.get(ones, 0) if ones else 0)
    return vals.get(text)


def find_published_date(doc: Document, lines: list[str]) -> str | None:
    for k, v in doc.meta.items():
        if k.lower() in _META_DATE_KEYS:
            m = re.search(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})", v)
            if m and (d := _date(*m.groups())):
                return d
    head = "\n".join(lines[:60])
    for fields, _rank in _DATE_FIELDS:
        m = re.search(rf"(?:{fields}){_DATE}", head)
        if m and (d := _date(*m.groups())):
            return d
    # The date under the signature at the end of the report.
    for line in reversed(lines[-12:]):
        m = _SIGN_DATE.match(squash(line))
        if m and (d := _date(*m.groups())):
            return d
    return None


def find_index_no(doc: Document, lines: list[str]) -> str | None:
    for key in ("索引号", "IndexNo", "indexno"):
        if doc.meta.get(key):
            return doc.meta[key].strip()
    # The label and its value are often separate cells of a header table: read across lines.
    m = _INDEX.search("\n".join(lines[:60]))
    if m:
        return m.group(1).rstrip(".-_/")
    return None


# ---- section 六 fee and narrative figures -------------------------------------------------------

# Sentences run across line breaks: PDF text wraps them, so only sentence marks end one.
_SENTENCE = re.compile(r"[^。；;！!]+")
_FEE_NONE = re.compile(r"(?:未|没有|不|无|免于|免)(?:收取|产生|发生|存在|涉及|征收)?[^。；;\d]{0,30}?信息处理费"
                       r"|信息处理费[^。；;\d]{0,12}?(?:为零|为0元|为0|零元)")
_FEE_AMOUNT = re.compile(r"信息处理费[^。；;\d]{0,16}?(\d[\d,]*(?:\.\d+)?)(万元|元)")
_FEE_AMOUNT_BEFORE = re.compile(r"收取[^。；;\d]{0,20}?(\d[\d,]*(?:\.\d+)?)(万元|元)[^。；;\d]{0,12}?信息处理费")


def find_fee(narrative: str) -> tuple[Decimal | None, str | None]:
    text = _section_six(narrative)
    for scope in (text, narrative) if text else (narrative,):
        for s in _SENTENCE.findall(scope):
            if "信息处理费" not in s:
                continue
            flat = squash(s)
            for rx in (_FEE_AMOUNT, _FEE_AMOUNT_BEFORE):
                m = rx.search(flat)
                if m:
                    try:
                        amount = Decimal(m.group(1).replace(",", ""))
                    except InvalidOperation:
                        continue
                    if m.group(2) == "万元":
                        amount *= 10000
                    return amount, flat
            if _FEE_NONE.search(flat):
                return Decimal(0), flat
    return None, None


def _section_six(narrative: str) -> str:
    lines = narrative.splitlines()
    for i, line in enumerate(lines):
        if "六" in line[:4] and heading_key(line.strip()) == "other_matters":
            return "\n".join(lines[i + 1:])
    return ""


