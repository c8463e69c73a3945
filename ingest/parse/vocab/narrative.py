"""Headline figures a report's narrative states, each kept with the sentence it came from.

A figure is evidence for validation only when the sentence says plainly what it counts, so the
rules here are strict and would rather state nothing than something false:

- a figure binds to a measure only when the sentence names that measure right next to it:
  受理/收到/接收/接到 … 申请 N 件 (applications_received), 新收 … 申请 N 件 (applications_new),
  办结 … N 件 (applications_handled), 行政复议 N 件/起 (review_cases), 行政诉讼 N 件/起
  (litigation_cases). Words between the measure and the number that change what is counted
  break the bond: 同意公开答复9件 is the granted count, not the handled one; 行政复议纠错 N 件
  counts corrected cases, not cases; 其中网络申请21件 is a part, not the whole;
- negated sentences (未发生…, 没有…, 无…) and "no case of X" sentences state no figure at all:
  全年未发生因依申请公开被行政复议纠错或行政诉讼败诉情形 says nothing about how many reviews
  were filed; conditional sentences (如…, 若…) state none either;
- a sentence about an earlier year (上年, 去年, 同比 … before the figure) states none for this one.

Each fact: {"value": int, "raw_text": the sentence (whitespace removed), "match": the words
that bound the figure}. What a fact is compared with (and how sure a difference is) lives in
templates.yaml `narrative_facts`: 受理/收到 N 件 may count new applications or new plus carried
over, so it matches either; 新收 N 件 is unambiguous.
"""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"[\s\u3000\u00a0\u200b]+")
# Sentences run across line breaks (PDF text wraps them): only sentence marks end one.
_SENTENCE = re.compile(r"[^。；;！!？?\n]+(?:\n(?![一二三四五六七八九十]、|（[一二三四五六七八九十]）)[^。；;！!？?\n]+)*")
_UNIT = r"(?:件|个|条|份|宗|起|次|笔)"
_NUM = r"(\d+)"

_NEGATED = re.compile(r"未|没有|无(?!锡)|不存在|尚无|均无|零(?:件|起)|未曾")
_CONDITIONAL = re.compile(r"如果|如有|如对|如需|若(?!干)|倘若|假如|凡|一旦")
_EARLIER = re.compile(r"上年|上一年|去年|同比|较\d{4}年|比\d{4}年|前一年")
_PART = re.compile(r"其中")
# Things that are received or handled but are not disclosure applications.
_OTHER_ITEMS = re.compile(r"复议|诉讼|举报|投诉|信访|咨询|来电|留言|建议|提案|议案|纠错|意见|来信|12345|热线")

# 受理/收到 … 申请 N 件: the words between may only say which applications.
_RECEIVED = re.compile(rf"(受理|收到|接收|接到|共收|新收)([^，,。；;：:\d]{{0,30}}?申请)(?:数量|数|总数)?(?:共计|共|合计|总计|累计|计|为|达)?{_NUM}{_UNIT}")
_HANDLED = re.compile(rf"(办结|办理完毕|处理完毕)([^，,。；;：:\d]{{0,20}}?)(?:共计|共|合计|总计|累计|计|为)?{_NUM}{_UNIT}")
# Only words naming the applications may stand between 办结 and its number (同意公开答复9件 is
# the granted count: no 办结 at all; 办结率 is a rate).
_HANDLED_OK = re.compile(r"^(?:了|的|政府信息|依申请公开|依申请|公开申请|政府信息公开申请|信息公开申请|申请|各类|各类申请|"
                         r"全部|已|均|共)*$")


def _case_pattern(word: str) -> tuple[re.Pattern, re.Pattern]:
    after = re.compile(rf"{word}(案件|申请|案|事项)?(?:共计|共|合计|总计|累计|计|为)?{_NUM}{_UNIT}")
    before = re.compile(rf"{_NUM}{_UNIT}{word}(?:案件|申请|案)?(?![^，,。；;]*(?:纠错|纠正|败诉|胜诉|维持|撤销|确认违法|驳回|结果))")
    return after, before


_REVIEW = _case_pattern("行政复议")
_LITIGATION = _case_pattern("行政诉讼")
# A number after these words counts an outcome of cases, not cases.
_CASE_OUTCOME = re.compile(r"纠错|纠正|败诉|胜诉|维持|撤销|确认违法|驳回|结果|审结|尚未|未审结|被告")


def squash(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text)) if text else text


_HEADING_LINE = re.compile(r"(?m)^(\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)[^。\n]{0,20})$")


def _end_heading(m: re.Match) -> str:
    # the replacement r"\1。" as a function: a template is expanded in Python for each match
    return m.group(1) + "。"


def _raw_sentences(narrative: str) -> list[str]:
    """The sentences as printed (not squashed yet)."""
    # a heading on a line of its own ends there (it is no part of the next line's sentence)
    text = _HEADING_LINE.sub(_end_heading, narrative or "")
    return [s for s in _SENTENCE.findall(text) if s.strip()]


_DIGIT = re.compile(r"\d")
_MEASURE_WORDS = re.compile(r"申请|复议|诉讼|办结")


def _may_name_a_measure(raw: str) -> bool:
    """Could squash(raw) hold a measure word? Tested before squash, whose NFKC is the costly
    part: NFKC makes these words' characters from no other character but U+1F238 (squared 申),
    and every character it turns into whitespace is whitespace already (both checked over all
    of Unicode), so the raw sentence without its whitespace holds the words when squash does."""
    return _MEASURE_WORDS.search(_WS.sub("", raw)) is not None or "\U0001f238" in raw


def facts(narrative: str) -> dict:
    """fact_key → {value, raw_text, match} for every headline figure stated plainly."""
    out: dict = {}
    for raw in _raw_sentences(narrative):
        if not _may_name_a_measure(raw):
            continue
        s = squash(raw)
        if not _DIGIT.search(s) or not _MEASURE_WORDS.search(s):
            continue
        if _CONDITIONAL.search(s):
            continue
        for key, value, match in sentence_facts(s):
            out.setdefault(key, {"value": value, "raw_text": s, "match": match})
    return out


_CLAUSE_MARKS = re.compile(r"[，,、（）()]")


def sentence_facts(s: str) -> list[tuple[str, int, str]]:
    """The figures one (squashed) sentence states; clauses are read one at a time."""
    found: list[tuple[str, int, str]] = []
    for clause in _CLAUSE_MARKS.split(s):
        if not clause or not _DIGIT.search(clause):
            continue
        found += _clause_facts(clause, s)
    return found


def _clause_facts(clause: str, sentence: str) -> list[tuple[str, int, str]]:
    out = []
    m = _RECEIVED.search(clause)
    if m and _plain(clause, m.start()) and not _OTHER_ITEMS.search(m.group(2)) and _disclosure(m.group(2)):
        key = "applications_new" if m.group(1) == "新收" else "applications_received"
        out.append((key, int(m.group(3)), m.group(0)))
    m = _HANDLED.search(clause)
    if m and _plain(clause, m.start()) and _HANDLED_OK.match(m.group(2)):
        out.append(("applications_handled", int(m.group(3)), m.group(0)))
    has_review, has_suit = "行政复议" in clause, "行政诉讼" in clause
    # 行政复议和行政诉讼各1件 / 行政复议、诉讼共3件: one number for two measures binds to neither
    if has_review and has_suit:
        return out
    for key, present, (after, before) in (("review_cases", has_review, _REVIEW),
                                          ("litigation_cases", has_suit, _LITIGATION)):
        if not present or _CASE_OUTCOME.search(clause) or _OTHER_CASES.search(clause):
            continue
        m = after.search(clause) or before.search(clause)
        if m and _plain(clause, m.start()):
            out.append((key, int(next(g for g in m.groups() if g and g.isdigit())), m.group(0)))
    return out


# 受理行政许可申请3000件 counts permit applications: the words before 申请 must say disclosure
# (公开, 信息) or name only who applied
_APPLICANTS_ONLY = re.compile(r"(?:各类|的|群众|公民|法人|和|及|其他组织|市民|社会公众|依|新|到)*申请")


def _disclosure(words: str) -> bool:
    return "公开" in words or "信息" in words or bool(_APPLICANTS_ONLY.fullmatch(words))


# reviews/suits about other matters than disclosure are counted elsewhere in the report
_OTHER_CASES = re.compile(r"行政处罚|行政许可|征收|拆迁")


def _plain(clause: str, start: int) -> bool:
    """The figure's clause is not negated, not a part (其中), not about an earlier year."""
    before = clause[:start]
    return not (_NEGATED.search(clause) or _PART.search(before) or _EARLIER.search(before))
