"""Report exports on real plotly figures: HTML carries plotly.js and every figure's data; the PDF has
a title page, one page per item with its text and page numbers (pdftotext), and renders (pdftoppm)."""
from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
import io

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from callbacks.report import export, reorder  # noqa: F401
from components.report_export import ExportError, figure_images, html_report, pdf_report, tables_bundle
from components.report_items import EMPTY, document, inputs_of, move, remove
from core.pricing import bs_price


def _figure(i: int) -> dict:
    K = np.linspace(80, 120, 41)
    price = bs_price(100.0, K, 0.5, 0.02, 0.0, 0.2 + 0.01 * i, True)
    fig = go.Figure(go.Scatter(x=K.tolist(), y=price.tolist(), name=f"call {i}"),
                    layout=dict(title=f"Call value, vol {20 + i}%", xaxis_title="Strike ($)",
                                yaxis_title="Value ($)"))
    return json.loads(fig.to_json())     # what the browser holds: plain JSON


def _items(n: int) -> list[dict]:
    return [{"id": f"it{i}", "page": "Greeks", "title": f"View number {i}",
             "url": f"/greeks?greek=gamma&S=100&vol={20 + i}&legs=%2B1%20C%20100",
             "source": "Modelled SPX chain 2018-01-02", "figures": [_figure(i)],
             "tables": [{"title": "Quotes", "columns": ["K", "label"], "rows": [[100, "=cmd()"], [105, "ok"]]}]}
            for i in range(n)]


def test_document_joins_notes_and_decodes_inputs():
    doc = document(_items(2), {"title": "Desk review", "notes": {"it1": "watch the wings"}})
    assert doc["version"] == 1 and doc["title"] == "Desk review"
    assert [i["notes"] for i in doc["items"]] == ["", "watch the wings"]
    assert inputs_of(doc["items"][0]["url"]) == [("greek", "gamma"), ("S", "100"), ("vol", "20"),
                                                  ("legs", "+1 C 100")]
    json.dumps(doc)   # plain JSON


def test_move_and_remove():
    items = [{"id": c} for c in "abc"]
    assert [i["id"] for i in move(items, "c", -1)] == ["a", "c", "b"]
    assert [i["id"] for i in move(items, "a", -1)] == ["a", "b", "c"]
    assert [i["id"] for i in move(items, "a", 1)] == ["b", "a", "c"]
    assert [i["id"] for i in remove(items, "b")] == ["a", "c"]


def test_html_embeds_plotly_and_every_figure():
    items = _items(3)
    page = html_report(document(items, {"title": "Desk review", "author": "Ana"}))
    assert get_plotlyjs()[:2000] in page and "<script src=" not in page
    assert page.count('class="plotly-graph-div"') == 3
    for it in items:
        y = it["figures"][0]["data"][0]["y"]   # the browser's plain arrays
        assert json.dumps(y) .replace(" ", "") in page.replace(" ", "")
        assert it["title"] in page
    assert "Modelled SPX chain 2018-01-02" in page and "+1 C 100" in page and "Ana" in page


def test_empty_report_is_a_message():
    with pytest.raises(ExportError, match="no items"):
        html_report(document([], {}))
    with pytest.raises(ExportError) as e:
        export("pdf", [], {})
    assert str(e.value) == EMPTY


def test_pdf_missing_chromium_says_so_and_html_still_works(monkeypatch):
    monkeypatch.setenv("PARITY_CHROMIUM", "/nonexistent/chromium")
    doc = document(_items(1), {})
    with pytest.raises(ExportError, match="chromium.*not found.*HTML export works"):
        pdf_report(doc)
    assert "plotly-graph-div" in html_report(doc)


def test_pdf_crashing_chromium_says_so(tmp_path, monkeypatch):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'Segmentation fault' >&2\nexit 139\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PARITY_CHROMIUM", str(fake))
    with pytest.raises(ExportError, match="exit code 139.*HTML export still works"):
        pdf_report(document(_items(1), {}))


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (make system-deps)")
@pytest.mark.parametrize("paper,landscape,size", [("A4", True, (842, 595)), ("Letter", False, (612, 792))])
def test_pdf_pages_text_and_render(tmp_path, paper, landscape, size):
    doc = document(_items(3), {"title": "Desk review", "author": "Ana", "summary": "Three views."})
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(pdf_report(doc, paper=paper, landscape=landscape))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    w, h = (float(v) for v in info.split("Page size:")[1].split("pts")[0].split(" x "))
    assert (round(w), round(h)) == size
    pages = int(info.split("Pages:")[1].split()[0])
    assert pages >= 4                        # title page + one per item
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    first = text.split("\f")[0]
    assert "Desk review" in first and "Ana" in first and "Three views." in first
    assert f"Page 2 of {pages}" in text
    for i in range(3):
        assert f"View number {i}" in text and f"Call value, vol {20 + i}%" in text
    assert "Strike ($)" in text and "Modelled SPX chain 2018-01-02" in text
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png")).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 3000


def test_images_and_tables():
    doc = document(_items(2), {})
    z = zipfile.ZipFile(io.BytesIO(figure_images(doc, "svg")))
    names = z.namelist()
    assert len(names) == 2 and all(n.endswith(".svg") for n in names)
    assert "Strike ($)" in z.read(names[0]).decode()
    csv = zipfile.ZipFile(io.BytesIO(tables_bundle(doc, "csv")))
    body = csv.read(csv.namelist()[0]).decode()
    assert "'=cmd()" in body and "# data source: Modelled SPX chain 2018-01-02" in body
    assert tables_bundle(doc, "xlsx")[:2] == b"PK"


def test_reorder_callback_ignores_new_buttons_and_clears(monkeypatch):
    import dash._callback_context as cc
    from dash._utils import AttributeDict
    items = [{"id": "a"}, {"id": "b"}]
    ctx = AttributeDict(triggered_inputs=[{"prop_id": '{"item":"b","type":"report-up"}.n_clicks', "value": 1}])
    token = cc.context_value.set(ctx)
    try:
        assert [i["id"] for i in reorder([None, 1], [None, None], [None, None], None, items)["items"]] == ["b", "a"]
    finally:
        cc.context_value.reset(token)


def test_meeting_slides_show_each_chart_light():
    from components.report_view import slide, slides
    items = document(_items(2), {})["items"]
    items[1]["figures"].append(_figure(5))
    assert slides(items) == [(0, 0), (1, 0), (1, 1)]
    s = slide(items, {"it1": "look here"}, 2, {"title": "Desk"})
    graph = s.children[1]
    assert graph.figure["data"][0]["y"] == items[1]["figures"][1]["data"][0]["y"]
    assert graph.figure["layout"]["template"]["layout"]["paper_bgcolor"] == "white"
    assert "3 / 3" in str(s.children[0].children[0].children)
    assert "look here" in str(s.children[2])


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (make system-deps)")
def test_fifty_figures_export_whole():
    """50 items: every figure reaches the HTML and the PDF (one page per item + title page)."""
    items = _items(50)
    doc = document(items, {"title": "Fifty"})
    page = html_report(doc)
    assert page.count('class="plotly-graph-div"') == 50
    out = export("pdf", items, {"title": "Fifty"}, "Letter", True)
    import base64 as b64
    pdf = b64.b64decode(out["content"])
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    assert all(f"View number {i}" in text for i in range(50))
    assert out["filename"] == "fifty.pdf" and out["type"] == "application/pdf"
