"""Report exports of 10 figures: self-contained HTML (target <= 1 s) and PDF (target <= 5 s);
opening a shared workspace link to a rendered page (target <= 1.5 s, :mod:`benchmarks._workspace_link`).

Peers in the same run: plotly's own ``Figure.to_html(include_plotlyjs=True)`` for the 10 figures
(one page each, what the per-page exports do today), and chromium printing a one-line HTML page
(its fixed start-up cost). Figures are Black-Scholes call-value curves and a 60 x 40 Greeks
surface per item, as the pages draw them.
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from benchmarks import Row, best_time


def _doc(n: int = 10, surfaces: bool = True) -> dict:
    from components.report_items import document
    from core.pricing import bs_price

    K = np.linspace(60, 140, 60)
    T = np.linspace(0.05, 2, 40)
    items = []
    for i in range(n):
        if surfaces and i % 2:
            z = bs_price(100.0, K[None, :], T[:, None], 0.02, 0.0, 0.2, True)
            fig = go.Figure(go.Surface(x=K.tolist(), y=T.tolist(), z=z.tolist()),
                            layout=dict(title=f"Call value surface {i}"))
        else:
            fig = go.Figure(go.Scatter(x=K.tolist(), y=bs_price(100.0, K, 0.5, 0.02, 0.0, 0.2, True).tolist()),
                            layout=dict(title=f"Call value {i}", xaxis_title="Strike ($)", yaxis_title="Value ($)"))
        items.append({"id": str(i), "title": f"View {i}", "url": "/greeks?greek=gamma", "source": "model",
                      "figures": [json.loads(fig.to_json())]})
    return document(items, {"title": "Benchmark"})


def run() -> list[Row]:
    from components.report_export import chromium_path, html_report, pdf_report

    doc = _doc(10)
    flat = _doc(10, surfaces=False)
    figs = [go.Figure(f["figures"][0]) for f in doc["items"]]
    html_s = best_time(lambda: html_report(doc), repeat=3)
    peer_html = best_time(lambda: [f.to_html(include_plotlyjs=True) for f in figs], repeat=3)
    rows = [Row("report", "HTML report, 10 figures (5 3D)", html_s, peer_html, "plotly to_html x10", "s",
                "<= 1 s", f"{len(html_report(doc)) / 1e6:.1f} MB, plotly.js embedded once")]
    exe = chromium_path()
    t0 = time.perf_counter()
    pdf = pdf_report(flat, landscape=True)
    pdf_s = time.perf_counter() - t0
    # 3D surfaces: the navbar button stores the browser's PNG of each WebGL chart; stand in for it
    # with one kaleido rendering (not timed), shared by the five surface items
    import base64

    import plotly.io as pio

    from components.report_export import needs_image
    gl = [it["figures"][0] for it in doc["items"] if needs_image(it["figures"][0])]
    png = pio.to_image(gl[0], format="png", width=1100, height=600)
    for f in gl:
        f["image"] = "data:image/png;base64," + base64.b64encode(png).decode()
    t0 = time.perf_counter()
    pdf_report(doc, landscape=True)
    mixed_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        import subprocess
        page = Path(tmp) / "p.html"
        page.write_text("<p>x</p>")
        t0 = time.perf_counter()
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp}/u",
                        "--no-pdf-header-footer", f"--print-to-pdf={tmp}/p.pdf", page.as_uri()],
                       capture_output=True, timeout=60, env={"HOME": tmp, "TMPDIR": tmp, "PATH": "/usr/bin:/bin"})
        bare = time.perf_counter() - t0
    rows.append(Row("report", "PDF report, 10 2D figures (A4 landscape)", pdf_s, bare,
                    "chromium print of a 1-line page", "s", "<= 5 s",
                    f"{len(pdf) / 1e3:.0f} kB; one run; shared 2-core machine"))
    rows.append(Row("report", "PDF report, 5 2D + 5 3D (browser PNGs)", mixed_s, bare,
                    "chromium print of a 1-line page", "s", "<= 5 s", "one run; shared machine"))
    from benchmarks._workspace_link import rows as workspace_link_rows

    rows.extend(workspace_link_rows())
    return rows
