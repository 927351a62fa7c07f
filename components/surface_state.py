"""The surface studio's URL state: which models, SABR beta, which fit is drawn in 3D."""
from __future__ import annotations

from urllib.parse import urlencode

from components.url_state import number

__all__ = ["DEFAULTS", "MODELS", "from_query", "to_query"]

MODELS = ("svi", "ssvi", "essvi", "sabr")
DEFAULTS = dict(models=["svi", "ssvi", "sabr"], beta=0.5, show="svi")


def from_query(query: dict) -> dict:
    """State from URL query parameters; unknown values fall back to defaults.

    Parameters
    ----------
    query : dict
        The URL query, key -> text.

    Returns
    -------
    dict
        ``models`` (list), ``beta`` (SABR beta in [0, 1]) and ``show``.
    """
    models = [m for m in str(query.get("models", ",".join(DEFAULTS["models"]))).lower().split(",")
              if m in MODELS] or list(DEFAULTS["models"])
    beta = number(query, "beta", DEFAULTS["beta"], 0.0, 1.0)
    show = str(query.get("show", DEFAULTS["show"])).lower()
    return dict(models=models, beta=beta, show=show if show in MODELS else DEFAULTS["show"])


def to_query(state: dict) -> str:
    """Query string (with '?') of a state.

    Parameters
    ----------
    state : dict
        Page state.

    Returns
    -------
    str
    """
    return "?" + urlencode({"models": ",".join(state["models"]), "beta": f"{state['beta']:g}",
                            "show": state["show"]})
