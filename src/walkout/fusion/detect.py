"""Shelf weight changes, found online per plate: calm level, change, new calm level.

Each shelf controller's plates are watched together, one 0.2-s batch (12
samples) at a time, with numpy over the plates. A plate wakes when its batch
mean leaves its level by several noise sds (or its samples start to scatter:
a hand on the shelf shakes it); it settles when a few batches in a row are
calm and agree. The net change between the two calm levels is the event; a
change that comes back (a press, a lean, a shake) is a touch, not an event.
The level follows slow drift while the plate is quiet, so absolute readings
never matter, only changes (as on the real AiFi plates).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from walkout.fusion.config import EngineConfig

WARMUP_BATCHES = 5
TRACE_BATCHES = 75  # 15 s of raw samples kept per controller, for reviewers' weight traces
WAIT_CALM = (
    3  # a change not yet clear of the noise is read for up to this many times stable_batches
)


@dataclass(frozen=True)
class PlateChange:
    plate: str
    t0: float  # first sample that moved
    t1: float  # calm again from here
    delta: float  # grams, new level minus old
    pre: float
    post: float
    sigma: float  # the plate's sample noise sd
    peak: float  # largest excursion from the old level while it moved (signed)
    unstable: bool = False  # closed by time-out, never calm
    tm: float | None = None  # when the level itself first moved (t0 may be a shake before it)
    ts: float | None = None  # when it moved fastest: the lift or the set-down itself
    step: float = 0.0  # grams of that fastest 0.2 s step


@dataclass
class DeviceDetector:
    """Reports every net change that stands out of the plate's noise, however
    small: an item resting mostly on one plate leaves only a few grams on its
    neighbour, and those grams belong to the item. Whether a cluster of changes
    is big enough to be an event is the engine's call."""

    plates: list[str]
    cfg: EngineConfig
    n: int = 0
    level: np.ndarray = field(init=False)
    sigma: np.ndarray = field(init=False)
    active: np.ndarray = field(init=False)
    t0: np.ndarray = field(init=False)
    pre: np.ndarray = field(init=False)
    peak: np.ndarray = field(init=False)
    calm: np.ndarray = field(init=False)
    calm_sum: np.ndarray = field(init=False)
    calm_t: np.ndarray = field(init=False)
    calm_sd: np.ndarray = field(init=False)
    tm: np.ndarray = field(init=False)
    big_step: np.ndarray = field(init=False)  # (plates, 2): biggest 0.2-s fall, rise
    big_step_t: np.ndarray = field(init=False)
    recent_means: deque[np.ndarray] = field(init=False)
    last_mean: np.ndarray = field(init=False)
    dead: np.ndarray = field(init=False)
    trace: deque[tuple[float, float, np.ndarray]] = field(init=False)
    #: some plate is active (its change not yet settled); a checkpoint from before this
    #: field restores the class's True, and the next batch sets it right
    moving: bool = field(init=False, default=True)

    def __post_init__(self) -> None:
        m = len(self.plates)
        self.level = np.zeros(m)
        self.sigma = np.full(m, 1.0)
        self.active = np.zeros(m, dtype=bool)
        self.t0 = np.zeros(m)
        self.pre = np.zeros(m)
        self.peak = np.zeros(m)
        self.calm = np.zeros(m, dtype=np.int32)
        self.calm_sum = np.zeros(m)
        self.calm_t = np.zeros(m)
        self.last_mean = np.zeros(m)
        self.dead = np.zeros(m, dtype=bool)
        self.trace = deque(maxlen=TRACE_BATCHES)
        self.calm_sd = np.zeros(m)
        self.tm = np.full(m, np.nan)
        self.big_step = np.zeros((m, 2))
        self.big_step_t = np.full((m, 2), np.nan)
        self.recent_means = deque(maxlen=5)
        self.moving = False

    def feed(self, t: float, rate: float, grams: np.ndarray) -> list[PlateChange]:
        """One batch (samples x plates) whose first sample is at ``t``.

        Runs for every batch of every controller (2,190 a second in the
        supermarket), so the usual batch, where no plate was moving and none
        wakes, is a couple of dozen numpy calls on whole arrays; a batch in
        which some plate moves goes on in ``_moving``."""
        cfg = self.cfg
        self.trace.append((t, rate, grams))
        k = grams.shape[0]
        mean, sd, ok = _batch_stats(grams, self.level)
        if ok is not None:
            self.dead = ~ok
        self.n += 1
        if self.n <= WARMUP_BATCHES:
            w = 1.0 / self.n
            self.level = (1 - w) * self.level + w * mean if self.n > 1 else mean.copy()
            self.sigma = (
                np.maximum(sd, 0.2) if self.n == 1 else np.minimum(self.sigma, np.maximum(sd, 0.2))
            )
            self.last_mean = mean
            return []
        sigma = self.sigma
        # how far a batch mean must leave the level to wake the plate: its sd is
        # sigma / sqrt(k) but taken 1.5 times (correlated samples: fewer than k independent)
        on = sigma * 1.5
        on /= math.sqrt(k)
        on *= cfg.on_k
        np.maximum(on, cfg.on_min_g, out=on)
        dev = mean - self.level
        wake = np.abs(dev) > on
        shaken = sigma * cfg.shake_k
        shaken += 2.0
        wake |= sd > shaken  # or its samples scatter: a hand on the shelf shakes it
        if self.moving or ok is not None or np.count_nonzero(wake):
            return self._moving(t, rate, grams, mean, sd, ok, on, dev, wake)
        # nothing moves: follow drift and learn the noise (in place, the same
        # arithmetic as ``_moving``'s for its quiet plates)
        dev *= 0.05
        self.level += dev
        sigma *= 0.97
        sd *= 0.03
        sigma += sd
        np.maximum(sigma, 0.2, out=sigma)
        self.last_mean = mean
        self.recent_means.append(mean)
        return []

    def _moving(
        self,
        t: float,
        rate: float,
        grams: np.ndarray,
        mean: np.ndarray,
        sd: np.ndarray,
        ok: np.ndarray | None,
        on: np.ndarray,
        dev: np.ndarray,
        wake: np.ndarray,
    ) -> list[PlateChange]:
        """The rest of ``feed`` for a batch in which some plate was moving or wakes
        (or a reading is missing): ``on`` is each plate's wake threshold for a
        batch mean, ``dev`` its mean minus its level, ``wake`` whether it is
        out of the noise."""
        cfg = self.cfg
        k = grams.shape[0]
        out: list[PlateChange] = []

        idle = ~self.active
        wake &= idle
        if ok is not None:
            wake &= ok
        quiet = idle & ~wake
        if quiet.any():  # follow drift and learn the noise while nothing happens
            self.level[quiet] += 0.05 * dev[quiet]
            self.sigma[quiet] = np.maximum(0.97 * self.sigma[quiet] + 0.03 * sd[quiet], 0.2)
        if wake.any():
            idx = np.nonzero(wake)[0]
            thr = np.maximum(cfg.on_k * self.sigma[idx] * 0.5, cfg.on_min_g)
            moved = np.abs(grams[:, idx] - self.level[idx]) > thr
            first = np.where(moved.any(axis=0), moved.argmax(axis=0), 0)
            self.active[idx] = True
            self.t0[idx] = t + first / rate
            moved_now = np.abs(dev[idx]) > on[idx]
            self.tm[idx] = np.where(moved_now, t + first / rate, np.nan)
            rise = (dev[idx] > 0).astype(int)
            self.big_step[idx] = 0.0
            self.big_step_t[idx] = np.nan
            self.big_step[idx, rise] = np.abs(dev[idx])
            self.big_step_t[idx, rise] = t + k / (2 * rate)
            self.pre[idx] = self.level[idx]
            self.peak[idx] = dev[idx]
            self.calm[idx] = 0
            self.calm_sum[idx] = 0.0

        act = self.active & ~wake  # woke earlier: are they calm again?
        if act.any():
            idx = np.nonzero(act)[0]
            d = mean[idx] - self.pre[idx]
            first_move = np.isnan(self.tm[idx]) & (np.abs(d) > on[idx])
            if first_move.any():
                jj = idx[first_move]
                moved = np.abs(grams[:, jj] - self.pre[jj]) > np.maximum(
                    cfg.on_k * self.sigma[jj] * 0.5, cfg.on_min_g
                )
                first = np.where(moved.any(axis=0), moved.argmax(axis=0), 0)
                self.tm[jj] = t + first / rate
            bigger = np.abs(d) > np.abs(self.peak[idx])
            self.peak[idx] = np.where(bigger, d, self.peak[idx])
            signed = mean[idx] - self.last_mean[idx]
            step = np.abs(signed)
            # the biggest fall and the biggest rise, apart: a lean's press is not the lift
            rise = (signed > 0).astype(int)
            steeper = step > self.big_step[idx, rise]
            jj, rr = idx[steeper], rise[steeper]
            self.big_step[jj, rr] = step[steeper]
            self.big_step_t[jj, rr] = t  # between this batch and the last
            # calm: the level holds from batch to batch, judged against the scatter of
            # right now (a shelf someone stands at shakes, but its level does not move)
            now_mean = np.maximum(sd[idx], self.sigma[idx]) * 1.5 / np.sqrt(k)
            calm = (sd[idx] < np.maximum(cfg.stable_k * self.sigma[idx] + 1.0, cfg.shaken_sd_g)) & (
                step < np.maximum(4 * now_mean, 2.0)
            )
            if ok is not None:
                calm &= ok[idx]
            starting = calm & (self.calm[idx] == 0)
            self.calm_t[idx[starting]] = t
            self.calm[idx] = np.where(calm, self.calm[idx] + 1, 0)
            self.calm_sum[idx] = np.where(calm, self.calm_sum[idx] + mean[idx], 0.0)
            self.calm_sd[idx] = np.where(calm, np.maximum(self.calm_sd[idx], sd[idx]), 0.0)
            done = self.calm[idx] >= cfg.stable_batches
            timeout = (t - self.t0[idx] > cfg.max_active_s) & ~done
            for j in idx[done | timeout]:
                if self.calm[j] >= cfg.stable_batches:
                    post = self.calm_sum[j] / self.calm[j]
                    t1 = float(self.calm_t[j])
                    unstable = False
                    n_calm = int(self.calm[j])
                else:  # never calm: judge by the recent level, not the last batch
                    post = float(np.median([m[j] for m in self.recent_means]))
                    t1 = t
                    unstable = True
                    n_calm = cfg.stable_batches
                delta = post - self.pre[j]
                # the noise right now, not the quiet-time noise: a shaken shelf is louder
                now = max(self.sigma[j], float(self.calm_sd[j]))
                noise = now * 1.5 / np.sqrt(k * n_calm)
                clear = abs(delta) >= max(cfg.event_min_g, cfg.event_k * noise)
                # a level that moved but is not yet clear of a shaken shelf's scatter:
                # read it for longer rather than call the change noise and lose it
                if (
                    not clear
                    and not unstable
                    and n_calm < WAIT_CALM * cfg.stable_batches
                    and abs(delta) >= max(cfg.event_min_g, cfg.on_min_g)
                ):
                    continue
                if clear:
                    out.append(
                        PlateChange(
                            plate=self.plates[j],
                            t0=float(self.t0[j]),
                            t1=t1,
                            delta=float(delta),
                            pre=float(self.pre[j]),
                            post=float(post),
                            sigma=float(self.sigma[j]),
                            peak=float(self.peak[j]),
                            unstable=unstable,
                            tm=None if np.isnan(self.tm[j]) else float(self.tm[j]),
                            ts=_when(self.big_step_t[j], delta),
                            step=float(self.big_step[j, int(delta > 0)]),
                        )
                    )
                self.level[j] = post
                self.active[j] = False
                self.calm[j] = 0
        self.moving = bool(self.active.any())
        self.last_mean = mean
        self.recent_means.append(mean)
        return out

    def holding(self, plate_idx: int, grams: float) -> bool:
        """Is a plate that woke still, over the last second's batch means, within
        ``grams`` of its level before (a shelf someone shakes, not a unit gone)?"""
        if len(self.recent_means) < self.recent_means.maxlen:  # type: ignore[operator]
            return False
        recent = [m[plate_idx] for m in self.recent_means]
        return bool(max(abs(x - self.pre[plate_idx]) for x in recent) < grams)

    def busy_since(self, plate_idx: int) -> float | None:
        """When the plate woke, if it is still moving."""
        return float(self.t0[plate_idx]) if self.active[plate_idx] else None

    def samples(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Raw (times, samples x plates) kept between t0 and t1, for evidence."""
        ts, xs = [], []
        for tb, rate, g in self.trace:
            tt = tb + np.arange(g.shape[0]) / rate
            keep = (tt >= t0) & (tt <= t1)
            if keep.any():
                ts.append(tt[keep])
                xs.append(g[keep])
        if not ts:
            return np.empty(0), np.empty((0, len(self.plates)))
        return np.concatenate(ts), np.concatenate(xs)


_sum0 = np.add.reduce  # ndarray.sum's own reduction, without its Python wrapper


def _batch_stats(
    grams: np.ndarray, level: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Each plate's mean and sd over the batch, and which plates read at all (None:
    every reading is there). A plate with no reading keeps its ``level`` and sd 0.

    The same bits as ``grams.mean(axis=0)`` and ``grams.std(axis=0)`` (numpy's own
    arithmetic, without its dispatch); a missing reading is a NaN in its column's
    sum, so the sums tell whether to look for one."""
    k = grams.shape[0]
    total = _sum0(grams, 0)
    nan = total.dot(total)  # one call where a NaN anywhere shows (cheaper than any reduction)
    if nan != nan and np.isnan(grams).any():
        ok = ~np.isnan(grams).all(axis=0)
        with np.errstate(all="ignore"):
            mean = np.where(ok, np.nanmean(np.where(ok, grams, 0.0), axis=0), level)
            sd = np.where(ok, np.nanstd(np.where(ok, grams, 0.0), axis=0), 0.0)
        return mean, sd, ok
    mean = total / k
    dev = grams - mean
    np.multiply(dev, dev, out=dev)
    sd = _sum0(dev, 0)
    sd /= k
    np.sqrt(sd, out=sd)
    return mean, sd, None


def _when(step_t: np.ndarray, delta: float) -> float | None:
    """When the weight moved fastest the way it went in the end (else the other way)."""
    mine, other = step_t[int(delta > 0)], step_t[int(delta <= 0)]
    if not np.isnan(mine):
        return float(mine)
    return None if np.isnan(other) else float(other)
