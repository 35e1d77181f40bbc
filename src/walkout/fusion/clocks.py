"""Device clocks kept from drifting apart.

Every device stamps its records with its own clock (``t``). Clocks synced at
start still drift (tens of ppm for a quartz crystal with no resync), and after
a few hours a load cell's time and the tracker's are apart by more than a hand
takes to lift an item; a clock may also jump. The store stamps each record on
arrival (``rx``). A message never arrives before it was sent, so ``rx - t`` is
the device's offset plus a delay that is never negative, and its smallest value
over the last minute is the offset plus the quickest delivery (the estimate
NTP's clock filter makes).

That smallest value also holds the device's own steady processing time (a
vision pipeline may stamp a frame seconds before it sends it), which no
arrival time can tell from a clock offset. So what is corrected is its change
since the device's first minute: drift and jumps of the device's clock, while
the clocks as they were synced at the start are trusted (real AiFi recordings,
where the tracker sends frames 2.3 s after it stamps them, stay as they are).

A device whose records carry no ``rx`` (old recordings) keeps its last
correction, or none.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from walkout.eventlog.records import (
    Ambiguity,
    AnyRecord,
    DeviceRecord,
    Header,
    PlateBatch,
    construct,
)


class _Drift:
    """The smallest ``rx - t`` over a sliding window of arrival time (a monotone
    deque: O(1) a message), against its smallest over the device's first window."""

    __slots__ = ("baseline", "offset", "q", "since", "window_s")

    def __init__(self, window_s: float, rx: float):
        self.window_s = window_s
        self.q: deque[tuple[float, float]] = deque()
        self.since = rx
        self.baseline = float("inf")
        self.offset = 0.0

    def see(self, rx: float, lag: float) -> float:
        q = self.q
        while q and q[-1][1] >= lag:
            q.pop()
        q.append((rx, lag))
        while q[0][0] < rx - self.window_s:
            q.popleft()
        if rx - self.since <= self.window_s:
            self.baseline = min(self.baseline, lag)
        self.offset = q[0][1] - self.baseline
        return self.offset


class ClockSync:
    def __init__(self, window_s: float = 60.0):
        self.window_s = window_s
        self.devices: dict[str, _Drift] = {}

    def offset(self, device: str) -> float:
        w = self.devices.get(device)
        return w.offset if w is not None else 0.0

    def shift(self, rec: DeviceRecord) -> float:
        """Seconds to add to this record's times: its device's drift since its first
        minute, updated with the record's arrival. For a plate batch the engine
        takes this alone (no corrected copy of the bulk of every log)."""
        w = self.devices.get(rec.device)
        rx = rec.rx
        if rx is not None:
            if w is None:
                w = self.devices[rec.device] = _Drift(self.window_s, rx)
            last = rec.t
            if isinstance(rec, PlateBatch):  # sent after its last sample
                last += (rec.grams.shape[0] - 1) / rec.rate_hz
            return w.see(rx, rx - last)
        return w.offset if w is not None else 0.0

    def correct(self, rec: AnyRecord) -> AnyRecord:
        """The record with its device's drift since its first minute taken out."""
        if isinstance(rec, Header):
            return rec
        off = self.shift(rec)
        if off == 0.0:  # the device's first minute, or a clock that keeps time
            return rec
        values: dict[str, Any] = {**rec.__dict__, "t": rec.t + off}
        if isinstance(rec, Ambiguity):
            values["t_start"] = rec.t_start + off
            if rec.t_end is not None:
                values["t_end"] = rec.t_end + off
        return construct(type(rec), **values)
