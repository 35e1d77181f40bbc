"""Does the engine mean what it says? Reliability of its stated probabilities.

Predictions are grouped into equal-width bins of their probability; in a
well-calibrated engine, the share right in each bin equals the bin's mean
probability. The expected calibration error weighs each bin's gap by its size.
"""

from __future__ import annotations

from collections.abc import Iterable

from walkout.evaluation.result import Calibration, CalibrationBin

BINS = 10


def reliability(what: str, outcomes: Iterable[tuple[float, bool]], bins: int = BINS) -> Calibration:
    """``outcomes``: (stated probability, was it right). p = 1 falls in the last bin."""
    n = [0] * bins
    p_sum = [0.0] * bins
    ok = [0] * bins
    for p, right in outcomes:
        b = min(int(p * bins), bins - 1) if p > 0 else 0
        n[b] += 1
        p_sum[b] += p
        ok[b] += bool(right)
    total = sum(n)
    rows = [
        CalibrationBin(
            lo=round(i / bins, 6),
            hi=round((i + 1) / bins, 6),
            count=n[i],
            mean_p=p_sum[i] / n[i] if n[i] else None,
            accuracy=ok[i] / n[i] if n[i] else None,
        )
        for i in range(bins)
    ]
    ece = (
        sum(n[i] / total * abs(ok[i] / n[i] - p_sum[i] / n[i]) for i in range(bins) if n[i])
        if total
        else None
    )
    return Calibration(what=what, count=total, ece=ece, bins=rows)
