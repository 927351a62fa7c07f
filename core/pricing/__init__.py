"""Option pricing: Black-Scholes-Merton prices and Greeks, implied volatility, SABR, and Fourier
(COS) prices under Heston, Bates, Merton, Variance Gamma and CGMY."""
from core.pricing.black_scholes import GREEK_NAMES, Greeks, bs_greeks, bs_price
from core.pricing.position import (LEG_KINDS, PositionLeg, format_legs, leg_kind, parse_legs,
                                   position_greeks)
from core.pricing.greek_grid import INSTRUMENTS, GreekGrid, greek_grid
from core.pricing.implied_vol import implied_vol
from core.pricing.models import (bates_price, cgmy_price, heston_price, merton_price, model_price,
                                 vg_price)
from core.pricing.sabr import sabr_alpha_from_atm, sabr_vol

__all__ = ["bs_price", "bs_greeks", "Greeks", "GREEK_NAMES", "implied_vol",
           "PositionLeg", "parse_legs", "format_legs", "position_greeks", "LEG_KINDS", "leg_kind",
           "GreekGrid", "greek_grid", "INSTRUMENTS", "sabr_vol", "sabr_alpha_from_atm",
           "heston_price", "bates_price", "merton_price", "vg_price", "cgmy_price", "model_price"]
