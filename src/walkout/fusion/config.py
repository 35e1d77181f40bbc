"""Engine settings: thresholds and priors, each with why it has its value.

Defaults are tuned on the twin's ``realistic`` scenario and checked on the real
AiFi NanoStore session; ``docs/engine.md`` explains each.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EngineConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # -- review ------------------------------------------------------------------
    review_threshold: float = Field(
        default=0.95,
        gt=0,
        lt=1,
        description="a receipt line below this probability goes to a human",
    )

    # -- shelf events -------------------------------------------------------------
    on_k: float = Field(
        default=6.0, description="a plate wakes when its 0.2 s mean moves this many noise sds"
    )
    on_min_g: float = Field(default=4.0, description="... and at least this many grams")
    shake_k: float = Field(
        default=4.0, description="or when its samples scatter this many times their usual sd"
    )
    stable_batches: int = Field(
        default=3, ge=1, description="0.2 s batches that must agree before a change ends"
    )
    shaken_sd_g: float = Field(
        default=15.0,
        description="a shaken shelf can be calm (its level holding) with samples this scattered",
    )
    stable_k: float = Field(
        default=3.0, description="a batch is calm when its sd is under this many noise sds"
    )
    event_min_g: float = Field(default=3.0, description="smaller net changes on a plate are noise")
    event_share: float = Field(
        default=0.3,
        description="an event must move this share of the lightest product where it happened",
    )
    event_cap_g: float = Field(
        default=50.0, description="... but never needs more than this many grams"
    )
    event_store_share: float = Field(
        default=0.6,
        description="... nor more than this share of the store's lightest product (misplaced units)",
    )
    event_cap_min_g: float = Field(
        default=25.0,
        description="... nor, for that, less than this many grams (the NanoStore lists 0.2 g products)",
    )
    event_k: float = Field(
        default=6.0, description="... or smaller than this many noise sds of a level"
    )
    max_active_s: float = Field(
        default=25.0, description="a plate that never settles is closed after this"
    )
    group_gap_s: float = Field(
        default=0.4, description="changes on neighbouring plates this close in time are one event"
    )

    # -- products -----------------------------------------------------------------
    gain_sd: float = Field(
        default=0.02,
        description="relative error of a plate's scale (real: 2.4 % on the AiFi bottle)",
    )
    weight_floor_g: float = Field(
        default=1.5, description="added to every weight sd: detection noise"
    )
    weight_outlier_p: float = Field(
        default=0.02,
        ge=0,
        lt=1,
        description=(
            "share of events measured far off (a hand pressing or bumping the shelf as"
            " it settles): on the twin 1 % of events are over 9 % off, 0.1 % over 18 %"
        ),
    )
    weight_outlier_sd: float = Field(
        default=0.05, description="... their error, as a share of the expected grams"
    )
    max_units: int = Field(default=8, ge=1, description="most units of one product in one grab")
    multi_unit_logprior: float = Field(
        default=-2.5, description="log prior of a second unit in one grab"
    )
    more_units_logprior: float = Field(
        default=-0.7, description="log prior of each unit beyond the second"
    )
    mixed_logprior: float = Field(
        default=-4.0, description="log prior of two products in one event"
    )
    unknown_loglik: float = Field(
        default=-14.5,
        description=(
            "log density of 'none of the candidates': 1/5 kg times a 0.25 % prior (with"
            " 0.5 %, 46 of 1,472 twin events gave it 1-20 % and not one was something else)"
        ),
    )
    use_layout: bool = Field(default=True, description="use the planogram (off: weight only)")
    use_lanes: bool = Field(
        default=True,
        description=(
            "read how a weight splits over the plates by the product's lanes (off for"
            " shelves whose units stand anywhere on their facing, not in lanes)"
        ),
    )
    use_recognition: bool = Field(default=True)
    use_rfid: bool = Field(default=True)
    recognition_weight: float = Field(
        default=0.6, description="tempering of the recogniser's evidence"
    )

    # -- who ------------------------------------------------------------------------
    hand_sd_m: float = Field(
        default=0.05,
        description=(
            "how far a taker's hand may seem from the plate: the tracker's hand error"
            " (2-3 cm a joint) and the grip; 7 cm left 1.4 % of twin takes in doubt"
            " between a taker and a neighbour, 5 cm 0.3 %, with no more wrong"
        ),
    )
    none_score: float = Field(default=0.001, description="weight of 'nobody we track did it'")
    hand_before_s: float = Field(
        default=0.4, description="look for the taker's hand from this long before the weight moved"
    )
    hand_after_s: float = Field(
        default=0.4,
        description=(
            "... to this long after it moved fastest (the taker's hand is on the item"
            " when it leaves the shelf; a hand arriving later is the next shopper's)"
        ),
    )
    inside_score: float = Field(
        default=0.5, description="a hand this close (as a score) was in the shelf"
    )
    track_wait_s: float = Field(
        default=1.0, description="tracker data wanted after an event before deciding"
    )
    gate_radius_m: float = Field(
        default=2.5, description="a track born this close to an entry gate came through it"
    )
    admit_window_s: float = Field(
        default=20.0, description="a credential admits people for this long"
    )
    swap_at_contact: float = Field(
        default=0.003,
        description=(
            "tracker's chance of exchanging two ids when people touch without the tracks"
            " visibly collapsing onto each other; calibrate per tracker"
        ),
    )
    swap_scale_m: float = Field(
        default=0.3, description="... falling off with distance at this scale"
    )
    encounter_m: float = Field(default=0.45, description="tracks closer than this may be confused")
    collapse_m: float = Field(
        default=0.18,
        description=(
            "tracks closer than bodies allow (averaged over a third of a second):"
            " the tracker lost them apart"
        ),
    )
    confusion_swap_p: float = Field(
        default=0.5, description="after a collapse, the chance the ids came out swapped"
    )
    ambiguity_swap_p: float = Field(
        default=0.02,
        description=(
            "a window the tracker reported it could not tell two tracks apart: the chance"
            " the ids came out exchanged (walkout.vision on a busy hour: 4 cross-account"
            " moves, about 2 exchanges, in 289 windows; 0.035 sent 30 % of sessions to"
            " review, 0.01 billed an exchange unseen); calibrate per tracker"
        ),
    )

    # -- clocks -----------------------------------------------------------------------
    clock_sync: bool = Field(
        default=True,
        description=(
            "take each device clock's drift out of its times: the change of its smallest"
            " recent rx - t since its first minute (clocks drift apart by tens of ppm)"
        ),
    )
    clock_window_s: float = Field(
        default=60.0, gt=0, description="... the smallest over this long of arrivals"
    )

    # -- sessions ---------------------------------------------------------------------
    exit_radius_m: float = Field(
        default=2.5, description="a track ending this close to an exit gate left"
    )
    finalize_after_s: float = Field(
        default=0.6,
        description="wait after an exit for the exit's RFID reads (stores without readers do not wait)",
    )
