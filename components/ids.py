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
