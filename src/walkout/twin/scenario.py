"""Scenarios: who comes, when, what they do, and how the sensors err.

A scenario is a preset (``easy``, ``realistic``, ``hard``) that a YAML file can
override field by field. Every behaviour that breaks real systems has a rate
here, so a benchmark can dial it up or down; docs/twin.md lists them all.
Session-level rates are the share of sessions showing the behaviour; take-level
rates the share of takes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Rate = float


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Peak(_M):
    at: float = Field(ge=0, lt=24, description="hour of day, e.g. 12.5 for 12:30")
    height: float = Field(ge=0, description="relative to the base rate of 1")
    width_h: float = Field(gt=0, description="standard deviation in hours")


REFERENCE_PEAK_PER_HOUR = 150.0  # an Amazon Go-sized convenience store at lunch
REFERENCE_AREA_M2 = 170.0


class Arrivals(_M):
    """Sessions per hour follow base + Gaussian peaks over the day, scaled so the
    busiest moment sees ``peak_per_hour``."""

    peak_per_hour: float | None = Field(
        default=None,
        ge=0,
        description="sessions per hour at the busiest moment; by default 150 for a 170 m2 store, "
        "scaling with the square root of floor area (about 575 for 2,500 m2), times busyness",
    )
    busyness: float = Field(default=1.0, ge=0, description="multiplies the default peak rate")
    base: float = Field(default=0.35, ge=0)
    peaks: list[Peak] = Field(
        default_factory=lambda: [
            Peak(at=12.5, height=1.0, width_h=0.8),
            Peak(at=15.5, height=0.7, width_h=0.8),
            Peak(at=18.0, height=0.5, width_h=1.0),
        ]
    )
    group_sizes: dict[int, float] = Field(
        default_factory=lambda: {1: 0.78, 2: 0.14, 3: 0.06, 4: 0.02},
        description="share of sessions by number of people on one credential",
    )
    card_share: float = Field(
        default=0.3, ge=0, le=1, description="entries by card tap, rest by QR"
    )
    items_mean: float = Field(
        default=4.0, gt=0, description="mean distinct products a session wants"
    )
    dwell_s: tuple[float, float] = (2.0, 8.0)

    def peak_for(self, floor_area_m2: float) -> float:
        """The peak rate for a store of this size (``peak_per_hour`` when set)."""
        if self.peak_per_hour is not None:
            return self.peak_per_hour
        return (
            REFERENCE_PEAK_PER_HOUR
            * (max(floor_area_m2, 1.0) / REFERENCE_AREA_M2) ** 0.5
            * self.busyness
        )

    walk_speed: tuple[float, float] = (0.9, 1.3)


class Behaviours(_M):
    # session-level
    put_back: Rate = Field(default=0.22, ge=0, le=1, description="pick, look, put back in place")
    wrong_shelf: Rate = Field(default=0.05, ge=0, le=1, description="put back on another shelf")
    swap_similar: Rate = Field(
        default=0.05, ge=0, le=1, description="take, return, take a look-alike"
    )
    handoff_group: Rate = Field(
        default=0.30, ge=0, le=1, description="of group sessions: hand an item over"
    )
    handoff_other: Rate = Field(
        default=0.02,
        ge=0,
        le=1,
        description="hand an item to another account (when someone is near)",
    )
    long_hold: Rate = Field(
        default=0.04, ge=0, le=1, description="carry an item in hand for minutes"
    )
    lean: Rate = Field(default=0.06, ge=0, le=1, description="rest a hand or arm on a shelf")
    conceal: Rate = Field(default=0.005, ge=0, le=1, description="hide an item on the body")
    tailgate: Rate = Field(
        default=0.005, ge=0, le=1, description="someone follows in without a credential"
    )
    # take-level
    multi_unit: Rate = Field(default=0.08, ge=0, le=1, description="several units in one grab")
    reach_across: Rate = Field(default=0.06, ge=0, le=1, description="reach past another shopper")
    simultaneous: Rate = Field(
        default=0.06, ge=0, le=1, description="take within 1 s of a neighbour"
    )
    # staff
    restock_per_hour: float = Field(default=1.0, ge=0, description="staff restocking visits")


class LoadCells(_M):
    """Calibrated on the AiFi NanoStore (see docs/twin.md and benchmarks/calibrate_noise.py)."""

    rate_hz: float = 60.0
    batch: int = Field(default=12, ge=1, description="samples per message, as AiFi's controllers")
    noise_floor_g: float = Field(default=0.3, ge=0, description="white noise sd every plate has")
    noise_median_g: float = Field(
        default=0.2, gt=0, description="median of each plate's extra noise sd"
    )
    noise_log_sd: float = Field(
        default=1.25,
        ge=0,
        description="spread of the extra noise (lognormal): a few plates are very noisy",
    )
    noise_height_gain: float = Field(
        default=0.6, ge=0, description="extra sd per metre of shelf height"
    )
    vibration_g: float = Field(
        default=6.5, ge=0, description="sd of fixture vibration when touched"
    )
    vibration_near_g: float = Field(default=1.6, ge=0, description="when someone walks close by")
    sway_log_sd: float = Field(
        default=0.7, ge=0, description="spread of how easily fixtures shake (lognormal)"
    )
    touch_decay_s: float = Field(
        default=1.5, ge=0, description="a fixture keeps shaking after a hand leaves"
    )
    hold_rate: float = Field(
        default=0.13,
        ge=0,
        le=1,
        description="a sample repeats the previous one (13 % on the NanoStore)",
    )
    gain_sd: float = Field(default=0.012, ge=0, description="per-plate scale error")
    drift_g_per_h: float = Field(default=2.0, ge=0, description="sd of per-plate linear drift")
    walk_g_per_sqrt_h: float = Field(default=1.0, ge=0, description="random-walk part of drift")
    press_g: tuple[float, float] = Field(
        default=(5.0, 60.0), description="hand pressing before a lift"
    )
    drop_rate: float = Field(default=0.001, ge=0, le=1, description="messages lost")


class Tracker(_M):
    rate_hz: float = 15.0
    jitter_m: float = Field(default=0.02, ge=0)
    hand_jitter_m: float = Field(default=0.03, ge=0)
    miss_rate: float = Field(default=0.02, ge=0, le=1, description="person missing from a frame")
    joint_miss_rate: float = Field(default=0.02, ge=0, le=1)
    swap_rate: float = Field(
        default=0.03,
        ge=0,
        le=1,
        description="chance ids swap when two people touch in passing (less when farther)",
    )


class Rfid(_M):
    miss_rate: float = Field(default=0.05, ge=0, le=1)


class Recognizer(_M):
    enabled: bool = True
    visible_rate: float = Field(
        default=0.7, ge=0, le=1, description="events a camera sees the item"
    )
    top1: float = Field(default=0.85, ge=0, le=1, description="right product ranked first")
    top_k: int = Field(default=3, ge=1, le=10)


class Clocks(_M):
    offset_sd_s: float = Field(default=0.02, ge=0)
    drift_ppm_sd: float = Field(default=20.0, ge=0)
    latency_median_s: float = Field(default=0.03, ge=0)
    latency_max_s: float = Field(default=1.0, gt=0)


class Faults(_M):
    """Sensor faults injected at random times (the ``hard`` preset turns them on)."""

    dead_plates: int = Field(default=0, ge=0)
    stuck_plates: int = Field(default=0, ge=0)
    drifting_plates: int = Field(default=0, ge=0)
    noisy_plates: int = Field(default=0, ge=0)
    clock_skew_devices: int = Field(default=0, ge=0)
    offline_devices: int = Field(
        default=0, ge=0, description="shelf controllers that stop sending for a while"
    )
    offline_s: float = Field(
        default=120.0, gt=0, description="how long an offline device is silent"
    )


class Scenario(_M):
    name: str = "realistic"
    start_hour: float = Field(default=12.0, ge=0, lt=24, description="local time the run starts")
    date: str = Field(default="2026-03-02", pattern=r"^\d{4}-\d{2}-\d{2}$")
    arrivals: Arrivals = Arrivals()
    behaviours: Behaviours = Behaviours()
    loadcells: LoadCells = LoadCells()
    tracker: Tracker = Tracker()
    rfid: Rfid = Rfid()
    recognition: Recognizer = Recognizer()
    clocks: Clocks = Clocks()
    faults: Faults = Faults()


PresetName = Literal["easy", "realistic", "hard"]
PRESETS: tuple[str, ...] = ("easy", "realistic", "hard")


def _easy() -> dict[str, Any]:
    return {
        "name": "easy",
        "arrivals": {"busyness": 0.4, "group_sizes": {1: 0.95, 2: 0.05}},
        "behaviours": {
            "put_back": 0.05,
            "wrong_shelf": 0.0,
            "swap_similar": 0.0,
            "handoff_group": 0.0,
            "handoff_other": 0.0,
            "long_hold": 0.0,
            "lean": 0.0,
            "conceal": 0.0,
            "tailgate": 0.0,
            "multi_unit": 0.03,
            "reach_across": 0.0,
            "simultaneous": 0.0,
            "restock_per_hour": 0.5,
        },
        "loadcells": {
            "noise_floor_g": 0.25,
            "noise_median_g": 0.1,
            "noise_log_sd": 0.5,
            "vibration_g": 2.0,
            "vibration_near_g": 0.5,
            "drop_rate": 0.0,
        },
        "tracker": {"jitter_m": 0.01, "hand_jitter_m": 0.015, "miss_rate": 0.0, "swap_rate": 0.0},
        "rfid": {"miss_rate": 0.0},
    }


def _hard() -> dict[str, Any]:
    r = Behaviours()
    doubled = {
        k: min(1.0, 2 * v) if k != "restock_per_hour" else 2 * v for k, v in r.model_dump().items()
    }
    return {
        "name": "hard",
        "arrivals": {"busyness": 1.5, "group_sizes": {1: 0.64, 2: 0.22, 3: 0.09, 4: 0.05}},
        "behaviours": doubled,
        "loadcells": {
            "noise_median_g": 0.35,
            "vibration_g": 9.0,
            "vibration_near_g": 2.5,
            "drop_rate": 0.005,
            "drift_g_per_h": 5.0,
        },
        "tracker": {"jitter_m": 0.035, "hand_jitter_m": 0.05, "miss_rate": 0.05, "swap_rate": 0.15},
        "rfid": {"miss_rate": 0.1},
        "recognition": {"visible_rate": 0.5, "top1": 0.7},
        "clocks": {"offset_sd_s": 0.05, "latency_max_s": 2.0},
        "faults": {
            "dead_plates": 2,
            "stuck_plates": 2,
            "drifting_plates": 2,
            "noisy_plates": 2,
            "clock_skew_devices": 1,
        },
    }


def preset(name: str) -> Scenario:
    if name == "realistic":
        return Scenario()
    if name == "easy":
        return Scenario.model_validate(_easy())
    if name == "hard":
        return Scenario.model_validate(_hard())
    raise ValueError(
        f"no scenario preset {name!r}; choose one of {', '.join(PRESETS)} or give a file"
    )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "group_sizes":
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


class ScenarioError(ValueError):
    pass


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A preset name, or a YAML file with ``preset:`` and any fields to override."""
    s = str(name_or_path)
    if s in PRESETS:
        return preset(s)
    p = Path(s)
    if not p.is_file():
        raise ScenarioError(f"no scenario {s!r}: not a file, and not one of {', '.join(PRESETS)}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ScenarioError(f"{p}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{p}: a scenario file must be a mapping of fields")
    base_name = data.pop("preset", "realistic")
    if base_name not in PRESETS:
        raise ScenarioError(f"{p}: preset: {base_name!r} is not one of {', '.join(PRESETS)}")
    base = preset(base_name).model_dump()
    data.setdefault("name", p.stem)
    try:
        return Scenario.model_validate(_merge(base, data))
    except ValidationError as e:
        msgs = []
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"])
            msgs.append(f"{p}: {loc}: {err['msg']}")
        raise ScenarioError("\n".join(msgs)) from None
