"""Make the Great Expectations Data Docs site work from the file tree alone.

GX renders every page with its styles and scripts linked from CDNs (bootstrap, jQuery,
bootstrap-table …) and its logo from S3; offline, the index shows two "Clear Filters" buttons
and nothing else, because the list of results is built by those scripts. After each build this
module copies the vendored files of expectations/offline_assets/ (see its README for versions
and licences) to `static/vendor/` of the site and rewrites every page to load them by a relative
path, drops what is not shipped (vega, the dark theme), points the logo at GX's own local copy
and turns links out of the site (GX's newsletter, its home page) into plain text.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from ingest.config import REPO_ROOT

ASSETS = REPO_ROOT / "expectations" / "offline_assets"

# CDN URL (prefix up to the query) → file under static/vendor/, or None to drop the tag.
REWRITES: dict[str, str | None] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "js/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "js/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "js/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "css/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "js/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "js/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "css/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "css/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/fontawesome-all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "js/bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": None,
    "https://cdn.jsdelivr.net/npm/vega@5": None,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": None,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": None,
}
_TAG = re.compile(r'<(script|link)\b[^>]*?\b(src|href)="(https?://[^"]+)"[^>]*>(\s*</script>)?', re.IGNORECASE)
_LOGO = re.compile(r'(?:src="|url\([\'"]?)https://great-expectations-web-assets\.s3[^"\')]*/([\w.-]+\.png)[^"\')]*')
_LOCAL_STATIC = re.compile(r'\b(src|href)="(?:\./|(?:\.\./)+)?static/')
_OUT_LINK = re.compile(r'<a\b[^>]*\bhref="https?://[^"]*"[^>]*>(.*?)</a>', re.IGNORECASE | re.DOTALL)


class UnknownAsset(ValueError):
    """A page links a CDN file this module does not know (a GX upgrade changed its template)."""


def _rewrite(page: str, prefix: str) -> str:
    def tag(m: re.Match) -> str:
        url = m.group(3)
        if url not in REWRITES:
            raise UnknownAsset(url)
        local = REWRITES[url]
        if local is None:
            return ""
        return m.group(0).replace(url, f"{prefix}static/vendor/{local}")

    def logo(m: re.Match) -> str:
        # GX ships logo-long.png in the site's static/images; the dark logo only exists on S3.
        name = "logo-long.png"
        return m.group(0)[: m.group(0).index("http")] + f"{prefix}static/images/{name}"

    page = _TAG.sub(tag, page)
    page = _LOGO.sub(logo, page)
    # GX writes "../../../static/…" on pages four folders deep (validations/<suite>/<run>/<time>/):
    # one level short, so even its own styles and favicon are missing there. Re-anchor them.
    page = _LOCAL_STATIC.sub(lambda m: f'{m.group(1)}="{prefix}static/', page)
    return _OUT_LINK.sub(lambda m: m.group(1), page)


# On every page of a site validated from synthetic reports (`make demo`), so that no screenshot
# of it can pass for findings about a real government.
SYNTHETIC_BANNER = (
    '<div id="synthetic-banner" style="border:3px solid #b00020;background:#fff0f0;color:#b00020;'
    'padding:10px 14px;margin:8px;font-size:1.1em;font-weight:bold">合成演示数据 · SYNTHETIC DEMO '
    "DATA — every report validated here was made up by ingest/synthetic.py, and the places "
    "(演示省, 甲子演示区 …) are fictional. Nothing here describes a real government.</div>")
_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)


def _with_banner(page: str) -> str:
    if 'id="synthetic-banner"' in page:
        return page
    return _BODY.sub(lambda m: m.group(0) + SYNTHETIC_BANNER, page, count=1)


def make_offline(site: Path, *, synthetic: bool = False) -> int:
    """Vendor the assets into `site` and rewrite its pages in place; the number of pages changed.
    `synthetic`: the site is a demo's, and every page gets the banner that says so."""
    vendor = site / "static" / "vendor"
    tmp = site / "static" / f".vendor-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(ASSETS, tmp, ignore=shutil.ignore_patterns("README.md", "licenses"))
    shutil.rmtree(vendor, ignore_errors=True)
    os.replace(tmp, vendor)
    changed = 0
    for page in [*site.rglob("*.html"), *(site / "static" / "styles").rglob("*.css")]:
        depth = len(page.relative_to(site).parts) - 1
        text = page.read_text(encoding="utf-8")
        new = _rewrite(text, "../" * depth)
        if synthetic and page.suffix == ".html":
            new = _with_banner(new)
        if new != text:
            part = page.with_name(f".{page.name}.tmp")
            part.write_text(new, encoding="utf-8")
            os.replace(part, page)
            changed += 1
    return changed
