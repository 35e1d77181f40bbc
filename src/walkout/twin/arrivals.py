"""When people come: a non-homogeneous Poisson process over the day.

The rate is ``base + sum of Gaussian peaks`` (lunch, mid-afternoon, evening by
default), scaled so that the busiest minute of the day runs at
``peak_per_hour``. Arrivals are drawn window by window by thinning, so a run of
any length is generated in constant memory.
"""

from __future__ import annotations

import numpy as np

from walkout.twin.scenario import Arrivals


class ArrivalCurve:
    def __init__(self, a: Arrivals, peak_per_hour: float):
        self.a = a
        self.peak = peak_per_hour
        hours = np.linspace(0, 24, 24 * 60, endpoint=False)
        self._max = float(self._shape(hours).max()) or 1.0

    def _shape(self, hour: np.ndarray) -> np.ndarray:
        c = np.full_like(hour, self.a.base, dtype=float)
        for p in self.a.peaks:
            c += p.height * np.exp(-0.5 * ((hour - p.at) / p.width_h) ** 2)
        return c

    def per_hour(self, hour: np.ndarray | float) -> np.ndarray:
        """Sessions per hour at local ``hour`` of the day."""
        h = np.asarray(hour, dtype=float) % 24
        return self.peak * self._shape(h) / self._max


def arrivals_between(
    curve: ArrivalCurve,
    rng: np.random.Generator,
    t0: float,
    t1: float,
    start_hour: float,
    rate_scale: float = 1.0,
) -> np.ndarray:
    """Arrival times in [t0, t1) (seconds since the run's start), sorted."""
    lam_max = curve.peak * rate_scale / 3600.0
    n = int(rng.poisson(lam_max * (t1 - t0)))
    if n == 0:
        return np.empty(0)
    ts = np.sort(rng.uniform(t0, t1, n))
    hours = start_hour + ts / 3600.0
    keep = rng.random(n) < curve.per_hour(hours) * rate_scale / 3600.0 / lam_max
    return ts[keep]
