"""The data dictionary as one file an analyst can open from disk.

`python -m ingest build --docs` runs `dbt docs generate` into DATA_DIR/reports/data_dictionary/;
its index.html fetches manifest.json and catalog.json at run time, which browsers refuse over
file://. This writes DATA_DIR/reports/data_dictionary.html with both inlined, the same way
`dbt docs generate --static` does, so a double click opens every model, column and lineage.
"""

from __future__ import annotations

import os
from pathlib import Path

from ingest.config import Paths

PLACEHOLDERS = {"manifest.json": '"MANIFEST.JSON INLINE DATA"', "catalog.json": '"CATALOG.JSON INLINE DATA"'}


def docs_dir(paths: Paths) -> Path:
    return paths.reports_dir / "data_dictionary"


def static_page(paths: Paths) -> Path:
    return paths.reports_dir / "data_dictionary.html"


def write_static_page(paths: Paths) -> Path | None:
    """Inline the JSON into dbt's index.html; None when the docs were not generated."""
    src = docs_dir(paths)
    index = src / "index.html"
    if not index.is_file():
        return None
    html = index.read_text(encoding="utf-8")
    for name, placeholder in PLACEHOLDERS.items():
        data = src / name
        if placeholder not in html or not data.is_file():
            return None
        # The JSON goes inside a <script>: "</" must not end it early.
        html = html.replace(placeholder, data.read_text(encoding="utf-8").replace("</", "<\\/"), 1)
    out = static_page(paths)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    return out
