"""Pages that show a chain's data-source note show the modelled chain's label."""
from __future__ import annotations

from callbacks.surface import chain_info
from core.data import sample_chain
from tests.real_data import spx_2011_chain


def test_surface_chain_info_shows_the_modelled_label():
    text = str(chain_info(sample_chain()).to_plotly_json())
    assert "Modelled chain for 2018-12-31, from the S&P 500 close and VIX" in text
    real = str(chain_info(spx_2011_chain()).to_plotly_json())
    assert "odelled" not in real and "2011-01-24" in real
