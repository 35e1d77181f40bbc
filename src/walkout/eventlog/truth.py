"""Ground truth: what really happened in a simulated store, kept apart from the log.

The engine never reads this; the evaluator compares the engine's outputs with
it. It streams like the log (JSON Lines, one fact per line, in the order facts
became final) and carries, for every session, who was in it and the exact
receipt, and for every shelf interaction who did what to which plates.

A session's true receipt lists what its people carried out of the store: an
item handed to someone of another account is on the receiver's receipt; an
item put back (on any shelf) is on none.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

TRUTH_FORMAT = "walkout-truth"
TRUTH_VERSION = 1

#: Behaviour tags on actions and sessions (see docs/twin.md for each).
BEHAVIOURS = (
    "multi_unit",
    "put_back",
    "wrong_shelf",
    "swap_similar",
    "handoff_group",
    "handoff_other",
    "reach_across",
    "simultaneous",
    "crowded",
    "long_hold",
    "lean",
    "restock",
    "conceal",
    "tailgate",
    "group",
)


class _T(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TruthHeader(_T):
    kind: Literal["header"] = "header"
    format: Literal["walkout-truth"] = TRUTH_FORMAT
    version: int = TRUTH_VERSION
    store: str
    scenario: str
    seed: int
    start: float = Field(description="epoch seconds of the simulation's start")
    duration_s: float
    meta: dict[str, Any] = Field(default_factory=dict)


class TruthPerson(_T):
    id: str = Field(description="the person's id in this truth file (never in the log)")
    track: str = Field(description="the track id the tracker gave them at the gate")
    role: Literal["shopper", "staff", "tailgater"] = "shopper"


class TruthSession(_T):
    """One visit: the people who came in on one credential (or none, for a tailgater)."""

    kind: Literal["session"] = "session"
    id: str
    account: str | None = Field(description="paying account; None for tailgaters")
    token: str | None = Field(description="the credential token shown at the gate")
    people: list[TruthPerson]
    enter: float
    exit: float
    staff: bool = False
    behaviours: list[str] = Field(default_factory=list)


class TruthAction(_T):
    """A shelf interaction: units of one product leaving or landing on plates."""

    kind: Literal["action"] = "action"
    id: str
    op: Literal["take", "put"]
    t_start: float = Field(description="hand reaches the shelf")
    t_end: float = Field(description="hand leaves the shelf")
    t_change: float = Field(description="middle of the weight change")
    person: str
    session: str
    product: str
    qty: int = Field(ge=1)
    plates: dict[str, float] = Field(description="grams each plate lost (take) or gained (put)")
    hand: Literal["left", "right"]
    behaviours: list[str] = Field(default_factory=list)
    home: bool = Field(
        default=True, description="False for a put on a plate where the product does not belong"
    )
    charged: bool = Field(default=True, description="False for staff restocking")


class TruthHandoff(_T):
    kind: Literal["handoff"] = "handoff"
    t: float
    giver: str
    receiver: str
    giver_session: str
    receiver_session: str
    product: str
    qty: int
    same_account: bool


class TruthLean(_T):
    """A hand or body resting on a shelf: weight that is no product."""

    kind: Literal["lean"] = "lean"
    t_start: float
    t_end: float
    person: str
    plates: dict[str, float]


class TruthTrackSwap(_T):
    """The tracker exchanged two people's track ids (from ``t`` on)."""

    kind: Literal["swap"] = "swap"
    t: float
    persons: tuple[str, str]
    tracks_after: tuple[str, str] = Field(description="the track ids the two persons carry after t")


class TruthFault(_T):
    kind: Literal["fault"] = "fault"
    device: str
    plate: str | None = None
    fault: Literal["dead", "stuck", "drift", "noisy", "offline", "clock_skew"]
    t_start: float
    t_end: float | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class ReceiptLine(_T):
    sku: str
    qty: int = Field(ge=1)
    unit_price: int


class TruthReceipt(_T):
    kind: Literal["receipt"] = "receipt"
    session: str
    account: str | None
    lines: list[ReceiptLine]
    total: int = Field(description="minor units, before tax")


TruthRecord = Annotated[
    TruthHeader
    | TruthSession
    | TruthAction
    | TruthHandoff
    | TruthLean
    | TruthTrackSwap
    | TruthFault
    | TruthReceipt,
    Field(discriminator="kind"),
]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(TruthRecord)


class TruthError(ValueError):
    pass


class TruthWriter:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = open(self.path, "wb")  # noqa: SIM115
        self.count = 0

    def write(self, rec: BaseModel) -> None:
        self._fh.write(orjson.dumps(rec.model_dump(mode="json"), option=orjson.OPT_APPEND_NEWLINE))
        self.count += 1

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> TruthWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_truth(path: str | Path) -> Iterator[Any]:
    p = Path(path)
    if not p.is_file():
        raise TruthError(f"{p}: no such truth file")
    with open(p, "rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield _ADAPTER.validate_python(orjson.loads(line))
            except (orjson.JSONDecodeError, ValidationError) as e:
                raise TruthError(f"{p}:{lineno}: bad truth record: {e}") from None
