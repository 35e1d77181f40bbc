"""How much each fixture is shaken: by people walking close, and by hands in it.

These drive the load cells' vibration. Real gondolas shake visibly in the AiFi
data while a shopper is at them (1-20 g on the plates, more on upper shelves),
and barely when nobody is near.
"""

from __future__ import annotations

import numpy as np

from walkout.domain.layout import Layout
from walkout.twin.body import smoothstep
from walkout.twin.plan import Lean, ShelfAction


class Envelopes:
    def __init__(self, layout: Layout, devices: list[str]):
        devs = layout.devices()
        self.dev_index = {d: i for i, d in enumerate(devices)}
        self.plate_dev = {pid: self.dev_index[d] for d, pids in devs.items() for pid in pids}
        fx_geo = {f.id: f for f in layout.fixtures}
        rects = []
        for d in devices:
            f = fx_geo[layout.plate(devs[d][0]).fixture]
            o = f.footprint[0]
            u = f.footprint[1] - o
            v = f.footprint[3] - o
            rects.append(
                (
                    o,
                    u / np.linalg.norm(u),
                    np.linalg.norm(u),
                    v / np.linalg.norm(v),
                    np.linalg.norm(v),
                )
            )
        self.o = np.array([r[0] for r in rects]).reshape(-1, 2)
        self.u = np.array([r[1] for r in rects]).reshape(-1, 2)
        self.lu = np.array([r[2] for r in rects])
        self.v = np.array([r[3] for r in rects]).reshape(-1, 2)
        self.lv = np.array([r[4] for r in rects])
        # centre and half-diagonal of each fixture, for a quick "anywhere near?" test
        self.c = (self.o + self.u * self.lu[:, None] / 2 + self.v * self.lv[:, None] / 2).reshape(
            -1, 2
        )
        self.r = np.hypot(self.lu, self.lv) / 2

    def near(self, xy: np.ndarray) -> np.ndarray:
        """(frames, people, 2) positions (NaN when absent) -> (frames, devices) closeness."""
        out = np.zeros((xy.shape[0], len(self.o)))
        if xy.shape[1] == 0 or len(self.o) == 0:
            return out
        for i in range(xy.shape[1]):
            p = xy[:, i, :]
            ok = ~np.isnan(p[:, 0])
            if not ok.any():
                continue
            lo, hi = p[ok].min(axis=0), p[ok].max(axis=0)
            # only fixtures within reach of where this person went in the window
            gap = np.maximum(
                np.maximum(lo - self.c - self.r[:, None], self.c - self.r[:, None] - hi), 0.0
            )
            cand = np.nonzero(np.hypot(gap[:, 0], gap[:, 1]) < 1.8)[0]
            if cand.size == 0:
                continue
            rel = p[:, None, :] - self.o[cand][None, :, :]
            a = np.einsum("fdk,dk->fd", rel, self.u[cand])
            b = np.einsum("fdk,dk->fd", rel, self.v[cand])
            da = np.maximum(np.maximum(-a, a - self.lu[cand]), 0.0)
            db = np.maximum(np.maximum(-b, b - self.lv[cand]), 0.0)
            c = np.exp(-((np.hypot(da, db) / 0.6) ** 2))
            out[:, cand] += np.where(np.isnan(c), 0.0, c)
        return np.minimum(out, 2.0)

    def touch(
        self, times: np.ndarray, actions: list[ShelfAction], leans: list[Lean], decay_s: float = 1.5
    ) -> np.ndarray:
        """(samples, devices): 1 while a hand is in the fixture, fading after it leaves."""
        out = np.zeros((len(times), len(self.o)))
        if len(times) == 0:
            return out
        t0, t1 = times[0], times[-1]
        for a in actions:
            if a.t_release + 5 * decay_s + 0.3 < t0 or a.t_touch - 0.3 > t1:
                continue
            d = self.plate_dev.get(next(iter(a.grams), ""), None)
            if d is None:
                continue
            w = smoothstep((times - a.t_touch + 0.15) / 0.3) * _fade(times, a.t_release, decay_s)
            out[:, d] += w
        for ln in leans:
            if ln.t_end + 5 * decay_s + 0.3 < t0 or ln.t_start - 0.3 > t1:
                continue
            d = self.plate_dev.get(next(iter(ln.plates)), None)
            if d is None:
                continue
            w = smoothstep((times - ln.t_start + 0.15) / 0.3) * _fade(times, ln.t_end, decay_s)
            out[:, d] += 0.7 * w
        return np.minimum(out, 2.0)


def _fade(times: np.ndarray, t_end: float, decay_s: float) -> np.ndarray:
    """1 until ``t_end``, then an exponential fade (a shaken shelf rings on)."""
    if decay_s <= 0:
        return 1.0 - smoothstep((times - t_end) / 0.3)
    return np.where(times <= t_end, 1.0, np.exp(-np.maximum(times - t_end, 0.0) / decay_s))
