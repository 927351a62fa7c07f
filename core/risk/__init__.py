"""Risk measures: value at risk and conditional value at risk (historical, Monte Carlo,
parametric normal) of P/L samples and of option strategies by full revaluation."""
from core.risk.var import (VAR_METHODS, VaRResult, parametric_cvar, parametric_var,
                           strategy_var, var_cvar)

__all__ = ["VaRResult", "var_cvar", "parametric_var", "parametric_cvar", "strategy_var",
           "VAR_METHODS"]
