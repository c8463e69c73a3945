"""Text rules of discovery: is this anchor a report, which year, which issuer, is it a file.

Pure functions of strings, shared by every adapter. A *report link* names a year and the
report (…2023年…政府信息公开工作年度报告); a *column link* names the report column without a
year (政府信息公开年报, 部门年报, 乡镇年报); notices *about* reports (关于做好…年度报告…的通知)
and interpretations (一图读懂, 图解) are neither.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from ingest.parse.vocab.headings import COVER_LETTER

REPORT_WORDS = re.compile(r"(?:政府|政务)?信息公开(?:工作)?(?:年度)?(?:报告|年报)|政务公开(?:工作)?年度报告")
# Words that make a title something other than the report itself.
_NOT_A_REPORT = re.compile(
    r"关于.*(?:通知|通报|函|意见|公告|批复)|(?:通知|通报|公告|公示)$|一图读懂|图解|解读|考核|测评|评估|"
    r"检查|抽查|整改|工作要点|指南|目录|编制|报送|发布情况|情况的报告|征集|意见箱")
_COLUMN_WORDS = re.compile(
    r"^(?:政府)?信息公开(?:工作)?年(?:度)?报(?:告)?(?:专栏)?$|年报$|年度报告$|^(?:部门|乡镇|镇街|街道|镇|"
    r"县直|区直|市直|单位|县级|本级)(?:信息公开)?年报|年度报告(?:专栏|栏目)")
_YEAR_ONLY = re.compile(r"^(?:\d{4})(?:年度?|年)?$")
# a per-year sub-column: 2023, 2023年, 2023年度, 2023年报, 2023年度报告, 2023年度年报
_YEAR_COLUMN = re.compile(r"^\d{4}(?:年度?)?(?:年报|报告|年度报告|公开年报|信息公开年报)?$")
# the tabs of a column split by issuer (本级 / 部门 / 乡镇): plain words that are sub-columns
# only on a page already known to be a report column
_SPLIT_TABS = re.compile(r"^(?:(?:县|区|市|政府)?本级|(?:县直|区直|市直)?部门|乡镇|乡镇街道|镇街|街道|镇|乡|"
                         r"(?:县直|区直|市直)?单位|县直|区直|市直)(?:年报|报告|信息)?$")
_ARABIC_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_ZH_DIGITS = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "O": "0", "0": "0", "一": "1", "二": "2", "三": "3",
              "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_ZH_YEAR = re.compile(r"(二[〇零○ＯO0][一二三四五六七八九〇零○ＯO0]{2})\s*年")
_TRUNCATED = re.compile(r"(?:\.\.\.|…+|\.{2,})$")

ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "ofd")
_FILE_EXT = re.compile(r"\.(" + "|".join(ATTACHMENT_EXTENSIONS) + r")$", re.IGNORECASE)
_VIEWER = re.compile(r"(?:viewer|pdfjs|pdf\.js|preview)[^?]*\?", re.IGNORECASE)
_FILE_PARAMS = ("file", "filename", "fileurl", "url", "path", "src")


@lru_cache(maxsize=1 << 14)
def clean(text: str | None) -> str:
    """NFKC, collapse whitespace (incl. &nbsp; and ideographic space), strip."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\u00a0\u3000\u200b\ufeff]+", " ", text).strip()


@lru_cache(maxsize=1 << 14)
def _compact(text: str) -> str:
    return re.sub(r"\s+", "", clean(text))


@lru_cache(maxsize=1 << 14)
def year_of(text: str | None) -> int | None:
    """The report year a title names (2023 in 汉阴县人民政府2023年度…), else None."""
    t = _compact(text or "")
    m = _ARABIC_YEAR.search(t)
    if m:
        year = int(m.group(1))
    else:
        z = _ZH_YEAR.search(t)
        if not z:
            return None
        year = int("".join(_ZH_DIGITS[c] for c in z.group(1)))
    return year if 2007 <= year <= 2100 else None


def is_truncated(text: str) -> bool:
    return bool(_TRUNCATED.search(clean(text)))


@lru_cache(maxsize=1 << 14)
def is_report_title(text: str | None) -> bool:
    """A title or anchor that names one year's annual report itself."""
    t = _compact(text or "")
    if not t or len(t) > 120 or not REPORT_WORDS.search(t):
        return False
    if COVER_LETTER.match(t):
        return year_of(t) is not None  # a letter sending the report, the report inside it
    if _NOT_A_REPORT.search(t):
        return False
    return year_of(t) is not None


@lru_cache(maxsize=1 << 14)
def is_column_title(text: str | None) -> bool:
    """Anchor text of a report column or sub-column (no year, not a notice)."""
    t = _compact(text or "")
    if not t or len(t) > 24 or _NOT_A_REPORT.search(t):
        return False
    if year_of(t) is not None and not _YEAR_ONLY.match(t):
        return False
    return bool(_COLUMN_WORDS.search(t))


@lru_cache(maxsize=1 << 14)
def is_year_link(text: str | None) -> bool:
    """Per-year sub-column anchors: 2023, 2023年, 2023年度, 2023年报, 2023年度报告."""
    t = _compact(text or "")
    return bool(_YEAR_COLUMN.match(t)) and year_of(t[:4] + "年") is not None


@lru_cache(maxsize=1 << 14)
def is_split_tab(text: str | None) -> bool:
    """本级 / 部门 / 乡镇 tabs of a report column split by issuer (only meaningful on a column)."""
    return bool(_SPLIT_TABS.match(_compact(text or "")))


def issuer_of(title: str | None, *, default: str, county_name: str | None = None) -> str:
    """The body that issued a report, read from its title.

    汉阴县教育体育和科技局2023年政府信息公开工作年度报告 → 汉阴县教育体育和科技局;
    2023年度汉阴县审计局政府信息公开工作年度报告 → 汉阴县审计局; 2023年政府信息公开工作年度报告
    → `default` (the county government). A bare county name means its government.
    """
    t = _compact(title or "")
    bracket = re.match(r"^[【\[(（]([^】\])）]*)[】\])）]", t)  # 【城关镇】2023年… / 【部门】…
    if bracket:
        t = t[bracket.end():]
    m = _ARABIC_YEAR.search(t) or _ZH_YEAR.search(t)
    issuer = ""
    if m:
        before = t[: m.start()]
        after = t[m.end():]
        after = re.sub(r"^度", "", after)
        words = REPORT_WORDS.search(after)
        between = after[: words.start()] if words else ""
        issuer = before or between
    cover = COVER_LETTER.match(t)
    if cover:  # a cover letter: its sender (the parser reads the report inside for more)
        issuer = cover.group(1)
    issuer = re.sub(r"^(?:关于)", "", issuer)
    issuer = re.sub(r"[（(]?(?:全真版|文字版|图片版)[)）]?", "", issuer)
    issuer = issuer.strip(" ：:，,、·-—_()（）[]【】《》\"'“”的")
    if not issuer and bracket and not re.fullmatch(r"部门|乡镇|镇街|街道|单位|县直|区直|本级|.*年报", bracket.group(1)):
        issuer = bracket.group(1).strip()
    if not issuer or len(issuer) < 2:
        return default
    if county_name and issuer in (county_name, county_name.rstrip("县区市")):
        return default
    return issuer


@lru_cache(maxsize=1 << 14)
def attachment_url(href: str, text: str = "") -> bool:
    """Does a link point at a report file (PDF, DOC, DOCX, WPS, OFD)?"""
    parts = urlsplit(href)
    if _FILE_EXT.search(unquote(parts.path)):
        return True
    for values in parse_qs(parts.query).values():
        if any(_FILE_EXT.search(unquote(v).split("?")[0]) for v in values):
            return True
    return bool(_FILE_EXT.search(clean(text)))


@lru_cache(maxsize=1 << 14)
def viewer_target(href: str) -> str | None:
    """The file a PDF-viewer page shows (viewer.html?file=/a/b.pdf → /a/b.pdf), else None."""
    parts = urlsplit(href)
    if not _VIEWER.search(parts.path + "?"):
        return None
    query = parse_qs(parts.query)
    for key in _FILE_PARAMS:
        for value in query.get(key, []):
            value = unquote(value)
            if _FILE_EXT.search(urlsplit(value).path):
                return value
    return None


def extension_of(url: str, content_type: str | None = None) -> str | None:
    m = _FILE_EXT.search(unquote(urlsplit(url).path))
    if m:
        return m.group(1).lower()
    for values in parse_qs(urlsplit(url).query).values():
        for v in values:
            m = _FILE_EXT.search(unquote(v))
            if m:
                return m.group(1).lower()
    return None


# Section headings of the report body: a page carries the report inline only if it has them.
_BODY_MARKERS = ("主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议",
                 "本年新收政府信息公开申请数量", "总体情况", "政府信息公开工作年度报告")


def looks_like_report_text(text: str) -> bool:
    """Does decoded page text carry a report inline (not a wrapper, error or unrelated page)?"""
    t = _compact(text)
    hits = sum(1 for m in _BODY_MARKERS if m in t)
    tables = ("主动公开政府信息情况" in t) or ("收到和处理政府信息公开申请情况" in t)
    return tables or hits >= 3


def sniff_content_type(data: bytes) -> str | None:
    """What a body is, from its first bytes, when the server does not say (or says octet-stream)."""
    head = data[:8]
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "application/msword"  # DOC and WPS are both OLE compound files
    if head.startswith(b"PK\x03\x04"):
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    probe = data[:512].lstrip().lower()
    if probe.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<div", b"<body")):
        return "text/html"
    if probe.startswith((b"{", b"[")):
        return "application/json"
    if probe.startswith(b"<?xml"):
        return "text/xml"
    return None


def is_text_type(content_type: str | None) -> bool:
    ct = (content_type or "").split(";")[0].strip().lower()
    return ct.startswith("text/") or ct in ("application/json", "application/xml", "application/xhtml+xml",
                                           "application/javascript")


# ---- how strongly a link points at the report column (best-first discovery) --------------
# Scores are additive evidence, not probabilities: an anchor that names the column itself
# (政府信息公开年报) outranks the disclosure platform (政府信息公开), which outranks the
# 政务公开 hub above it. A link whose text says nothing (更多, >>) borrows the words of the
# block it sits in. URL words count for less than words a human reads, except when the
# anchor says nothing at all (footer icons, "更多").
COLUMN_SCORE = 100   # a page with this much evidence is a report column
MIN_FOLLOW = 20      # weaker links are never fetched while searching

_TEXT_EVIDENCE: tuple[tuple[re.Pattern, int, str], ...] = (
    (re.compile(r"(?:信息公开|政务公开)?(?:工作)?年(?:度)?报(?:告)?(?:专栏|专题|栏目)?$|^年报|年度报告(?:专栏|专题)?$"),
     COLUMN_SCORE, "names the report column"),
    (re.compile(r"^(?:部门|乡镇|镇街|街道|县直|区直|单位|县级|本级)(?:信息公开|政府信息公开|政务公开)?(?:年报|年度报告)"),
     COLUMN_SCORE, "names a sub-column of reports"),
    (re.compile(r"^(?:政府)?信息公开(?:专栏|平台|目录|网)?$|^政府信息公开(?:专栏|平台|目录)$"), 60,
     "the disclosure platform"),
    (re.compile(r"法定主动公开(?:内容)?|^主动公开(?:目录|内容)?$"), 45, "the statutory disclosure list"),
    (re.compile(r"^(?:乡镇街道|镇街道|部门|乡镇|镇街|街道|县直|区直|镇办)(?:政府)?(?:信息公开|政务公开|公开)"), 45,
     "the departments' or townships' disclosure"),
    (re.compile(r"^(?:政务公开|政务信息公开|政府公开|信息公开专栏|政务公开专栏)$"), 40, "the 政务公开 hub"),
    # a site map lists every column on one static page, even where the menus are drawn by
    # scripts: worth one request once the stronger leads are spent
    (re.compile(r"^(?:网站地图|站点地图|网站导航)$"), 25, "the site map"),
    (re.compile(r"信息公开|政务公开"), 10, "a disclosure page"),
)
_URL_EVIDENCE: tuple[tuple[re.Pattern, int], ...] = (
    (re.compile(r"(?:zfxxgknb|xxgknb|gknb|ndbg|nianbao|ndgzbg|gzndbg|xxgkndbg|zwgknb|/nb(?:/|_|\.|$)|nbzl)",
                re.IGNORECASE), 80),
    (re.compile(r"(?:zfxxgk|xxgk|fdzdgk|zdgk)", re.IGNORECASE), 30),
    (re.compile(r"(?:zwgk|zwxxgk)", re.IGNORECASE), 25),
    (re.compile(r"(?:bmxxgk|xzxxgk|jdxxgk|bmgk|xzgk)", re.IGNORECASE), 30),
)
_CATALOGUE = re.compile(r"^(?:政府)?(?:信息|主动)公开目录$")
_MORE_WORDS = re.compile(r"(?:查看)?更多(?:信息)?|查看全部|[Mm]ore|MORE|[>》»+]+")
_EMPTY_ANCHOR = re.compile(r"^(?:更多|查看更多|更多>+|more|MORE|More|>+|》+|\+|更多信息|查看全部|全部|进入|进入专栏|详细)?[>》»\s]*$")
# Anchors that never lead to a report column, whatever their URL says.
_NEVER = re.compile(r"登录|注册|English|英文|无障碍|长者|关怀|邮箱|留言|信箱|投诉|举报|联系我们|"
                    r"隐私|声明|纠错|智能问答|搜索|打印|关闭|分享|收藏|返回|上一篇|下一篇|回到顶部|申请表|"
                    r"指南|制度|规定|办法|依申请|申请公开|解读|图解|新闻|要闻|动态|领导|机构|概况")
_ISSUER_NAME = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}(?:局|委员会|委|办公室|办|中心|院|所|队|站|镇|乡|街道|"
                          r"街道办事处|办事处|管委会|人民政府|政府)$")


@lru_cache(maxsize=1 << 14)
def column_score(text: str | None, title: str | None = None, url: str = "", context: str | None = None
                 ) -> tuple[int, str]:
    """How strongly a link points at the report column, and why (for the summary's candidates).

    `context` is the text of the block around an anchor that says nothing itself (更多 >>).
    """
    label = _compact(text or "")
    alt = _compact(title or "")
    best, why = 0, ""
    words = [w for w in (label, alt) if w]
    if (not words or all(_EMPTY_ANCHOR.match(w) for w in words)) and context:
        words = [_compact(_MORE_WORDS.sub("", clean(context)))]
        borrowed = True
    else:
        borrowed = False
    for w in words:
        # 政府信息公开目录 / 主动公开目录 is the disclosure catalogue (a hub), not a notice
        notice = _NOT_A_REPORT.search(w) and not _CATALOGUE.search(w)
        if notice or _NEVER.search(w) or is_report_title(w) or (
                year_of(w) is not None and not _YEAR_ONLY.match(w)):
            return 0, ""  # the words say what it is, and it is something else
        if len(w) > 40:
            continue
        plain = re.sub(r"[()（）【】\[\]]", "", w)  # 镇(街道)信息公开, 政府信息公开年报(专栏)
        for pattern, score, reason in _TEXT_EVIDENCE:
            if pattern.search(plain):
                if score > best:
                    best, why = score, reason
                break
    path = urlsplit(url).path if url else ""
    url_best = 0
    for pattern, score in _URL_EVIDENCE:
        if pattern.search(path):
            url_best = max(url_best, score)
    if borrowed:
        best = int(best * 0.9)
        why = why and f"{why} (block text)"
    if url_best:
        if best:
            best += url_best // 4
        elif not label or _EMPTY_ANCHOR.match(label):
            best, why = url_best, "URL words"
        else:
            best, why = url_best // 2, "URL words"
    return best, why


@lru_cache(maxsize=1 << 14)
def is_issuer_name(text: str | None) -> bool:
    """An anchor that names a department or township (汉阴县财政局, 城关镇), not a report."""
    t = _compact(text or "")
    return (bool(_ISSUER_NAME.match(t)) and not is_report_title(t) and year_of(t) is None
            and not _NEVER.search(t) and not _NOT_A_REPORT.search(t))


_TRAIL_SPLIT = re.compile(r"\s*(?:[_|｜>＞»›/]|\s-\s|当前位置[:：]?|您的位置[:：]?|您现在的位置[:：]?)\s*")


@lru_cache(maxsize=1 << 14)
def page_name(title: str | None, breadcrumb: str | None) -> str | None:
    """A page's own name: the last step of its breadcrumb trail, else the first part of <title>."""
    for source, pick in ((breadcrumb, -1), (title, 0)):
        parts = [p for p in _TRAIL_SPLIT.split(clean(source or "")) if p]
        if parts:
            return parts[pick]
    return None


@lru_cache(maxsize=1 << 14)
def page_evidence(title: str | None, breadcrumb: str | None, url: str = "") -> int:
    """How strongly a fetched page says it is itself a report column (<title>, 当前位置 trail)."""
    best = 0
    for source in (breadcrumb, title):
        if not source:
            continue
        parts = [p for p in _TRAIL_SPLIT.split(clean(source)) if p]
        if source is breadcrumb:
            parts = parts[-1:]  # the trail's last step is this page
        else:
            parts = parts[:1]   # <title>: the page name comes before the site name
        for p in parts:
            score, _ = column_score(p)
            best = max(best, score)
    return best


@lru_cache(maxsize=1 << 14)
def says_nothing(text: str | None) -> bool:
    """An anchor whose words do not name its target (更多, >>, an icon)."""
    t = _compact(text or "")
    return not t or bool(_EMPTY_ANCHOR.match(t))


_DIRECTORY = re.compile(r"(?:部门|乡镇|镇街|街道|单位|县直|区直)(?:政府)?(?:信息公开|政务公开|公开|年报|年度报告|信息公开年报)")


@lru_cache(maxsize=1 << 14)
def is_issuer_directory(page_name: str | None) -> bool:
    """Is a page the list of departments' or townships' disclosure pages?"""
    return bool(_DIRECTORY.search(re.sub(r"[()（）]", "", _compact(page_name or ""))))
