"""Numbers the generator takes from real measurements, and the code that recomputes them.

The generator must not read the reference data (users run it without it), so
the fitted numbers are written into it as constants; this module is how they
were obtained, and a test checks that they still match the data.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Z90 = 1.2815515655446004  # standard normal 90th percentile


@dataclass(frozen=True)
class WeightSpread:
    """A lognormal fit to the relative standard deviation (sd / mean) of unit weights."""

    products: int  # products with >= 2 positive weighings and a non-zero spread
    zero_spread: int  # products left out because their repeated weighings were identical
    mu: float  # mean of ln(sd / mean)
    sigma: float  # standard deviation of ln(sd / mean), n - 1 in the denominator
    empirical_median: float
    empirical_p90: float

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    @property
    def p90(self) -> float:
        return math.exp(self.mu + Z90 * self.sigma)


def aim3s_weight_spread(path: str | Path) -> WeightSpread:
    """Fit the spread of unit weights in AIM3S ``product_info.json``.

    For every product with at least two positive weighings, the sample
    standard deviation (ddof = 1) over the mean; identical weighings (a zero
    spread, one product) cannot enter a lognormal and are counted apart.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    rel: list[float] = []
    zero = 0
    for p in data["products"]:
        w = np.asarray([x for x in p.get("weights", []) if x and x > 0], dtype=float)
        if w.size < 2:
            continue
        r = float(w.std(ddof=1) / w.mean())
        if r == 0.0:
            zero += 1
        else:
            rel.append(r)
    r_all = np.asarray(rel + [0.0] * zero)
    logs = np.log(np.asarray(rel))
    return WeightSpread(
        products=len(rel),
        zero_spread=zero,
        mu=float(logs.mean()),
        sigma=float(logs.std(ddof=1)),
        empirical_median=float(np.median(r_all)),
        empirical_p90=float(np.quantile(r_all, 0.9)),
    )
