"""Device clocks and network delay.

No two devices agree on the time: each has an offset and a rate error, and a
message reaches the store some milliseconds after it was sent. The log keeps
the device's time (``t``) and the store's arrival time (``rx``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from walkout.twin.scenario import Clocks


@dataclass
class Clock:
    offset_s: float
    drift_ppm: float
    epoch: float  # run start, epoch seconds
    skew_at: float = float("inf")  # a fault: the clock jumps at this run time
    skew_s: float = 0.0

    def device_time(self, t: np.ndarray | float) -> np.ndarray | float:
        """Epoch seconds the device stamps on something that happened at run time ``t``."""
        tt = np.asarray(t, dtype=float)
        out = (
            self.epoch
            + tt
            + self.offset_s
            + self.drift_ppm * 1e-6 * tt
            + np.where(tt >= self.skew_at, self.skew_s, 0.0)
        )
        return float(out) if np.ndim(out) == 0 else out


class ClockFactory:
    def __init__(self, sc: Clocks, rng: np.random.Generator, epoch: float):
        self.sc = sc
        self.rng = rng
        self.epoch = epoch

    def clock(self) -> Clock:
        return Clock(
            offset_s=float(self.rng.normal(0.0, self.sc.offset_sd_s)),
            drift_ppm=float(self.rng.normal(0.0, self.sc.drift_ppm_sd)),
            epoch=self.epoch,
        )


def latency(rng: np.random.Generator, sc: Clocks, n: int | None = None) -> np.ndarray | float:
    """Network and processing delay: lognormal around the median, capped."""
    size = 1 if n is None else n
    d = np.minimum(sc.latency_median_s * np.exp(rng.normal(0.0, 0.6, size)), sc.latency_max_s)
    return float(d[0]) if n is None else d
