"""Load cells: what each plate reports, 60 times a second, in batches of 12.

The model, calibrated on the AiFi NanoStore plates (docs/twin.md):

- an absolute reading that is never zeroed: a plate's tare plus its scale
  error times the weight on it, plus drift (a linear part and a random walk);
- white noise whose standard deviation differs per plate (lognormal) and
  grows with shelf height (longer lever, more sway);
- vibration shared by a fixture's plates, small when someone walks past and
  large while a hand is in the fixture, again larger on upper shelves;
- around every take or put-back: the hand pressing the shelf before a lift
  (+5 to +60 g), a fast change spread over the plates the unit stood on, and a
  short ringing after;
- sample-and-hold repeats, lost messages, and faults (dead, stuck, drifting,
  noisy plates) when the scenario asks for them.

All devices are rendered together as one (samples x plates) array per window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from walkout.domain.layout import Layout
from walkout.eventlog.records import PlateBatch, construct
from walkout.twin.body import smoothstep
from walkout.twin.plan import Lean, ShelfAction
from walkout.twin.scenario import Clocks, LoadCells
from walkout.twin.sensors.clocks import Clock, latency

VIB_AR = (
    0.35  # vibration is nearly white at 60 Hz on the real plates (lag-1 autocorrelation ~0.1-0.3)
)


@dataclass
class PlateFault:
    col: int
    kind: str  # dead | stuck | drift | noisy
    t0: float
    t1: float
    value: float | None = None


class LoadCellBank:
    def __init__(
        self,
        layout: Layout,
        sc: LoadCells,
        clocks_sc: Clocks,
        rng: np.random.Generator,
        clocks: dict[str, Clock],
        item_load: dict[str, float],
    ):
        self.sc = sc
        self.clocks_sc = clocks_sc
        self.rng = rng
        devs = layout.devices()
        self.devices = sorted(devs)
        self.pids: list[str] = []
        self.dev_cols: list[np.ndarray] = []
        self.col_dev: list[int] = []
        for d, name in enumerate(self.devices):
            start = len(self.pids)
            self.pids.extend(devs[name])
            self.col_dev.extend([d] * len(devs[name]))
            self.dev_cols.append(np.arange(start, len(self.pids)))
        self.col_of = {p: i for i, p in enumerate(self.pids)}
        self.plate_lists = [[self.pids[c] for c in cols] for cols in self.dev_cols]
        self.col_dev_arr = np.asarray(self.col_dev)
        n = len(self.pids)
        z = np.array([layout.plate(p).center[2] for p in self.pids])
        self.fixture_of_dev = [layout.plate(devs[name][0]).fixture for name in self.devices]
        self.sigma = (
            sc.noise_floor_g + sc.noise_median_g * np.exp(rng.normal(0.0, sc.noise_log_sd, n))
        ) * (1.0 + sc.noise_height_gain * z)
        self.sigma32 = self.sigma.astype(np.float32)
        self.height_gain = 0.3 + 1.4 * np.clip(z / 1.8, 0.0, 1.2)
        self.coupling = rng.uniform(0.6, 1.4, n)
        sway = np.exp(
            rng.normal(0.0, sc.sway_log_sd, len(self.devices))
        )  # some fixtures rattle, some are stiff
        self.coupling *= sway[self.col_dev_arr]
        self.tare = rng.uniform(600.0, 3500.0, n)
        self.gain = 1.0 + rng.normal(0.0, sc.gain_sd, n)
        self.drift_rate = rng.normal(0.0, sc.drift_g_per_h, n) / 3600.0
        self.walk = np.zeros(n)
        self.items = np.array([item_load[p] for p in self.pids])
        self.phase = rng.uniform(0.0, sc.batch / sc.rate_hz, len(self.devices))
        self.seq = np.zeros(len(self.devices), dtype=np.int64)
        self.vib_state = np.zeros(len(self.devices))
        self.clocks = [clocks[d] for d in self.devices]
        self.faults: list[PlateFault] = []

    # -- faults --------------------------------------------------------------------

    def add_fault(self, pid: str, kind: str, t0: float, t1: float) -> None:
        self.faults.append(PlateFault(col=self.col_of[pid], kind=kind, t0=t0, t1=t1))

    # -- rendering -------------------------------------------------------------------

    def render(
        self,
        t0: float,
        t1: float,
        actions: list[ShelfAction],
        leans: list[Lean],
        touch: np.ndarray,
        near: np.ndarray,
    ) -> list[PlateBatch]:
        """Batches whose first sample falls in [t0, t1). ``touch``/``near`` are
        (samples, devices) envelopes of hands in, and people close to, each fixture."""
        sc = self.sc
        per = sc.batch / sc.rate_hz
        j0 = int(np.ceil(t0 / per - 1e-9))
        j1 = int(np.ceil(t1 / per - 1e-9))
        nb = j1 - j0
        if nb <= 0:
            return []
        ns = nb * sc.batch
        rng = self.rng
        P = len(self.pids)
        D = len(self.devices)
        k = np.arange(j0 * sc.batch, j1 * sc.batch)
        grid = k / sc.rate_hz

        # drift changes by micrograms within a batch: evaluate it once per batch
        walk_end = self.walk + rng.normal(
            0.0, sc.walk_g_per_sqrt_h * np.sqrt((t1 - t0) / 3600.0), P
        )
        tb = (j0 + np.arange(nb)) * per + per / 2
        frac = ((tb - t0) / (t1 - t0))[:, None]
        base = self.tare + self.gain * self.items
        per_batch = (
            base + self.drift_rate * tb[:, None] + self.walk + (walk_end - self.walk) * frac
        )  # (nb, P)
        self.walk = walk_end
        # float32 while rendering (its 0.5 mg steps at 5 kg are far below the log's 10 mg),
        # float64 in the records
        cube32 = rng.standard_normal((nb, sc.batch, P), dtype=np.float32)
        cube32 *= self.sigma32
        cube32 += per_batch.astype(np.float32)[:, None, :]
        out = cube32.reshape(ns, P)

        # vibration: only fixtures someone is near or touching shake
        amp = sc.vibration_g * touch + sc.vibration_near_g * near  # (ns, D)
        live = np.nonzero(amp.max(axis=0) > 1e-3)[0] if D else np.empty(0, int)
        src = rng.standard_normal((ns, D))
        vib, self.vib_state = _ar1(src, self.vib_state)
        for d in live:
            cols = self.dev_cols[d]
            a = (vib[:, d] * amp[:, d])[:, None] * (self.coupling[cols] * self.height_gain[cols])
            a += rng.standard_normal((ns, len(cols))) * (
                amp[:, d, None] * 0.3 * self.height_gain[cols]
            )
            out[:, cols] += a

        for a in actions:
            self._add_action(out, grid, a)
        for ln in leans:
            self._add_lean(out, grid, ln)

        if sc.hold_rate > 0:
            n_hold = int(rng.binomial(ns * P, sc.hold_rate))
            if n_hold:
                flat = rng.integers(P, ns * P, n_hold)  # never the first row
                rows, cols = flat // P, flat % P
                out[rows, cols] = out[rows - 1, cols]
        for f in self.faults:
            self._apply_fault(out, grid + self.phase[self.col_dev_arr[f.col]], f)

        cube = out.astype(np.float64).reshape(nb, sc.batch, P)
        batches: list[PlateBatch] = []
        drops = rng.random((nb, D)) < sc.drop_rate
        lat = latency(rng, self.clocks_sc, nb * D).reshape(nb, D)
        for d, cols in enumerate(self.dev_cols):
            dev = self.devices[d]
            clk = self.clocks[d]
            sub = cube[:, :, cols[0] : cols[-1] + 1]
            plates = self.plate_lists[d]
            first = (j0 + np.arange(nb)) * per + self.phase[d]
            t_dev = clk.device_time(first)
            rx = clk.epoch + first + per + 0.005 + lat[:, d]
            seq0 = int(self.seq[d])
            self.seq[d] += nb
            for b in range(nb):
                if drops[b, d]:
                    continue
                batches.append(
                    construct(
                        PlateBatch,
                        kind="plates",
                        device=dev,
                        t=float(t_dev[b]),
                        rx=float(rx[b]),
                        seq=seq0 + b + 1,
                        rate_hz=sc.rate_hz,
                        plates=plates,
                        grams=sub[b],
                    )
                )
        return batches

    def commit(self, a: ShelfAction) -> None:
        """Fold a finished action's change into the resting level."""
        sign = -1.0 if a.op == "take" else 1.0
        for pid, g in a.grams.items():
            c = self.col_of.get(pid)
            if c is not None:
                self.items[c] += sign * g

    def _add_action(self, out: np.ndarray, grid: np.ndarray, a: ShelfAction) -> None:
        """Add an action's profile (scaled by each plate's gain) to the affected columns."""
        if not a.grams or a.t_touch > grid[-1] + 1.0:
            return  # (a finished action still adds its full step until it is committed)
        total = sum(a.grams.values())
        sign = -1.0 if a.op == "take" else 1.0
        for pid, g in a.grams.items():
            c = self.col_of.get(pid)
            if c is None:
                continue
            t = grid + self.phase[self.col_dev[c]]
            share = g / total if total > 0 else 0.0
            step = smoothstep((t - a.t_change0) / max(a.t_change1 - a.t_change0, 1e-3))
            press_on = smoothstep((t - a.t_touch) / 0.12)
            if a.op == "take":
                press_off = 1.0 - smoothstep(
                    (t - a.t_change0) / max(a.t_change1 - a.t_change0, 1e-3)
                )
            else:
                press_off = 1.0 - smoothstep(
                    (t - a.t_change1) / max(a.t_release - a.t_change1, 1e-3)
                )
            press = a.press_g * share * press_on * press_off
            dt = t - a.t_change1
            ring = np.where(
                dt > 0, 0.02 * g * np.exp(-dt / 0.15) * np.sin(2 * np.pi * 5.0 * dt), 0.0
            )
            out[:, c] += self.gain[c] * (sign * g * step + press + ring)

    def _add_lean(self, out: np.ndarray, grid: np.ndarray, ln: Lean) -> None:
        if ln.t_start > grid[-1] + 1.0 or ln.t_end + 1.0 < grid[0]:
            return
        for pid, g in ln.plates.items():
            c = self.col_of.get(pid)
            if c is None:
                continue
            t = grid + self.phase[self.col_dev[c]]
            w = smoothstep((t - ln.t_start) / 0.4) * (1.0 - smoothstep((t - ln.t_end) / 0.4))
            wobble = 1.0 + 0.15 * np.sin(2 * np.pi * 0.7 * (t - ln.t_start))
            out[:, c] += self.gain[c] * g * w * wobble

    def _apply_fault(self, out: np.ndarray, t: np.ndarray, f: PlateFault) -> None:
        on = (t >= f.t0) & (t < f.t1)
        if not on.any():
            return
        if f.kind == "dead":
            out[on, f.col] = np.nan
        elif f.kind == "stuck":
            if f.value is None:
                f.value = float(out[np.argmax(on), f.col])
            out[on, f.col] = f.value
        elif f.kind == "drift":
            out[on, f.col] += 20.0 / 60.0 * (t[on] - f.t0)
        elif f.kind == "noisy":
            out[on, f.col] += self.rng.standard_normal(int(on.sum())) * self.sigma[f.col] * 10.0


def _ar1(x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-variance AR(1) along axis 0, continuing from ``state``."""
    a = VIB_AR
    y, _zf = lfilter([np.sqrt(1 - a * a)], [1.0, -a], x, axis=0, zi=(a * state)[None, :])
    return y, y[-1].copy()
