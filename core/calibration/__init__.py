"""Model calibration (Heston, Bates, Merton, VG, CGMY) to option chains, with uncertainty."""
from core.calibration.calibrate import CalibrationResult, calibrate
from core.calibration.objective import WEIGHTS, fitted_quotes, quotes_fingerprint
from core.calibration.views import (CalibrationView, ModelSurface, SviReference, calibration_view,
                                    model_surface)

__all__ = ["calibrate", "fitted_quotes", "quotes_fingerprint", "CalibrationResult", "WEIGHTS", "ModelSurface", "model_surface",
           "CalibrationView", "SviReference", "calibration_view"]
