"""Every component ID of the app, one class per page; reusable widgets use dict IDs."""
from __future__ import annotations


class App:
    """Application chrome (navbar, theme, page container)."""

    THEME_STORE = "app-theme-store"
    THEME_SWITCH = "app-theme-switch"
    THEME_DUMMY = "app-theme-dummy"
    NAVBAR = "app-navbar"


class Greeks:
    """The Greeks surfaces page."""

    GREEK = "greeks-greek"
    INSTRUMENT = "greeks-instrument"
    PRESET = "greeks-preset"
    LEGS = "greeks-legs"
    LEGS_FEEDBACK = "greeks-legs-feedback"
    SPOT = "greeks-spot"
    VOL = "greeks-vol"
    RATE = "greeks-rate"
    DIV = "greeks-div"
    X_RANGE = "greeks-x-range"
    DAYS_RANGE = "greeks-days-range"
    VIEW = "greeks-view"
    GRAPH = "greeks-graph"
    ALERT = "greeks-alert"
    READOUT = "greeks-readout"
    URL_DUMMY = "greeks-url-dummy"
    STATE = "greeks-state"


class Surface:
    """The volatility surface studio."""

    UPLOAD = "surface-upload"
    UPLOAD_STORE = "surface-upload-store"
    UPLOAD_INFO = "surface-upload-info"
    SAMPLE = "surface-sample"
    CHAIN_KEY = "surface-chain-key"
    CHAIN_INFO = "surface-chain-info"
    REPORT = "surface-report"
    MODELS = "surface-models"
    BETA = "surface-beta"
    SHOW = "surface-show"
    ALERT = "surface-alert"
    LOAD_ALERT = "surface-load-alert"
    SURFACE_GRAPH = "surface-3d"
    SMILES_GRAPH = "surface-smiles"
    RESIDUAL_GRAPH = "surface-residuals"
    TERM_GRAPH = "surface-term"
    COMPARE = "surface-compare"
    METRICS = "surface-metrics"
    ARBITRAGE = "surface-arbitrage"
    EXPIRIES = "surface-expiries"
    EXPORT_CSV = "surface-export-csv"
    EXPORT_JSON = "surface-export-json"
    EXPORT_HTML = "surface-export-html"
    DOWNLOAD = "surface-download"
    URL_DUMMY = "surface-url-dummy"
    STATE = "surface-state"
