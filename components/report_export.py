"""Report exports: self-contained HTML, PDF (headless chromium), PNG/SVG of every figure, tables.

All functions take the report document of :mod:`components.report_items` (plain JSON) and return
bytes or text, so tests and background callbacks call them without a browser.

- :func:`html_report`: one HTML file with plotly.js embedded once in ``<head>`` (the same bytes as
  ``include_plotlyjs=True``), so it opens offline and the charts stay interactive.
- :func:`pdf_report`: the print variant of the HTML (title page, light figures sized to the page,
  A4 or Letter, portrait or landscape, page numbers from CSS ``@page`` margin boxes) printed by
  Debian's chromium (``--headless --print-to-pdf --no-pdf-header-footer``). The binary is
  ``PARITY_CHROMIUM`` (default: ``chromium`` on the PATH, else ``/usr/bin/chromium``). Missing or
  crashing chromium raises :class:`ExportError` with a readable message; HTML export never needs it.
- :func:`figure_images`: a zip of every figure as PNG or SVG, through kaleido 1.x on the same
  chromium (one ``start_sync_server(mathjax=False)`` for all images; never ``get_chrome_sync``).
- :func:`tables_bundle`: a zip of the items' tables as formula-safe CSV, or one XLSX workbook.
"""
from __future__ import annotations

import base64
import copy
import html as _html
import io
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import plotly.io as pio
from plotly.offline import get_plotlyjs

from components.report_items import EMPTY, inputs_of

__all__ = ["ExportError", "light_figure", "figure_title", "needs_image", "to_json", "html_report", "pdf_report", "figure_images", "tables_bundle",
           "chromium_path", "PAPERS"]

#: Printable page sizes (CSS names) and their width x height in millimetres (portrait).
PAPERS = {"A4": (210, 297), "Letter": (216, 279)}
_MARGIN_MM = 12
_PX_PER_MM = 96 / 25.4
Progress = Callable[[float, str], None] | None


class ExportError(RuntimeError):
    """An export that cannot be made; the message says why and what to do."""


def _check(doc: dict) -> list[dict]:
    items = doc.get("items") if isinstance(doc, dict) else None
    if not items:
        raise ExportError(EMPTY)
    return items


def _esc(text) -> str:
    return _html.escape(str(text or ""))


def figure_title(fig: dict) -> str:
    """The first line of a figure's title (text before ``<br>``), ``""`` when untitled.

    Parameters
    ----------
    fig : dict
        A plotly figure as a dict.

    Returns
    -------
    str
    """
    title = (fig.get("layout") or {}).get("title")
    text = title.get("text") if isinstance(title, dict) else title
    return str(text or "").split("<br>")[0]


def light_figure(fig: dict, width: int | None = None, height: int | None = None) -> dict:
    """A copy of ``fig`` on the light ``plotly_white`` template (print and projector), sized.

    Parameters
    ----------
    fig : dict
        A plotly figure as a dict (not modified).
    width, height : int, optional
        Size in pixels.

    Returns
    -------
    dict
    """
    out = {"data": copy.deepcopy(fig.get("data") or []), "layout": copy.deepcopy(fig.get("layout") or {})}
    lay = out["layout"]
    lay["template"] = pio.templates["plotly_white"].to_plotly_json()
    for key in ("paper_bgcolor", "plot_bgcolor"):
        lay.pop(key, None)
    if isinstance(lay.get("font"), dict):
        lay["font"].pop("color", None)
    if width:
        lay.update(width=width, height=height, autosize=False)
    return out


#: Trace types drawn with WebGL: a printed page shows their canvas blank, so the PDF embeds them
#: as PNG images rendered by kaleido instead.
GL_TRACES = frozenset({"surface", "scatter3d", "mesh3d", "cone", "streamtube", "volume",
                       "isosurface", "scattergl", "splom", "heatmapgl", "parcoords", "scattermapbox",
                       "scattermap", "densitymap", "choroplethmap"})


def needs_image(fig: dict) -> bool:
    """True when ``fig`` has a WebGL trace (see :data:`GL_TRACES`).

    Parameters
    ----------
    fig : dict
        A plotly figure as a dict.

    Returns
    -------
    bool
    """
    return any(isinstance(t, dict) and t.get("type") in GL_TRACES for t in fig.get("data") or [])


def _figure_div(fig: dict, *, static: bool, div_id: str) -> str:
    config = {"staticPlot": True} if static else {"displaylogo": False, "responsive": True}
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, validate=False,
                       config=config, div_id=div_id, auto_play=False)


def _table_html(table: dict, max_rows: int = 200) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in table["columns"])
    rows = table["rows"][:max_rows]
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in r) + "</tr>" for r in rows)
    more = (f"<p class='muted'>{len(table['rows']) - max_rows} more rows in the table bundle.</p>"
            if len(table["rows"]) > max_rows else "")
    return (f"<h4>{_esc(table['title'])}</h4><table class='data'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{more}")


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#212529;
 margin:0 auto;max-width:1200px;padding:1rem 1.5rem;line-height:1.4}
h1{font-size:2rem;margin:.2rem 0}h2{font-size:1.4rem;margin:1.2rem 0 .4rem;border-bottom:1px solid #dee2e6}
.muted{color:#6c757d}.meta{font-size:1.05rem}
table.data{border-collapse:collapse;font-size:.85rem;margin:.3rem 0}
table.data td,table.data th{border:1px solid #dee2e6;padding:2px 6px;text-align:left}
p.inputs{font-size:.85rem;margin:.3rem 0;word-break:break-word}
p.inputs>span{display:inline-block;border:1px solid #dee2e6;border-radius:3px;padding:0 5px;margin:1px 2px}
p.inputs .k{color:#6c757d}
.notes{white-space:pre-wrap;background:#f8f9fa;border-left:3px solid #0d6efd;padding:.4rem .6rem}
.source{font-size:.85rem;color:#495057}.figure{margin:.5rem 0}
.summary{white-space:pre-wrap}.figcap{font-weight:600;margin:.2rem 0}
"""


def _print_css(paper: str, landscape: bool) -> str:
    return f"""
@page{{size:{paper} {'landscape' if landscape else 'portrait'};margin:{_MARGIN_MM}mm {_MARGIN_MM}mm 16mm;
 @bottom-center{{content:"Page " counter(page) " of " counter(pages);font-size:9pt;color:#6c757d}}}}
@page :first{{@bottom-center{{content:none}}}}
body{{max-width:none;padding:0}}
.titlepage{{break-after:page;padding-top:8%}} .titlepage h1{{font-size:2.6rem}}
.item{{break-before:page}} .figure{{break-inside:avoid}} h2{{break-after:avoid}}
"""


def _page_px(paper: str, landscape: bool) -> tuple[int, int]:
    w, h = PAPERS[paper]
    if landscape:
        w, h = h, w
    return int((w - 2 * _MARGIN_MM) * _PX_PER_MM) - 4, int((h - 2 * _MARGIN_MM - 4) * _PX_PER_MM)


def html_report(doc: dict, *, printable: bool = False, paper: str = "A4",
                landscape: bool = False, images: dict | None = None) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    doc : dict
        The report document (:func:`components.report_items.document`).
    printable : bool
        The print variant: a title page, one item per page, figures static, light and sized to
        the page, page numbers (used by :func:`pdf_report`).
    paper : {"A4", "Letter"}
    landscape : bool
    images : dict, optional
        ``{(item number, figure index): png bytes}`` shown instead of those figures (the PDF's
        WebGL figures).

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ExportError
        When the report has no items or ``paper`` is unknown.
    """
    items = _check(doc)
    if paper not in PAPERS:
        raise ExportError(f"paper must be one of {', '.join(PAPERS)}, got {paper!r}")
    width, height = _page_px(paper, landscape)
    fig_h = int(min(height * 0.52, width * 0.6))
    parts: list[str] = []
    title = _esc(doc.get("title"))
    byline = " · ".join(_esc(x) for x in (doc.get("author"), doc.get("date")) if x)
    contents = "".join(f"<li>{_esc(i['title'])}</li>" for i in items)
    parts.append(f"<section class='titlepage'><h1>{title}</h1><p class='meta muted'>{byline}</p>"
                 + (f"<div class='summary'>{_esc(doc.get('summary'))}</div>" if doc.get("summary") else "")
                 + f"<h3>Contents</h3><ol>{contents}</ol></section>")
    for n, item in enumerate(items, 1):
        rows = " ".join(f"<span><span class='k'>{_esc(k)}</span> {_esc(v)}</span>"
                        for k, v in inputs_of(item["url"]))
        path = item["url"].split("?")[0]
        block = [f"<section class='item'><h2>{n}. {_esc(item['title'])}</h2>",
                 f"<p class='muted'>Page {_esc(item['page'] or path)} · <code>{_esc(path)}</code>"
                 + (f" · added {_esc(item['added'][:16].replace('T', ' '))}" if item["added"] else "") + "</p>"]
        block.append(f"<p class='inputs'><b>Inputs:</b> {rows}</p>" if rows
                     else "<p class='muted'>Inputs: the page defaults (no query string).</p>")
        if item["source"]:
            block.append(f"<p class='source'><b>Data source:</b> {_esc(item['source'])}</p>")
        if item["notes"]:
            block.append(f"<div class='notes'>{_esc(item['notes'])}</div>")
        for k, fig in enumerate(item["figures"]):
            if images and (n, k) in images:
                src = base64.b64encode(images[(n, k)]).decode()
                block.append(f"<div class='figure'><p class='figcap'>{_esc(figure_title(fig))}</p>"
                             f"<img alt='{_esc(figure_title(fig))}' style='max-width:100%;"
                             f"max-height:{fig_h}px' src='data:image/png;base64,{src}'></div>")
                continue
            fig = light_figure(fig, width, fig_h) if printable else fig
            block.append(f"<div class='figure'>{_figure_div(fig, static=printable, div_id=f'fig-{n}-{k}')}</div>")
        if not item["figures"] and not item["tables"]:
            block.append("<p class='muted'>This view had no charts.</p>")
        block.extend(_table_html(t) for t in item["tables"])
        block.append("</section>")
        parts.append("".join(block))
    css = _CSS + (_print_css(paper, landscape) if printable else "")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>{css}</style>"
            f"<script type='text/javascript'>{get_plotlyjs()}</script></head>"
            f"<body>{''.join(parts)}</body></html>")


def chromium_path() -> str | None:
    """The chromium binary: ``PARITY_CHROMIUM`` when set (even if it does not exist), else
    ``chromium`` on the PATH, else ``/usr/bin/chromium`` if present, else ``None``.

    Returns
    -------
    str or None
    """
    env = os.environ.get("PARITY_CHROMIUM")
    if env:
        return env
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


_NO_CHROMIUM = ("PDF export needs the Debian chromium browser, which was not found{where}. Install it "
                "with `apt-get install -y chromium` (or `make system-deps`), or set PARITY_CHROMIUM to "
                "its path. HTML export works without it.")


def pdf_report(doc: dict, *, paper: str = "A4", landscape: bool = False, timeout: float = 120,
               progress: Progress = None) -> bytes:
    """The report as PDF bytes, printed by headless chromium from :func:`html_report`.

    Parameters
    ----------
    doc : dict
        The report document (:func:`components.report_items.document`).
    paper : {"A4", "Letter"}
        Paper size.
    landscape : bool
        Landscape pages.
    timeout : float
        Seconds chromium may take.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    ExportError
        No items, chromium missing, crashing or timing out (the message says which).
    """
    progress = progress or (lambda f, m: None)
    items = _check(doc)
    exe = chromium_path()
    if not exe or not (Path(exe).exists() or shutil.which(exe)):
        raise ExportError(_NO_CHROMIUM.format(where=f" at {exe!r}" if exe else " on this server"))
    if paper not in PAPERS:
        raise ExportError(f"paper must be one of {', '.join(PAPERS)}, got {paper!r}")
    gl = [(n, k, f) for n, item in enumerate(items, 1) for k, f in enumerate(item["figures"]) if needs_image(f)]
    images = {(n, k): base64.b64decode(f["image"].split(",", 1)[1]) for n, k, f in gl if f.get("image")}
    gl = [g for g in gl if (g[0], g[1]) not in images]
    if gl:
        progress(0.05, f"drawing {len(gl)} 3D/WebGL chart(s) as images")
        width, height = _page_px(paper, landscape)
        fig_h = int(min(height * 0.52, width * 0.6))
        images = _render(exe, [( (n, k), light_figure(f, width, fig_h)) for n, k, f in gl], "png", width, fig_h,
                         lambda f, m: progress(0.05 + 0.4 * f, m))
    progress(0.5, "building the page")
    page = html_report(doc, printable=True, paper=paper, landscape=landscape, images=images)
    with tempfile.TemporaryDirectory(prefix="parity-pdf-") as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_text(page, encoding="utf-8")
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-extensions", "--enable-unsafe-swiftshader", f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
               "--run-all-compositor-stages-before-draw", f"--print-to-pdf={out}", src.as_uri()]
        env = {**os.environ, "TMPDIR": tmp, "XDG_CONFIG_HOME": tmp, "XDG_CACHE_HOME": tmp, "HOME": tmp}
        progress(0.6, "printing with chromium")
        try:
            run = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise ExportError(f"Chromium did not finish printing the PDF within {timeout:.0f} s; try "
                              "fewer items, or export HTML.") from None
        except OSError as exc:
            raise ExportError(_NO_CHROMIUM.format(where=f" ({exc.strerror}: {exe})")) from None
        if run.returncode != 0 or not out.exists() or out.stat().st_size == 0:
            tail = run.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise ExportError(f"Chromium failed to print the PDF (exit code {run.returncode}: "
                              f"{tail[0][:200]}). HTML export still works.")
        progress(1.0, "done")
        return out.read_bytes()


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    return "-".join(p for p in keep.split("-") if p)[:50] or "figure"


def _render(exe: str, figs: list, fmt: str, width: int, height: int, progress: Progress,
            scale: float = 1) -> dict:
    """``{key: image bytes}`` for ``[(key, figure), ...]``, one kaleido server for all of them."""
    progress = progress or (lambda f, m: None)
    try:
        import kaleido
    except ImportError:
        raise ExportError("Image export needs the kaleido package (pip install -r requirements.txt).") from None
    os.environ.setdefault("BROWSER_PATH", shutil.which(exe) or exe)
    try:
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    except Exception as exc:  # already running (another export in this process) is fine
        if "already" not in str(exc).lower():
            raise ExportError(f"Could not start the image renderer (kaleido on chromium): {exc}") from None
    out = {}
    try:
        for j, (key, fig) in enumerate(figs):
            progress(j / len(figs), f"figure {j + 1} of {len(figs)}")
            out[key] = pio.to_image(fig, format=fmt, width=width, height=height, scale=scale,
                                    validate=False)
    except Exception as exc:
        raise ExportError(f"Drawing the charts as images failed (kaleido on chromium): {exc}. "
                          "HTML export still works.") from None
    finally:
        try:
            kaleido.stop_sync_server(silence_warnings=True)
        except Exception:
            pass
    return out


def figure_images(doc: dict, fmt: str = "png", *, width: int = 1100, height: int = 650,
                  progress: Progress = None) -> bytes:
    """A zip of every figure as ``fmt`` ("png" or "svg"), light theme, through kaleido.

    Parameters
    ----------
    doc : dict
        The report document.
    fmt : {"png", "svg"}
        Image format.
    width, height : int
        Image size in pixels.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    bytes
        The zip archive.

    Raises
    ------
    ExportError
        No items or figures, unknown ``fmt``, or chromium/kaleido unavailable.
    """
    items = _check(doc)
    if fmt not in ("png", "svg"):
        raise ExportError(f"fmt must be 'png' or 'svg', got {fmt!r}")
    figs = [(n, k, item, f) for n, item in enumerate(items, 1) for k, f in enumerate(item["figures"], 1)]
    if not figs:
        raise ExportError("The report's items have no charts to export as images.")
    progress = progress or (lambda f, m: None)
    exe = chromium_path()
    if not exe or not (Path(exe).exists() or shutil.which(exe)):
        raise ExportError(_NO_CHROMIUM.format(where=f" at {exe!r}" if exe else "").replace("PDF", "Image"))
    names = {(n, k): f"{n:02d}-{k}-{_slug(figure_title(fig) or item['title'])}.{fmt}"
             for n, k, item, fig in figs}
    out = _render(exe, [((n, k), light_figure(fig, width, height)) for n, k, item, fig in figs], fmt,
                  width, height, progress)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for key, data in out.items():
            z.writestr(names[key], data)
    progress(1.0, "done")
    return buf.getvalue()


def tables_bundle(doc: dict, fmt: str = "csv") -> bytes:
    """The items' tables: a zip of formula-safe CSV files (``fmt="csv"``) or one XLSX workbook
    (``fmt="xlsx"``, one sheet per table). Each CSV starts with the item title, inputs and source.

    Parameters
    ----------
    doc : dict
        The report document.
    fmt : {"csv", "xlsx"}
        Zip of CSV files, or one workbook.

    Returns
    -------
    bytes
    """
    import pandas as pd

    from components.export import safe_csv

    items = _check(doc)
    tables = [(n, k, item, t) for n, item in enumerate(items, 1) for k, t in enumerate(item["tables"], 1)]
    if not tables:
        raise ExportError("The report's items have no tables; charts export as HTML, PDF or images.")
    buf = io.BytesIO()
    if fmt == "csv":
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for n, k, item, t in tables:
                df = pd.DataFrame(t["rows"], columns=t["columns"] or None)
                header = {"report item": item["title"], "table": t["title"], "url": item["url"],
                          "data source": item["source"]}
                z.writestr(f"{n:02d}-{k}-{_slug(t['title'] or item['title'])}.csv", safe_csv(df, header=header))
    elif fmt == "xlsx":
        with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
            for n, k, item, t in tables:
                pd.DataFrame(t["rows"], columns=t["columns"] or None).to_excel(
                    xw, sheet_name=f"{n}-{k} {_slug(t['title'])}"[:31], index=False)
    else:
        raise ExportError(f"fmt must be 'csv' or 'xlsx', got {fmt!r}")
    return buf.getvalue()


def to_json(doc: dict) -> str:
    """The report document as JSON text (what a workspace stores).

    Parameters
    ----------
    doc : dict
        The report document.

    Returns
    -------
    str
    """
    return json.dumps(doc, separators=(",", ":"), default=str)
