"""The unit-weight spread the generator draws from is the one AIM3S measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from walkout.twin.layout import generate_store
from walkout.twin.layout.calibration import aim3s_weight_spread
from walkout.twin.layout.catalogue import REL_SD_CLIP, REL_SD_MU, REL_SD_SIGMA


@pytest.mark.realdata
def test_constants_match_the_data(shared_data: Path) -> None:
    path = shared_data / "aim3s" / "product_info.json"
    if not path.is_file():
        pytest.skip("AIM3S product_info.json not in the reference data")
    fit = aim3s_weight_spread(path)
    assert fit.products == 77 and fit.zero_spread == 1
    assert fit.mu == pytest.approx(REL_SD_MU, abs=5e-4)
    assert fit.sigma == pytest.approx(REL_SD_SIGMA, abs=5e-4)
    assert fit.median == pytest.approx(0.0114, abs=1e-4) and fit.p90 == pytest.approx(
        0.063, abs=1e-3
    )
    assert fit.empirical_median == pytest.approx(0.0130, abs=1e-4)


def test_generated_spreads_follow_the_fit() -> None:
    cat = generate_store("convenience").catalogue
    rel = np.array([p.weight_sd_g / p.weight_g for p in cat])
    assert np.median(rel) == pytest.approx(np.exp(REL_SD_MU), rel=0.3)
    assert rel.min() >= REL_SD_CLIP[0] * 0.9 and rel.max() <= REL_SD_CLIP[1] * 1.01
