"""Implied-volatility surfaces: SVI, SSVI and SABR fits, arbitrage diagnostics, smile metrics.

``fit_svi(chain)``, ``fit_ssvi(chain)``, ``fit_essvi(chain)`` (SSVI slices with their own
``rho`` per expiry) and ``fit_sabr(chain, beta=0.5)`` return a frozen
:class:`SurfaceFit` (``implied_vol(K, T)``, ``rmse_iv``, ``params``, ``residuals()``,
``arbitrage()``, ``metrics()``, ``to_dict()/from_dict()``). ``check_arbitrage`` gives an
:class:`ArbitrageReport`; ``smile_metrics`` the ATM vol, skew, 25-delta risk reversal and
butterfly per expiry. Formulas are public too: ``svi_total_variance``, ``svi_g``,
``durrleman_g``, ``ssvi_total_variance``, ``ssvi_phi``, ``ssvi_to_raw``.
"""
from core.surface.fits import (fit_essvi, fit_sabr, fit_ssvi, fit_svi, surface_from_params,
                               warm_kernels)
from core.surface.diagnostics import (ArbitrageReport, atm_term_structure, check_arbitrage,
                                      crossed_expiries, delta_strike, smile_metrics)
from core.surface.quotes import BAND_FLOOR, MIN_QUOTES, atm_vol_estimate
from core.surface.result import MODELS, PARAM_NAMES, SurfaceFit
from core.surface.ssvi import ssvi_phi, ssvi_to_raw, ssvi_total_variance
from core.surface.svi import durrleman_g, svi_derivatives, svi_g, svi_total_variance

__all__ = ["fit_svi", "fit_ssvi", "fit_essvi", "fit_sabr", "surface_from_params", "warm_kernels",
           "SurfaceFit", "ArbitrageReport", "check_arbitrage", "crossed_expiries", "smile_metrics",
           "atm_term_structure", "delta_strike", "MODELS", "PARAM_NAMES", "MIN_QUOTES",
           "BAND_FLOOR", "atm_vol_estimate", "svi_total_variance", "svi_derivatives", "svi_g",
           "durrleman_g", "ssvi_total_variance", "ssvi_phi", "ssvi_to_raw"]
