"""Model calibration lab: Heston, Bates, Merton, Variance Gamma and CGMY as background jobs."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.calibration_figures import MODEL_LABELS, MODELS, SURFACE_VIEWS
from components.figures import GRAPH_CONFIG as _CFG, empty_figure
from components.ids import Calibration as ids
from components.ids import CalibrationSurface, Uploads
from components.url_state import link_key

dash.register_page(
    __name__, path="/calibration", name="Calibration", order=4, title="Parity · Calibration",
    description="Calibrate Heston, Bates, Merton, Variance Gamma and CGMY to a chain as background "
                "jobs with progress and cancel; parameters with confidence intervals; a registry of runs.",
)



def _models_from(query: dict) -> list[str]:
    chosen = [m for m in str(query.get("models", "heston,merton")).split(",") if m in MODELS]
    return chosen or ["heston"]


def layout(**query) -> dbc.Container:
    """Page layout; ``models``, ``weights`` and ``show`` come from the URL query, and ``runs``
    (registry ids) brings back the results of stored runs."""
    models = _models_from(query)
    weights = query.get("weights") if query.get("weights") in ("vega", "iv", "spread", "price") else "iv"
    show = query.get("show") if query.get("show") in MODELS else models[0]
    view = query.get("view") if query.get("view") in SURFACE_VIEWS else SURFACE_VIEWS[0]
    wait = empty_figure("Press Calibrate to fit the chosen models.")
    controls = dbc.Card(dbc.CardBody([
        html.H6("Option chain", className="card-title"),
        dcc.Upload(id=ids.UPLOAD, children=html.Div([
            "Drop a CSV or ", html.A("choose a file", className="link-primary")]),
            className="border border-2 rounded-3 text-center p-2 mb-1 text-body-secondary",
            style={"borderStyle": "dashed", "cursor": "pointer"}),
        html.Div(id=ids.UPLOAD_INFO, className="small text-danger"),
        dbc.Button("Use the embedded modelled SPX chain", id=ids.SAMPLE, size="sm", color="secondary",
                   outline=True, class_name="w-100 mt-1 mb-2"),
        html.Div(id=ids.DATA_INFO, className="small mb-3"),
        html.H6("Models", className="card-title"),
        dbc.Checklist(id=ids.MODELS, value=models, options=[{"label": MODEL_LABELS[m], "value": m} for m in MODELS]),
        dbc.Label("Residual weights", class_name="small fw-semibold mt-2 mb-1"),
        dbc.Select(id=ids.WEIGHTS, value=weights, size="sm", options=[
            {"label": "Implied vol (exact, default)", "value": "iv"},
            {"label": "Vega-scaled price (≈ IV, faster)", "value": "vega"},
            {"label": "Bid/ask spread", "value": "spread"}, {"label": "Price", "value": "price"}]),
        dbc.Checkbox(id=ids.WARM, value=True, label="Warm start from the last run of the same model and data",
                     class_name="small mt-2"),
        html.Div([dbc.Button("Calibrate", id=ids.RUN, color="primary", class_name="me-2"),
                  dbc.Button("Cancel", id=ids.CANCEL, color="secondary", outline=True, disabled=True)],
                 className="mt-3"),
        dbc.Progress(id=ids.PROGRESS, value=0, max=100, class_name="mt-2", style={"height": "6px"}),
        html.Div(id=ids.STATUS, className="small text-body-secondary mt-1"),
        html.Div(id=ids.SAVED, className="small mt-1"),
    ]), class_name="shadow-sm mb-3")
    return dbc.Container([
        html.Div([html.H3("Model calibration", className="mb-0"),
                  html.Div("COS pricing (Fang-Oosterlee), weighted least squares from a Sobol global stage; "
                           "OTM quotes within 0.6–1.4 × forward; 95% intervals from the Jacobian at the optimum, "
                           "on a log / logit scale (never outside a parameter's domain).",
                           className="text-body-secondary small")], className="mb-3"),
        dbc.Row([
            dbc.Col(controls, lg=3, class_name="no-print"),
            dbc.Col([
                dbc.Alert(id=ids.ALERT, is_open=False, color="danger", class_name="py-2"),
                dbc.Card(dbc.CardBody([html.H6("Fitted parameters (95% intervals on a log / logit scale, and warnings)", className="card-title"),
                                       html.Div(id=ids.PARAMS, children=html.Div(
                                           "No calibration yet.", className="text-body-secondary small"))]),
                         class_name="shadow-sm mb-3"),
                dbc.Card(dcc.Graph(id=ids.SMILES_GRAPH, figure=wait, config=_CFG), class_name="shadow-sm mb-3"),
                dbc.Row([
                    dbc.Col(dbc.Card(dcc.Graph(id=ids.RESIDUAL_GRAPH, figure=wait, style={"height": "420px"},
                                               config=_CFG), class_name="shadow-sm mb-3"), xl=6),
                    dbc.Col(dbc.Card(dcc.Graph(id=ids.CORR_GRAPH, figure=wait, style={"height": "420px"},
                                               config=_CFG), class_name="shadow-sm mb-3"), xl=6),
                ]),
                dbc.Card([
                    html.Div([
                        dbc.RadioItems(id=ids.SHOW, value=show, inline=True, class_name="small",
                                       options=[{"label": MODEL_LABELS[m], "value": m} for m in MODELS]),
                        dbc.RadioItems(  # the WebGL scene only when asked for: it is the slow part of a load
                            id=CalibrationSurface.VIEW, value=view, class_name="btn-group ms-auto",
                            input_class_name="btn-check", label_class_name="btn btn-outline-primary btn-sm",
                            label_checked_class_name="active",
                            options=[{"label": "Heatmap", "value": "heatmap"},
                                     {"label": "3D surface", "value": "3d"}]),
                    ], className="d-flex flex-wrap align-items-center gap-2 px-3 pt-2"),
                    dcc.Graph(id=ids.SURFACE_GRAPH, figure=wait, style={"height": "520px"}, config=_CFG),
                ], class_name="shadow-sm mb-3"),
            ], lg=9, class_name="print-wide"),
        ]),
        dcc.Store(id=ids.UPLOAD_STORE),
        dcc.Store(id=Uploads.CALIBRATION),
        dcc.Store(id=Uploads.CALIBRATION_LINK, data=link_key(query)),
        dcc.Store(id=ids.RESULT),
        dcc.Store(id=ids.RUN_IDS),
        dcc.Store(id=ids.RUNS_QUERY, data=[r for r in str(query.get("runs", "")).split(",") if r][:10]),
        dcc.Store(id=ids.STATE),
        dcc.Store(id=CalibrationSurface.DRAWN),
        html.Div(id=ids.URL_DUMMY, hidden=True),
    ], fluid=True, class_name="py-3")
