"""Device clocks kept from drifting apart (fusion.clocks), and what the engine does
with it: a shelf controller whose clock jumped ahead still gives the take to the
hand that was in the shelf."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.fusion_script import (
    EPOCH,
    Entry,
    Move,
    Person,
    Reach,
    Script,
    front_of,
    lines,
    run,
    stand,
)
from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.eventlog.records import PlateBatch, TrackFrame
from walkout.fusion.clocks import ClockSync
from walkout.fusion.config import EngineConfig


def frame(t: float, rx: float | None) -> TrackFrame:
    return TrackFrame(device="tracker-1", t=t, rx=rx, people=[])


def test_drift_is_taken_out_and_the_first_offset_kept() -> None:
    """A device 0.8 s ahead at the start, drifting 100 ppm, messages delayed 5-200 ms:
    two hours on, its corrected times are still its first offset from the true ones
    (to the quickest delivery's jitter), while its own have drifted 0.72 s."""
    rng = np.random.default_rng(1)
    sync = ClockSync(window_s=60.0)
    errors, raw = [], []
    for k in range(7200 * 2):
        true = EPOCH + k * 0.5
        device = true + 0.8 + 100e-6 * (true - EPOCH)
        delay = 0.005 + float(rng.exponential(0.05))
        rec = sync.correct(frame(device, true + delay))
        errors.append(rec.t - true - 0.8)
        raw.append(device - true - 0.8)
    assert raw[-1] == pytest.approx(0.72, abs=0.001)
    assert max(abs(e) for e in errors) < 0.02


def test_a_clock_that_jumps_ahead_is_followed_at_once_and_old_minima_expire() -> None:
    sync = ClockSync(window_s=10.0)
    for k in range(200):
        sync.correct(frame(EPOCH + k * 0.1, EPOCH + k * 0.1 + 0.01))
    assert sync.offset("tracker-1") == pytest.approx(0.0)
    # the device clock jumps 0.5 s ahead: rx - t falls, the correction follows at once
    rec = sync.correct(frame(EPOCH + 20.0 + 0.5, EPOCH + 20.0 + 0.01))
    assert rec.t == pytest.approx(EPOCH + 20.0)
    # ... and back: the jump's minimum holds until it leaves the window
    rec = sync.correct(frame(EPOCH + 20.1, EPOCH + 20.1 + 0.01))
    assert rec.t == pytest.approx(EPOCH + 20.1 - 0.5)
    for k in range(2, 150):
        t = EPOCH + 20.0 + k * 0.1
        rec = sync.correct(frame(t, t + 0.01))
    assert rec.t == pytest.approx(t)


def test_offsets_of_the_first_window_are_trusted() -> None:
    """A tracker that stamps frames 2.3 s before it sends them (the real AiFi
    recordings) is not 'corrected' by 2.3 s: that is its processing, not its clock."""
    sync = ClockSync(window_s=60.0)
    for k in range(100):
        t = EPOCH + k / 15
        assert sync.correct(frame(t, t + 2.3)).t == pytest.approx(t)


def test_records_without_arrival_time_keep_their_device_time() -> None:
    sync = ClockSync()
    rec = frame(EPOCH + 1.0, None)
    assert sync.correct(rec).t == EPOCH + 1.0
    # once a device's correction is known, a record of it without rx gets it too
    sync = ClockSync(window_s=1.0)
    sync.correct(frame(EPOCH, EPOCH + 0.01))
    sync.correct(frame(EPOCH + 2.0 + 0.3, EPOCH + 2.01))  # its clock jumped 0.3 s ahead
    assert sync.correct(frame(EPOCH + 3.3, None)).t == pytest.approx(EPOCH + 3.0)


def test_a_plate_batch_is_sent_after_its_last_sample() -> None:
    sync = ClockSync()
    batch = PlateBatch(
        device="G1",
        t=EPOCH,
        rx=EPOCH + 11 / 60 + 0.01,
        rate_hz=60.0,
        plates=["G1.1.1"],
        grams=np.zeros((12, 1)),
    )
    later = batch.model_copy(update={"t": EPOCH + 10.0, "rx": EPOCH + 10.0 + 11 / 60 + 0.01})
    sync.correct(batch)
    assert sync.correct(later).t == pytest.approx(EPOCH + 10.0)


def shifted(records: list, device_prefix: str, at_s: float, by_s: float) -> list:
    """The records with one kind of device's clock jumping ``by_s`` ahead at ``at_s``
    (arrival unchanged)."""
    out = []
    for r in records:
        if isinstance(r, PlateBatch) and r.device.startswith(device_prefix) and r.t > EPOCH + at_s:
            r = r.model_copy(update={"t": r.t + by_s})
        out.append(r)
    return out


def test_a_shelf_clock_that_jumped_ahead_still_gives_the_take_to_the_hand(
    store: Store, layout: Layout
) -> None:
    """The shelf controllers' clocks jump 1.5 s ahead of the tracker's, more than the
    hand window: corrected, A's take is A's; taken as they come, nobody's hand was
    there."""
    y = front_of(layout, "G1.2.1")[1]
    a = Person("a1", stand(1.7, y, 0.5, 16.0), [Reach(5.8, 6.6, "G1.2.1")])
    b = Person("b2", stand(3.5, y + 0.3, 1.5, 16.5))
    script = Script(
        store,
        20.0,
        moves=[Move(6.2, {"G1.2.1": -435.2})],
        people=[a, b],
        entries=[Entry(0.2, "qr-a"), Entry(1.2, "qr-b")],
    )
    records = shifted(script.records(), "G", 4.0, 1.5)
    synced = run(records, store, EngineConfig(clock_window_s=2.0))
    (ev,) = synced.events
    sa = synced.session_of_track("a1")
    assert ev.session == sa and not ev.review
    assert ev.t_start == pytest.approx(EPOCH + 6.2, abs=0.15)  # on the store's clock
    assert lines(synced.receipt_of(sa)) == {"P004": 1}
    raw = run(records, store, EngineConfig(clock_sync=False))
    (ev_raw,) = raw.events
    assert ev_raw.session != raw.session_of_track("a1") or ev_raw.review
