"""Operations settings per store: thresholds, the age-check policy, the
sensor-health bounds. Defaults are what the twin benchmarks were measured with."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: What happens to a session with an age-restricted item until staff checked the ID
#: (``agecheck``); ``off``: no checks (a store that sells nothing restricted).
AgePolicy = Literal["block_exit", "charge_on_verification", "remove_item", "off"]


class OpsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # inventory
    restock_share: float = Field(
        default=0.5, ge=0, le=1, description="restock below this share of a product's capacity"
    )
    restock_threshold: dict[str, int] = Field(
        default_factory=dict, description="units per product, overriding restock_share"
    )
    review_wait_s: float = Field(
        default=900.0,
        description="a misplaced put in review opens its task when labelled, or after this long",
    )
    label_memory: int = Field(
        default=20_000, description="the latest shelf events whose effect a label can correct"
    )
    # age checks
    age_policy: AgePolicy = "charge_on_verification"
    # loss prevention
    rfid_window_s: float = Field(
        default=15.0, description="an exit read belongs to exits this close"
    )
    conceal: bool = Field(default=True, description="look for the concealment hand pattern")
    conceal_rise_m: float = Field(
        default=0.06, description="taking hand held this far above the other hand, at the body"
    )
    conceal_hold_s: float = Field(default=0.8, description="... for at least this long")
    # sensor health
    block_s: float = Field(default=5.0, description="plate statistics are taken per block")
    dead_s: float = Field(default=10.0, description="no readings from a plate this long: dead")
    stuck_s: float = Field(default=10.0, description="one value this long: stuck")
    drift_blocks: int = Field(default=6, description="consecutive blocks moving one way: drifting")
    drift_min_g: float = Field(default=0.5, description="... by at least this much each block")
    drift_max_g: float = Field(default=6.0, description="... and at most this (a take is a step)")
    noisy_ratio: float = Field(default=5.0, description="noise this many times its usual: noisy")
    noisy_min_g: float = Field(default=3.0, description="... and above this sd")
    noisy_blocks: int = Field(default=4)
    offline_s: float = Field(default=10.0, description="a device silent this long has stopped")
    clock_jump_s: float = Field(
        default=0.25, description="a device clock moving this much against the store's in a minute"
    )
    clock_skew_s: float = Field(default=1.0, description="a device clock this far off its start")
