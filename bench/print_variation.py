"""Print-variation harness: every HTML report fixture printed and converted the ways users' software
does, each reading compared cell by cell with the HTML parse of the same page (the truth).

`python -m bench print-variation [--only NAME…] [--formats pdf,ofd,docx,doc,scan,markdown] [--scans N] [-v]`

Variants of each page (tests/fixtures/html/*.html and tests/fixtures/printed/html/*.html):
- pdf: headless Chromium (`--print-to-pdf`) with CSS injected so page breaks fall elsewhere —
  A4 with the browser's header and footer, A5 with narrow margins, Letter landscape, A4 at
  75% (`zoom`), A4 with a 60 mm top margin — and LibreOffice Writer's HTML import → PDF;
- ofd: each of those PDFs rewritten as OFD by `ofd_from_pdf` below (every character a
  TextObject at its place, every drawn rule or bar a PathObject: an independent writer, not
  the parser's own reading of the PDF);
- docx, doc: LibreOffice's conversion of the HTML page;
- markdown: the page as PDF converters write markdown (bench/markdown_variants.py: marker's
  pipe tables with a long table broken in two, MinerU's HTML tables, pandoc's gfm and grid
  tables), read as a markdown file;
- scan: the first `--scans` Chromium A4/A5 prints rendered at 150 dpi in grey, turned, blurred
  and speckled (Pillow), packed as an image-only PDF and read through OCR (slow: 10–25 s each).
The real reports at hand (../shared/corpus/*.pdf) are also converted to OFD and compared with
their own text-layer reading.

Each variant is compared with the truth over every cell of tables 2–4: right (same value), null
(the parser left it null — the never-guess answer) or WRONG (a number the truth does not hold).
Converted files are cached under $PRINT_VARIATION_CACHE (default /tmp/print-variation-cache),
by the hash of their source and recipe. Missing tools (chromium, soffice) skip their variants.
Returns 1 when any cell is wrong.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from bench import markdown_variants

REPO = Path(__file__).resolve().parent.parent
HTML_DIRS = [REPO / "tests" / "fixtures" / "html", REPO / "tests" / "fixtures" / "printed" / "html"]
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
NOT_REPORTS = {"not_a_report", "truncated"}
TIMEOUT = 120

# name → CSS injected before printing (None: the page as it is)
CHROMIUM = {
    "a4": None,
    "a5": "@page{size:A5;margin:10mm}",
    "letter-landscape": "@page{size:letter landscape;margin:12mm}",
    "a4-75": "@page{size:A4;margin:15mm} html{zoom:0.75}",
    "a4-top60": "@page{size:A4;margin:60mm 20mm 15mm 20mm}",
}
WORD_FILTERS = {"docx": "docx:MS Word 2007 XML", "doc": "doc:MS Word 97"}
FORMATS = ("pdf", "ofd", "docx", "doc", "scan", "markdown")


def cache_dir() -> Path:
    d = Path(os.environ.get("PRINT_VARIATION_CACHE", "/tmp/print-variation-cache"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _cached(key: str, suffix: str, make) -> bytes | None:
    path = cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:20]}{suffix}"
    if path.is_file():
        return path.read_bytes()
    data = make()
    if data is not None:
        path.write_bytes(data)
    return data


def inject_css(html: bytes, css: str) -> bytes:
    """The page with a <style> element added (bytes level: the page's own encoding is kept)."""
    tag = f"<style>{css}</style>".encode()
    low = html[:4096].lower()
    i = low.find(b"<head")
    if i >= 0:
        j = html.find(b">", i) + 1
        return html[:j] + tag + html[j:]
    return tag + html


def tool(name: str) -> str | None:
    return shutil.which(name) or (shutil.which("chromium-browser") if name == "chromium" else None)


def chromium_print(html: bytes, css: str | None) -> bytes | None:
    exe = tool("chromium")
    if not exe:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "page.html"
        src.write_bytes(inject_css(html, css) if css else html)
        out = Path(tmp) / "out.pdf"
        flags = [] if css is None else ["--no-pdf-header-footer"]
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp}/profile",
                        *flags, f"--print-to-pdf={out}", src.as_uri()],
                       check=True, timeout=TIMEOUT, capture_output=True)
        return out.read_bytes()


def soffice_convert(html: bytes, target: str, suffix: str) -> bytes | None:
    """LibreOffice's conversion of an HTML page (target: pdf:writer_pdf_Export | docx | doc)."""
    exe = tool("soffice")
    if not exe:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "page.html"
        src.write_bytes(html)
        profile = Path(tmp) / "profile"
        out = Path(tmp) / "out"
        out.mkdir()
        subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                        "--infilter=HTML (StarWriter)", "--convert-to", target, "--outdir", str(out), str(src)],
                       check=True, timeout=TIMEOUT, capture_output=True, start_new_session=True)
        made = list(out.glob(f"*{suffix}"))
        return made[0].read_bytes() if made else None


# ---- PDF → OFD: an independent writer over pdfplumber's objects ---------------------------
_NS = "http://www.ofdspec.org/2016"
_MM = 25.4 / 72  # points → millimetres


def ofd_from_pdf(pdf: bytes) -> bytes:
    """The PDF as an OFD package: every character a TextObject at its box (baseline from its
    size), every rectangle, line and curve a PathObject (filled or stroked as drawn)."""
    import pdfplumber

    pages_xml: list[tuple[float, float, str]] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            objs: list[str] = []
            n = 1
            for ch in page.chars:
                text = ch.get("text") or ""
                if not text.strip() or not ch.get("upright", True):
                    continue
                size = float(ch.get("size") or (ch["bottom"] - ch["top"]))
                x, top = ch["x0"] * _MM, ch["top"] * _MM
                w, h = max(ch["x1"] - ch["x0"], 0.1) * _MM, max(ch["bottom"] - ch["top"], 0.1) * _MM
                n += 1
                objs.append(f'<ofd:TextObject ID="{n}" Boundary="{x:.3f} {top:.3f} {w + 0.5:.3f} {h:.3f}" '
                            f'Size="{size * _MM:.3f}" Font="2"><ofd:FillColor Value="0 0 0"/>'
                            f'<ofd:TextCode X="0" Y="{h * 0.86:.3f}">{escape(text)}</ofd:TextCode></ofd:TextObject>')
            for kind in ("rects", "lines", "curves"):
                for o in getattr(page, kind):
                    pts = o.get("pts") or []
                    if kind == "rects" or not pts:
                        pts = [(o["x0"], o["top"]), (o["x1"], o["top"]), (o["x1"], o["bottom"]),
                               (o["x0"], o["bottom"])]
                        closed = kind == "rects"
                    else:
                        closed = kind == "curves" and bool(o.get("fill"))
                    x0 = min(p[0] for p in pts) * _MM
                    y0 = min(p[1] for p in pts) * _MM
                    w = max(p[0] for p in pts) * _MM - x0
                    h = max(p[1] for p in pts) * _MM - y0
                    path = " ".join(("M" if i == 0 else "L") + f" {p[0] * _MM - x0:.3f} {p[1] * _MM - y0:.3f}"
                                    for i, p in enumerate(pts)) + (" C" if closed else "")
                    fill = bool(o.get("fill"))
                    stroke = bool(o.get("stroke", True)) if kind != "rects" else bool(o.get("stroke"))
                    if not fill and not stroke:
                        continue
                    n += 1
                    objs.append(f'<ofd:PathObject ID="{n}" Boundary="{x0:.3f} {y0:.3f} {max(w, 0.01):.3f} '
                                f'{max(h, 0.01):.3f}" LineWidth="0.25" Fill="{str(fill).lower()}" '
                                f'Stroke="{str(stroke).lower()}"><ofd:FillColor Value="0 0 0"/>'
                                f'<ofd:StrokeColor Value="0 0 0"/><ofd:AbbreviatedData>{path}'
                                '</ofd:AbbreviatedData></ofd:PathObject>')
            pages_xml.append((float(page.width) * _MM, float(page.height) * _MM,
                              f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{_NS}">'
                              f'<ofd:Area><ofd:PhysicalBox>0 0 {float(page.width) * _MM:.3f} '
                              f'{float(page.height) * _MM:.3f}</ofd:PhysicalBox></ofd:Area><ofd:Content>'
                              f'<ofd:Layer ID="1">{"".join(objs)}</ofd:Layer></ofd:Content></ofd:Page>'))
    out = io.BytesIO()
    w0, h0 = (pages_xml[0][0], pages_xml[0][1]) if pages_xml else (210.0, 297.0)
    refs = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages_xml)))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{_NS}" Version="1.0" '
                   f'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>print-variation</ofd:DocID></ofd:DocInfo>'
                   f'<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        z.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{_NS}">'
                   f'<ofd:CommonData><ofd:MaxUnitID>1</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 '
                   f'{w0:.3f} {h0:.3f}</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml'
                   f'</ofd:PublicRes></ofd:CommonData><ofd:Pages>{refs}</ofd:Pages></ofd:Document>')
        z.writestr("Doc_0/PublicRes.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{_NS}" '
                   'BaseLoc="Res"><ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
        for i, (_, _, xml) in enumerate(pages_xml):
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", xml)
    return out.getvalue()


def scan_of(pdf: bytes, seed: int = 1) -> bytes:
    """A copier's image-only PDF of the pages: 150 dpi grey, turned, blurred, speckled."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    doc = pdfium.PdfDocument(pdf)
    try:
        imgs = [doc[i].render(scale=150 / 72, grayscale=True).to_pil().convert("L") for i in range(len(doc))]
    finally:
        doc.close()
    out_imgs = []
    for k, img in enumerate(imgs):
        rng = random.Random(seed + k)
        im = img.rotate(0.4 if k % 2 == 0 else -0.3, resample=Image.BICUBIC, fillcolor=255)
        im = im.filter(ImageFilter.GaussianBlur(0.7))
        px = im.load()
        w, h = im.size
        for _ in range(int(w * h * 0.0015)):
            px[rng.randrange(w), rng.randrange(h)] = rng.choice((0, 40, 90, 255))
        out_imgs.append(im)
    buf = io.BytesIO()
    out_imgs[0].save(buf, "PDF", save_all=True, append_images=out_imgs[1:], resolution=150, quality=60)
    return buf.getvalue()


# ---- comparison ----------------------------------------------------------------------------
@dataclass
class Score:
    right: int = 0
    null: int = 0
    wrong: int = 0
    wrong_cells: list[str] = field(default_factory=list)

    @property
    def cells(self) -> int:
        return self.right + self.null + self.wrong

    def add(self, other: Score) -> None:
        self.right += other.right
        self.null += other.null
        self.wrong += other.wrong
        self.wrong_cells += other.wrong_cells


def compare(truth: dict, got: dict | None) -> Score:
    """Every cell of tables 2–4 the truth holds: right, null or wrong in `got`; a number where
    the truth holds a null is wrong too."""
    s = Score()
    for t in ("table2", "table3", "table4"):
        tt = truth.get(t) or {}
        gt = (got or {}).get(t) or {}
        for row, cols in tt.items():
            if not isinstance(cols, dict):
                continue
            grow = gt.get(row) if isinstance(gt.get(row), dict) else {}
            for col, tv in cols.items():
                gv = grow.get(col)
                if tv is None:
                    if gv is not None:
                        s.wrong += 1
                        s.wrong_cells.append(f"{t} {row}/{col}: {gv} (truth null)")
                    continue
                if gv is None:
                    s.null += 1
                elif gv == tv:
                    s.right += 1
                else:
                    s.wrong += 1
                    s.wrong_cells.append(f"{t} {row}/{col}: {gv} (truth {tv})")
    return s


@dataclass
class Variant:
    source: str  # fixture name
    fmt: str  # pdf | ofd | docx | doc | scan
    recipe: str  # how it was made
    data: bytes
    suffix: str


def sources(only: list[str] | None) -> list[Path]:
    out = []
    for d in HTML_DIRS:
        for p in sorted(d.glob("*.html")):
            if p.stem in NOT_REPORTS or (only and p.stem not in only):
                continue
            out.append(p)
    return out


def variants(html_path: Path, formats: set[str], recipes: list[str] | None = None,
             scans: int = 0) -> list[Variant]:
    """Every printed and converted form of one HTML page (cached)."""
    html = html_path.read_bytes()
    h = hashlib.sha256(html).hexdigest()
    name = html_path.stem
    out: list[Variant] = []
    pdfs: list[tuple[str, bytes]] = []
    want = recipes or [*(f"chromium-{k}" for k in CHROMIUM), "libreoffice"]
    if formats & {"pdf", "ofd", "scan"}:
        for key, css in CHROMIUM.items():
            if f"chromium-{key}" not in want:
                continue
            data = _cached(f"{h}:chromium:{css}", ".pdf", lambda css=css: chromium_print(html, css))
            if data:
                pdfs.append((f"chromium-{key}", data))
        if "libreoffice" in want:
            data = _cached(f"{h}:soffice:pdf", ".pdf",
                           lambda: soffice_convert(html, "pdf:writer_pdf_Export", ".pdf"))
            if data:
                pdfs.append(("libreoffice", data))
    for recipe, data in pdfs:
        if "pdf" in formats:
            out.append(Variant(name, "pdf", recipe, data, ".pdf"))
        if "ofd" in formats:
            ofd = _cached(f"{hashlib.sha256(data).hexdigest()}:ofd", ".ofd", lambda data=data: ofd_from_pdf(data))
            out.append(Variant(name, "ofd", recipe, ofd, ".ofd"))
    if "scan" in formats:
        for recipe, data in [p for p in pdfs if p[0] in ("chromium-a4", "chromium-a5")][:scans]:
            scan = _cached(f"{hashlib.sha256(data).hexdigest()}:scan150", ".pdf", lambda data=data: scan_of(data))
            out.append(Variant(name, "scan", recipe, scan, ".pdf"))
    if "markdown" in formats:
        for style in markdown_variants.STYLES:
            data = _cached(f"{h}:markdown:{style}", ".md", lambda style=style: markdown_variants.convert(html, style))
            if data:
                out.append(Variant(name, "markdown", f"md-{style}", data, ".md"))
    for fmt in ("docx", "doc"):
        if fmt in formats:
            data = _cached(f"{h}:soffice:{fmt}", f".{fmt}", lambda fmt=fmt: soffice_convert(html, WORD_FILTERS[fmt], f".{fmt}"))
            if data:
                out.append(Variant(name, fmt, "libreoffice", data, f".{fmt}"))
    return out


def score_variant(v: Variant, truth: dict) -> tuple[Score, str | None]:
    from ingest.errors import UserError
    from ingest.parse import parse_bytes

    try:
        got = parse_bytes(v.data, filename=f"{v.source}{v.suffix}")
    except UserError as exc:
        return compare(truth, None), str(exc).splitlines()[0]
    return compare(truth, got), None


def run(only: list[str] | None, formats: set[str], scans: int, verbose: bool,
        recipes: list[str] | None = None) -> dict[str, Score]:
    from ingest.parse import parse_path

    totals: dict[str, Score] = {f: Score() for f in FORMATS if f in formats}
    for path in sources(only):
        truth = parse_path(path)
        for v in variants(path, formats, recipes, scans):
            s, err = score_variant(v, truth)
            totals[v.fmt].add(s)
            if verbose or s.wrong or err:
                print(f"   {v.fmt:5} {v.recipe:26} {v.source:22} right {s.right:4} null {s.null:4} "
                      f"wrong {s.wrong:3}{'  ' + err if err else ''}", flush=True)
                for w in s.wrong_cells[:8 if not verbose else None]:
                    print(f"         WRONG {w}")
    if "ofd" in formats and not only:
        # the real reports at hand: their OFD copy against their own text-layer reading
        from ingest.parse import parse_bytes

        for pdf in sorted(CORPUS.glob("*.pdf")):
            truth = parse_bytes(pdf.read_bytes(), filename=pdf.name)
            data = pdf.read_bytes()
            ofd = _cached(f"{hashlib.sha256(data).hexdigest()}:ofd", ".ofd", lambda data=data: ofd_from_pdf(data))
            s, err = score_variant(Variant(pdf.stem, "ofd", "corpus", ofd, ".ofd"), truth)
            totals["ofd"].add(s)
            if verbose or s.wrong or err:
                print(f"   ofd   corpus                     {pdf.stem:22} right {s.right:4} null {s.null:4} "
                      f"wrong {s.wrong:3}{'  ' + err if err else ''}")
    return totals


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench print-variation", description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="fixture names (default: every HTML report fixture)")
    ap.add_argument("--formats", default="pdf,ofd,docx,doc,scan,markdown", help="comma-separated: " + ",".join(FORMATS))
    ap.add_argument("--scans", type=int, default=1, help="scans per fixture (OCR is slow; default 1)")
    ap.add_argument("-v", "--verbose", action="store_true", help="a line for every variant")
    args = ap.parse_args(argv)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # Chromium's Type-3 fonts: FontBBox notes
    formats = {f for f in args.formats.split(",") if f}
    if not (tool("chromium") or tool("soffice")):
        print("   skipped: neither chromium nor soffice is installed")
        return 0
    totals = run(args.only, formats, args.scans, args.verbose)
    print("   -- print variation: cells of tables 2–4 against the HTML parse of the same page")
    print(f"   {'format':6} {'cells':>6} {'right':>7} {'null':>6} {'wrong':>6}")
    for fmt, s in totals.items():
        pct = 100.0 * s.right / s.cells if s.cells else 0.0
        print(f"   {fmt:6} {s.cells:6} {pct:6.1f}% {s.null:6} {s.wrong:6}")
    return 1 if any(s.wrong for s in totals.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
