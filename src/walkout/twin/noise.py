"""Load-cell noise statistics, measured the same way on real and simulated plates.

Per plate: cut the samples into 1-second windows, remove each window's linear
trend (drift and slow changes are not noise), take the standard deviation, and
keep the median over windows (so a few windows with an event in them do not
count). Channels that never change (unconnected inputs) are left out. The twin
is calibrated so that these numbers match the AiFi NanoStore's; a test keeps
them matched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel

from walkout.eventlog.records import PlateBatch


class NoiseStats(BaseModel):
    plates: int
    p10: float
    p50: float
    p90: float
    p99: float
    max: float
    window_p90: float  # over all (plate, second) pairs: how loud the busy seconds get
    window_p99: float


def window_sds(x: np.ndarray, rate_hz: float, window_s: float = 1.0) -> np.ndarray:
    """(windows, plates) detrended standard deviations of an (n, plates) array."""
    w = round(rate_hz * window_s)
    n = (x.shape[0] // w) * w
    if n == 0:
        return np.empty((0, x.shape[1]))
    win = x[:n].reshape(-1, w, x.shape[1])
    t = np.arange(w) - (w - 1) / 2
    d = win - np.nanmean(win, axis=1, keepdims=True)
    slope = np.nansum(d * t[None, :, None], axis=1) / np.sum(t * t)
    res = d - slope[:, None, :] * t[None, :, None]
    return np.nanstd(res, axis=1)


def noise_stats(per_plate_series: dict[str, np.ndarray], rate_hz: float = 60.0) -> NoiseStats:
    meds: list[float] = []
    wins: list[np.ndarray] = []
    for x in per_plate_series.values():
        x = x[~np.isnan(x)]
        if len(x) < rate_hz * 3 or np.ptp(x) < 0.05:
            continue
        sd = window_sds(x[:, None], rate_hz)[:, 0]
        meds.append(float(np.median(sd)))
        wins.append(sd)
    if not meds:
        raise ValueError("no live plates with at least 3 s of samples")
    m = np.array(meds)
    w = np.concatenate(wins)
    q = np.percentile(m, [10, 50, 90, 99])
    return NoiseStats(
        plates=len(m),
        p10=round(float(q[0]), 3),
        p50=round(float(q[1]), 3),
        p90=round(float(q[2]), 3),
        p99=round(float(q[3]), 3),
        max=round(float(m.max()), 3),
        window_p90=round(float(np.percentile(w, 90)), 3),
        window_p99=round(float(np.percentile(w, 99)), 3),
    )


def series_from_records(records: Iterable[object]) -> tuple[dict[str, np.ndarray], float]:
    """Concatenate each plate's samples from a stream of records (gaps ignored)."""
    parts: dict[str, list[np.ndarray]] = defaultdict(list)
    rate = 60.0
    for r in records:
        if isinstance(r, PlateBatch):
            rate = r.rate_hz
            for j, pid in enumerate(r.plates):
                parts[pid].append(r.grams[:, j])
    return {k: np.concatenate(v) for k, v in parts.items()}, rate
