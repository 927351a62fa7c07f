"""The surface studio's URL state: which models, SABR beta, which fit is drawn in 3D, and
whether SVI's slices are fitted independently or jointly (no calendar crossing)."""
from __future__ import annotations

from urllib.parse import urlencode

from components.url_state import number

__all__ = ["DEFAULTS", "MODELS", "SLICES", "from_query", "to_query"]

MODELS = ("svi", "ssvi", "essvi", "sabr")
#: SVI slice modes: fitted one by one, or jointly under calendar constraints.
SLICES = ("independent", "joint")
DEFAULTS = dict(models=["svi", "ssvi", "sabr"], beta=0.5, show="svi", slices="independent")


def from_query(query: dict) -> dict:
    """State from URL query parameters; unknown values fall back to defaults.

    Parameters
    ----------
    query : dict
        The URL query, key -> text.

    Returns
    -------
    dict
        ``models`` (list), ``beta`` (SABR beta in [0, 1]), ``show`` and ``slices``
        (``"independent"`` or ``"joint"``).
    """
    models = [m for m in str(query.get("models", ",".join(DEFAULTS["models"]))).lower().split(",")
              if m in MODELS] or list(DEFAULTS["models"])
    beta = number(query, "beta", DEFAULTS["beta"], 0.0, 1.0)
    show = str(query.get("show", DEFAULTS["show"])).lower()
    slices = str(query.get("slices", DEFAULTS["slices"])).lower()
    return dict(models=models, beta=beta, show=show if show in MODELS else DEFAULTS["show"],
                slices=slices if slices in SLICES else DEFAULTS["slices"])


def to_query(state: dict) -> str:
    """Query string (with '?') of a state.

    Parameters
    ----------
    state : dict
        Page state.

    Returns
    -------
    str
        ``?models=...&beta=...&show=...``, with ``&slices=joint`` when SVI's slices are joint
        (links made before the option open as they did).
    """
    query = {"models": ",".join(state["models"]), "beta": f"{state['beta']:g}",
             "show": state["show"]}
    if state.get("slices", DEFAULTS["slices"]) != DEFAULTS["slices"]:
        query["slices"] = state["slices"]
    return "?" + urlencode(query)
