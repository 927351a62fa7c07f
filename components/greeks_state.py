"""The Greeks page's state: defaults, parsing from the URL query, and the query it writes back.

The page layout reads a query with :func:`from_query` and the callback writes the current inputs
back with :func:`to_query`, so a copied link reproduces the view.
"""
from __future__ import annotations

from urllib.parse import urlencode

from components.url_state import number
from core.pricing import GREEK_NAMES, INSTRUMENTS

__all__ = ["view_style", "DEFAULTS", "PRESETS", "from_query", "to_query", "preset_legs", "leg_vols", "readout_days"]

# The first view is the heatmap: the same numbers as the 3D surface, drawn without a WebGL
# context (the 3D view is one click away), so the page opens and redraws faster.
DEFAULTS = dict(greek="delta", inst="call", view="heatmap", S=100.0, vol=20.0, r=4.0, q=1.5,
                xlo=0.5, xhi=1.5, dlo=7.0, dhi=730.0, legs="+1 C 100, +1 P 100", lvol="")
VIEW_NAMES = ("surface", "heatmap", "slices")

# Presets as (qty, kind, strike as a fraction of spot); filled in at the current spot.
PRESETS: dict[str, list[tuple[float, str, float]]] = {
    "Long straddle": [(1, "C", 1.0), (1, "P", 1.0)],
    "Long strangle": [(1, "C", 1.1), (1, "P", 0.9)],
    "Bull call spread": [(1, "C", 1.0), (-1, "C", 1.1)],
    "Bear put spread": [(1, "P", 1.0), (-1, "P", 0.9)],
    "Long call butterfly": [(1, "C", 0.9), (-2, "C", 1.0), (1, "C", 1.1)],
    "Short iron condor": [(1, "P", 0.8), (-1, "P", 0.9), (-1, "C", 1.1), (1, "C", 1.2)],
    "Risk reversal": [(1, "C", 1.1), (-1, "P", 0.9)],
    "Covered call": [(100, "S", 0.0), (-100, "C", 1.1)],
}


def preset_legs(name: str, spot: float) -> str:
    """Legs text of a preset with strikes rounded to a sensible tick at ``spot``.

    Parameters
    ----------
    name : str
        A key of :data:`PRESETS`.
    spot : float
        Underlying price, $.

    Returns
    -------
    str
        Legs text such as ``"+1 C 100, -1 C 110"``.
    """
    tick = 1.0 if spot < 500 else 5.0
    parts = []
    for qty, kind, frac in PRESETS[name]:
        if kind == "S":
            parts.append(f"{qty:+g} S")
        else:
            parts.append(f"{qty:+g} {kind} {round(spot * frac / tick) * tick:g}")
    return ", ".join(parts)


def _num(query: dict, key: str, lo: float, hi: float) -> float:
    return number(query, key, DEFAULTS[key], lo, hi)


def from_query(query: dict) -> dict:
    """Page state from URL query parameters; unknown or out-of-range values fall back to defaults.

    Parameters
    ----------
    query : dict
        The URL query, key -> text.

    Returns
    -------
    dict
        Page state, keys of :data:`DEFAULTS`.
    """
    def pick(key, allowed):
        v = str(query.get(key, DEFAULTS[key])).lower()
        return v if v in allowed else DEFAULTS[key]

    state = dict(
        greek=pick("greek", GREEK_NAMES), inst=pick("inst", INSTRUMENTS), view=pick("view", VIEW_NAMES),
        S=_num(query, "S", 1e-6, 1e9), vol=_num(query, "vol", 0.0, 500.0),
        r=_num(query, "r", -20.0, 50.0), q=_num(query, "q", -20.0, 50.0),
        xlo=_num(query, "xlo", 0.05, 5.0), xhi=_num(query, "xhi", 0.05, 5.0),
        dlo=_num(query, "dlo", 0.0, 3650.0), dhi=_num(query, "dhi", 0.0, 3650.0),
        legs=str(query.get("legs", DEFAULTS["legs"]))[:300],
        lvol=str(query.get("lvol", ""))[:300],
    )
    if state["xlo"] >= state["xhi"]:
        state["xlo"], state["xhi"] = DEFAULTS["xlo"], DEFAULTS["xhi"]
    if state["dlo"] >= state["dhi"]:
        state["dlo"], state["dhi"] = DEFAULTS["dlo"], DEFAULTS["dhi"]
    return state


def to_query(state: dict) -> str:
    """The query string (with leading '?') of a state; legs only when they matter.

    Parameters
    ----------
    state : dict
        Page state, keys of :data:`DEFAULTS`.

    Returns
    -------
    str
    """
    keys = [k for k in DEFAULTS if k not in ("legs", "lvol") or state.get("inst") == "position"]
    return "?" + urlencode({k: state[k] for k in keys
                            if state.get(k) is not None and not (k == "lvol" and not state[k])})


def leg_vols(text: str, n_legs: int) -> tuple[float | None, ...] | None:
    """Per-leg vols in % from ``lvol`` text (``"22,28,"``: one entry per leg, empty for stock or
    "use the page vol"); None when there is none or the count no longer matches the legs.

    Parameters
    ----------
    text : str
        The ``lvol`` query text.
    n_legs : int
        Number of legs of the position.

    Returns
    -------
    tuple of (float or None), or None
        Vols in %, one per leg.
    """
    if not text:
        return None
    parts = text.split(",")
    if len(parts) != n_legs:
        return None
    out = []
    for p in parts:
        p = p.strip()
        try:
            v = float(p) if p else None
        except ValueError:
            return None
        if v is not None and not 0 < v <= 500:
            return None
        out.append(v)
    return tuple(out)


def readout_days(dlo: float, dhi: float, n: int = 4) -> tuple[int, ...]:
    """``n`` whole days spread (geometrically) over the chosen days-to-expiry range.

    Parameters
    ----------
    dlo, dhi : float
        The days-to-expiry range (calendar days; the low end floored at 1).
    n : int
        How many days.

    Returns
    -------
    tuple of int
        Up to ``n`` distinct days to expiry, ascending.
    """
    import numpy as np

    lo = max(float(dlo), 1.0)
    hi = max(float(dhi), lo + 1.0)
    return tuple(int(d) for d in np.unique(np.round(np.geomspace(lo, hi, n))))


def view_style(shown: bool) -> dict:
    """Style of one of the Greeks page's two stacked chart wrappers (2D, 3D): the hidden one keeps
    its size (``visibility``, not ``display``), so its chart stays drawn at the right size and
    comes back without a redraw.

    Parameters
    ----------
    shown : bool
        Whether this wrapper's chart is the one on screen.

    Returns
    -------
    dict
        CSS properties (React style names).
    """
    style = {"position": "absolute", "top": 0, "left": 0, "right": 0, "bottom": 0}
    return style if shown else {**style, "visibility": "hidden", "pointerEvents": "none"}
