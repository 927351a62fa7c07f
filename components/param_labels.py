"""How the calibrated models' parameters are shown: the symbol a quant reads in the papers and,
for tables with room, what it is and its unit (the code's names ``lam``, ``mu_j`` are not for
the screen)."""
from __future__ import annotations

__all__ = ["PARAM_SYMBOLS", "param_symbol", "param_label"]

_JUMPS = {"lam": ("λ", "jump intensity, per year"), "mu_j": ("μ_J", "mean log jump size"),
          "sigma_j": ("σ_J", "log jump size volatility")}
_HESTON = {"v0": ("v₀", "initial variance"), "kappa": ("κ", "mean reversion speed, per year"),
           "theta": ("θ", "long-run variance"), "sigma": ("σ", "volatility of variance"),
           "rho": ("ρ", "spot–variance correlation")}

#: model -> parameter name -> (symbol, what it is).
PARAM_SYMBOLS: dict[str, dict[str, tuple[str, str]]] = {
    "heston": _HESTON,
    "bates": {**_HESTON, **_JUMPS},
    "merton": {"sigma": ("σ", "diffusion volatility, per √year"), **_JUMPS},
    "vg": {"sigma": ("σ", "volatility of the subordinated Brownian motion"),
           "nu": ("ν", "variance rate of the gamma time change"), "theta": ("θ", "drift of the subordinated motion")},
    "cgmy": {"C": ("C", "overall jump activity"), "G": ("G", "decay of down jumps"),
             "M": ("M", "decay of up jumps"), "Y": ("Y", "fine structure (jump activity index)")},
}


def param_symbol(model: str | None, name: str) -> str:
    """The short symbol of a model's parameter (``"λ"`` for Merton's ``lam``), or the name itself
    for a parameter or model this does not know.

    Parameters
    ----------
    model : str or None
        The model key (``"merton"``).
    name : str
        The parameter's name in the code.

    Returns
    -------
    str
    """
    return PARAM_SYMBOLS.get(model or "", {}).get(name, (name, ""))[0]


def param_label(model: str | None, name: str) -> str:
    """The symbol and what the parameter is, for tables with room: ``"λ — jump intensity, per
    year"``; the name itself when unknown.

    Parameters
    ----------
    model : str or None
        The model key.
    name : str
        The parameter's name in the code.

    Returns
    -------
    str
    """
    sym, what = PARAM_SYMBOLS.get(model or "", {}).get(name, (name, ""))
    return f"{sym} — {what}" if what else sym
