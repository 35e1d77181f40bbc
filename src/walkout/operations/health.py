"""Sensor health from the records themselves: dead, stuck, drifting and noisy
load cells, devices that stopped sending (shelf controllers, the tracker,
cameras), and device clocks that jumped or wandered off the store's.

Plates are judged in blocks of ``block_s`` of their controller's own samples,
so the cost is a few array operations per controller every few seconds:

- dead: no reading (NaN) for ``dead_s``;
- stuck: one value, to the hundredth of a gram, for ``stuck_s``;
- drifting: the block median moving the same way ``drift_blocks`` blocks in a
  row, each by between ``drift_min_g`` and ``drift_max_g`` (a take or a put
  is one big step, a plate's normal drift a few grams an hour);
- noisy: a robust noise estimate (median absolute sample-to-sample change)
  ``noisy_ratio`` times the plate's own first minute, for ``noisy_blocks``
  blocks, while its fixture's other plates are calm (a hand shaking the
  fixture shakes them all).

Clocks: a message never arrives before it is sent, so the smallest ``rx - t``
of a device over 10 s follows its clock's offset. A change of more than
``clock_jump_s`` within a minute is a jump; more than ``clock_skew_s`` from the
device's first minute, a skew.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from walkout.eventlog.records import AnyRecord, PlateBatch
from walkout.operations.config import OpsConfig
from walkout.operations.items import Alert, OpsItem

PERIODIC = ("plates", "tracks", "keypoints")  # kinds a live device sends all the time
CLOCK_BUCKET_S = 10.0
BASELINE_BLOCKS = 12


@dataclass
class _Plate:
    last_valid: float
    stuck_value: float | None = None
    stuck_since: float | None = None
    medians: deque[float] = field(default_factory=lambda: deque(maxlen=16))
    noise_first: list[float] = field(default_factory=list)
    loud: int = 0
    faults: set[str] = field(default_factory=set)


@dataclass
class _Device:
    plates: list[str]
    buf: list[np.ndarray] = field(default_factory=list)
    block_t0: float | None = None
    state: list[_Plate] = field(default_factory=list)


@dataclass
class _Clock:
    first_t: float
    baseline: float = np.inf
    bucket: int = -1
    bmin: float = np.inf
    history: deque[float] = field(default_factory=lambda: deque(maxlen=7))
    jumped: int = 0
    skewed: bool = False


@dataclass
class Health:
    cfg: OpsConfig
    devices: dict[str, _Device] = field(default_factory=dict)
    last_seen: dict[str, tuple[str, float, int]] = field(default_factory=dict)  # kind, t, count
    offline: set[str] = field(default_factory=set)
    clocks: dict[str, _Clock] = field(default_factory=dict)
    faulty: dict[str, str] = field(default_factory=dict)  # plate -> first fault found
    now: float = -np.inf
    next_sweep: float = -np.inf
    n: int = 0

    def _alert(
        self, kind: str, msg: str, t: float, data: dict, sev: str = "warning", cleared: bool = False
    ) -> Alert:
        self.n += 1
        key = data.get("plate") or data.get("device")
        return Alert(
            id=f"health-{kind}-{key}"[:64],
            kind=kind,
            severity=sev,  # type: ignore[arg-type]
            message=msg,
            t=t,
            cleared=cleared,
            data=data,
        )

    # -- records -----------------------------------------------------------------------

    def apply(self, rec: AnyRecord) -> list[OpsItem]:
        kind = rec.kind
        if kind == "header":
            return []
        out: list[OpsItem] = []
        t = rec.t  # type: ignore[union-attr]
        dev = rec.device  # type: ignore[union-attr]
        self.now = max(self.now, t)
        if kind in PERIODIC:
            _, _, cnt = self.last_seen.get(dev, (kind, t, 0))
            self.last_seen[dev] = (kind, t, cnt + 1)
            if dev in self.offline:
                self.offline.discard(dev)
                out.append(
                    self._alert(
                        "device_offline",
                        f"{dev} is sending again",
                        t,
                        {"device": dev},
                        "info",
                        True,
                    )
                )
        rx = rec.rx  # type: ignore[union-attr]
        if rx is not None:
            out += self._clock(dev, t, rx - t)
        if isinstance(rec, PlateBatch):
            out += self._plates(rec)
        if self.now >= self.next_sweep:
            self.next_sweep = self.now + 1.0
            out += self._sweep()
        return out

    def _sweep(self) -> list[OpsItem]:
        out: list[OpsItem] = []
        for dev, (kind, t, cnt) in sorted(self.last_seen.items()):
            if cnt >= 20 and dev not in self.offline and self.now - t > self.cfg.offline_s:
                self.offline.add(dev)
                what = {"plates": "shelf controller", "tracks": "tracker", "keypoints": "camera"}[
                    kind
                ]
                out.append(
                    self._alert(
                        "device_offline",
                        f"{what} {dev} stopped sending",
                        self.now,
                        {"device": dev, "what": what, "last": t},
                        "critical",
                    )
                )
        return out

    # -- clocks ------------------------------------------------------------------------

    def _clock(self, dev: str, t: float, off: float) -> list[OpsItem]:
        c = self.clocks.get(dev)
        if c is None:
            c = self.clocks[dev] = _Clock(first_t=t)
        b = int(t // CLOCK_BUCKET_S)
        out: list[OpsItem] = []
        if b != c.bucket and c.bucket >= 0 and np.isfinite(c.bmin):
            m = c.bmin
            if c.bucket * CLOCK_BUCKET_S < c.first_t + 60.0:
                c.baseline = min(c.baseline, m)
            elif len(c.history) == c.history.maxlen:
                if abs(m - c.history[0]) > self.cfg.clock_jump_s:
                    c.jumped += 1
                    if c.jumped == 2:
                        out.append(
                            self._alert(
                                "clock_jump",
                                f"{dev}'s clock jumped {m - c.history[0]:+.2f} s",
                                t,
                                {"device": dev, "jump_s": round(m - c.history[0], 3)},
                            )
                        )
                else:
                    c.jumped = 0
                if (
                    not c.skewed
                    and np.isfinite(c.baseline)
                    and abs(m - c.baseline) > self.cfg.clock_skew_s
                ):
                    c.skewed = True
                    out.append(
                        self._alert(
                            "clock_skew",
                            f"{dev}'s clock is {c.baseline - m:+.2f} s off the store's",
                            t,
                            {"device": dev, "skew_s": round(c.baseline - m, 3)},
                        )
                    )
            c.history.append(m)
            c.bmin = np.inf
        c.bucket = b
        c.bmin = min(c.bmin, off)
        return out

    # -- plates ------------------------------------------------------------------------

    def _plates(self, rec: PlateBatch) -> list[OpsItem]:
        d = self.devices.get(rec.device)
        if d is None or d.plates != rec.plates:
            d = self.devices[rec.device] = _Device(
                list(rec.plates), state=[_Plate(last_valid=rec.t) for _ in rec.plates]
            )
        if d.block_t0 is None:
            d.block_t0 = rec.t
        d.buf.append(rec.grams)
        t_end = rec.t + rec.n_samples / rec.rate_hz
        if t_end - d.block_t0 < self.cfg.block_s:
            return []
        g = np.vstack(d.buf)
        d.buf = []
        t0, d.block_t0 = d.block_t0, t_end
        return self._block(rec.device, d, g, t0, t_end)

    def _block(self, dev: str, d: _Device, g: np.ndarray, t0: float, t1: float) -> list[OpsItem]:
        cfg = self.cfg
        out: list[OpsItem] = []
        nan = np.isnan(g)
        valid = ~nan.all(axis=0)
        with np.errstate(all="ignore"):
            lo, hi = (
                np.nanmin(np.where(nan, np.inf, g), axis=0),
                np.nanmax(np.where(nan, -np.inf, g), axis=0),
            )
            med = np.nanmedian(g, axis=0) if valid.any() else np.full(g.shape[1], np.nan)
            dg = np.abs(np.diff(g, axis=0))
            noise = np.nanmedian(dg, axis=0) * 1.4826 / np.sqrt(2)
        ratios = []
        for j, st in enumerate(d.state):
            if st.noise_first and valid[j] and np.isfinite(noise[j]):
                ratios.append(noise[j] / max(float(np.median(st.noise_first)), 0.05))
        calm = float(np.median(ratios)) < 2.0 if ratios else True
        for j, pid in enumerate(d.plates):
            st = d.state[j]
            found: list[tuple[str, str, float]] = []
            if valid[j]:
                st.last_valid = t1
                if "dead" in st.faults:
                    st.faults.discard("dead")
                    out.append(
                        self._alert(
                            "plate_dead",
                            f"plate {pid} reads again",
                            t1,
                            {"plate": pid, "device": dev},
                            "info",
                            True,
                        )
                    )
            elif t1 - st.last_valid >= cfg.dead_s:
                found.append(("dead", "plate_dead", st.last_valid))
            if valid[j]:
                if hi[j] - lo[j] <= 0.0:
                    v = float(hi[j])
                    if st.stuck_value != v:
                        st.stuck_value, st.stuck_since = v, t0
                    elif st.stuck_since is not None and t1 - st.stuck_since >= cfg.stuck_s:
                        found.append(("stuck", "plate_stuck", st.stuck_since))
                else:
                    st.stuck_value = st.stuck_since = None
                st.medians.append(float(med[j]))
                m = list(st.medians)[-(cfg.drift_blocks + 1) :]
                if len(m) == cfg.drift_blocks + 1:
                    steps = np.diff(m)
                    mag = np.abs(steps)
                    if (
                        (np.all(steps > 0) or np.all(steps < 0))
                        and mag.min() >= cfg.drift_min_g
                        and mag.max() <= cfg.drift_max_g
                    ):
                        found.append(("drift", "plate_drift", t1 - cfg.block_s * cfg.drift_blocks))
                if np.isfinite(noise[j]):
                    if len(st.noise_first) < BASELINE_BLOCKS:
                        st.noise_first.append(float(noise[j]))
                    else:
                        base = max(float(np.median(st.noise_first)), 0.05)
                        loud = noise[j] > max(cfg.noisy_ratio * base, cfg.noisy_min_g)
                        st.loud = st.loud + 1 if loud and calm else (st.loud if loud else 0)
                        if st.loud >= cfg.noisy_blocks:
                            found.append(("noisy", "plate_noisy", t1))
            for fault, kind, since in found:
                if fault in st.faults:
                    continue
                st.faults.add(fault)
                self.faulty.setdefault(pid, fault)
                out.append(
                    self._alert(
                        kind,
                        f"plate {pid} looks {fault}; its events go to review",
                        t1,
                        {"plate": pid, "device": dev, "fault": fault, "since": round(since, 3)},
                        "critical" if fault in ("dead", "stuck") else "warning",
                    )
                )
        return out
