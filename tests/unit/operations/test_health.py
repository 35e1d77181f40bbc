"""Sensor health on synthetic controller streams: each fault is found soon
after it starts, and a healthy stream raises nothing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from walkout.eventlog.records import PlateBatch, TrackFrame
from walkout.operations.config import OpsConfig
from walkout.operations.health import Health, _median0
from walkout.operations.items import Alert

PLATES = [f"G01.1.{i}" for i in range(1, 7)]
FAULT_AT = 120.0


def _stream(fault: str | None, seconds: float = 240.0, seed: int = 1, skew: float = 0.0):
    """A controller at 60 Hz, 12 samples a message, plate 3 faulty from FAULT_AT."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(600, 3000, len(PLATES))
    for k in range(int(seconds * 5)):
        t = k * 0.2
        g = level + rng.normal(0, 0.5, (12, len(PLATES)))
        ts = t + np.arange(12) / 60
        if k % 300 == 150:  # a take on plate 1 now and then
            level[0] -= 250
        on = ts >= FAULT_AT
        if fault == "dead":
            g[on, 2] = np.nan
        elif fault == "stuck":
            g[on, 2] = 1234.5
        elif fault == "drift":
            g[on, 2] += (ts[on] - FAULT_AT) * 20 / 60
        elif fault == "noisy":
            g[on, 2] += rng.normal(0, 5.0, int(on.sum()))
        off = skew if t >= FAULT_AT else 0.0
        yield PlateBatch(
            device="G01",
            t=t - off,
            rx=t + 0.03 + rng.exponential(0.02),
            rate_hz=60,
            plates=PLATES,
            grams=g,
        )


def _run(records) -> list[Alert]:
    h = Health(OpsConfig())
    out = []
    for r in records:
        out += h.apply(r)
    return [x for x in out if isinstance(x, Alert)]


@pytest.mark.parametrize("fault", ["dead", "stuck", "drift", "noisy"])
def test_plate_fault_found_within_60_s(fault: str) -> None:
    alerts = [a for a in _run(_stream(fault)) if a.kind.startswith("plate_")]
    assert alerts, fault
    first = alerts[0]
    assert first.kind == f"plate_{fault}" and first.data["plate"] == "G01.1.3"
    assert FAULT_AT <= first.t <= FAULT_AT + 60
    assert {a.data["plate"] for a in alerts} == {"G01.1.3"}


def test_healthy_controller_raises_nothing() -> None:
    assert _run(_stream(None, seconds=600)) == []


def test_device_that_stops_sending_is_offline_then_back() -> None:
    recs = [r for r in _stream(None, seconds=200) if not (100 <= r.t < 150)]
    # the tracker goes on sending meanwhile: the store's time moves on
    recs += [TrackFrame(device="trk", t=100 + k / 2, rx=100 + k / 2 + 0.01) for k in range(100)]
    recs.sort(key=lambda r: r.t)
    alerts = [a for a in _run(recs) if a.kind == "device_offline" and a.data["device"] == "G01"]
    assert [a.cleared for a in alerts] == [False, True]
    assert 100 <= alerts[0].t <= 112 and alerts[0].data["what"] == "shelf controller"


def test_clock_jump_is_found() -> None:
    alerts = [a for a in _run(_stream(None, seconds=300, skew=0.5)) if a.kind == "clock_jump"]
    assert len(alerts) == 1 and FAULT_AT <= alerts[0].t <= FAULT_AT + 60
    assert alerts[0].data["jump_s"] == pytest.approx(0.5, abs=0.05)


@given(
    rows=st.integers(1, 40),
    cols=st.integers(1, 6),
    seed=st.integers(0, 2**31),
)
def test_block_median_is_numpys_to_the_bit(rows: int, cols: int, seed: int) -> None:
    a = np.round(np.random.default_rng(seed).normal(500, 3, (rows, cols)), 2)
    assert np.array_equal(_median0(a), np.median(a, axis=0))
