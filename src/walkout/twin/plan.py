"""What each simulated person will do: their path, arm moves and shelf actions.

Plans are made when a group arrives and then only read, except that a later
arrival may add arm moves to an earlier plan's future (a hand-off to them).
Rendering the sensors from plans is the job of ``twin.sensors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from walkout.twin.body import ArmMove, Keyframes
from walkout.twin.stock import Unit


@dataclass
class ShelfAction:
    """Units of one product leaving (take) or landing on (put) a shelf.

    ``facing`` is the product's home facing; ``plate`` is set instead for a put
    where the product does not belong. The units and the grams per plate are
    decided when the action is rendered, in time order.
    """

    id: str
    person: PersonPlan
    op: Literal["take", "put"]
    sku: str
    qty: int
    t_touch: float
    t_change0: float
    t_change1: float
    t_release: float
    hand: Literal["left", "right"]
    facing: int | None = None
    plate: str | None = None
    reach: str | None = None  # the plate the hand goes to: units are taken from / put where it is
    offset: float = 0.0
    press_g: float = 0.0
    tags: list[str] = field(default_factory=list)
    charged: bool = True
    # filled in when rendered
    units: list[Unit] = field(default_factory=list)
    grams: dict[str, float] = field(default_factory=dict)
    done: bool = False

    @property
    def t_mid(self) -> float:
        return (self.t_change0 + self.t_change1) / 2


@dataclass
class Handoff:
    t: float
    giver: PersonPlan
    receiver: PersonPlan
    sku: str
    qty: int


@dataclass
class Lean:
    t_start: float
    t_end: float
    person: PersonPlan
    plates: dict[str, float]  # grams pressed on each plate at full lean


@dataclass
class Stand:
    """A person standing at a shelf: what coordinated behaviours look for."""

    person: PersonPlan
    t0: float
    t1: float
    xy: np.ndarray
    facing: int
    plate: str
    changes: list[float] = field(default_factory=list)


@dataclass
class PersonPlan:
    id: str
    session: SessionPlan
    role: Literal["shopper", "staff", "tailgater"]
    height: float
    track: str
    kf: Keyframes = field(default_factory=Keyframes)
    arms: list[ArmMove] = field(default_factory=list)
    t_in: float = 0.0  # crosses the entry gate
    t_out: float = 0.0  # crosses the exit gate
    entry_gate: str = ""
    exit_gate: str = ""
    carrying: list[Unit] = field(default_factory=list)
    exited: bool = False


@dataclass
class SessionPlan:
    id: str
    account: str | None
    token: str | None
    credential: Literal["qr", "card", "staff"] | None
    t_arrive: float
    people: list[PersonPlan] = field(default_factory=list)
    actions: list[ShelfAction] = field(default_factory=list)
    handoffs: list[Handoff] = field(default_factory=list)
    leans: list[Lean] = field(default_factory=list)
    behaviours: set[str] = field(default_factory=set)
    staff: bool = False

    @property
    def t_end(self) -> float:
        return max(p.t_out for p in self.people)


@dataclass
class Intent:
    """One thing to do at a stop; ``then`` is what happens to the item after the take."""

    op: str  # take | put_wrong | swap
    sku: str
    facing: int
    qty: int = 1
    then: str | None = None  # put_back | long_hold | conceal | handoff_group | wrong_shelf
    plate: str | None = None
    alt: int | None = None  # the look-alike's facing for a swap


@dataclass
class Stop:
    facing: int
    intents: list[Intent] = field(default_factory=list)
