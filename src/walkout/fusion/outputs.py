"""What the engine says: the contract between the fusion engine, the evaluator,
the server and (later) the review console.

Times are the store's clock, epoch seconds. ``Engine.apply`` returns these in
the order they became true; a run directory keeps each kind in its own JSON
Lines file (``walkout.evaluation.runfiles``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Hypothesis(_Out):
    """One explanation of a shelf event: these units of these products moved."""

    items: list[tuple[str, int]] = Field(description="(sku, units), units > 0")
    p: float = Field(ge=0, le=1)


class Attribution(_Out):
    """Who did it: a track (and through it a session), with a probability."""

    session: str | None
    track: str | None
    p: float = Field(ge=0, le=1)


class ShelfEvent(_Out):
    """Every weight change on a shelf the engine found, attributed or not.

    ``op`` is take (weight left the shelf), put (weight arrived) or none (the
    weight came back: a touch, a lean, a shake). ``session`` is who it was
    given to (None: nobody, staff, or not attributable); ``p`` the probability
    that both the top hypothesis and that session are right. ``review`` is set
    when the engine will not decide alone: the lines it touches wait for a
    human.
    """

    kind: Literal["shelf_event"] = "shelf_event"
    id: str
    t_start: float
    t_end: float
    fixture: str
    shelf: int
    plates: dict[str, float] = Field(description="grams each plate changed (negative: removed)")
    delta_g: float
    op: Literal["take", "put", "none"]
    hypotheses: list[Hypothesis] = Field(default_factory=list, description="ranked, best first")
    attribution: list[Attribution] = Field(default_factory=list, description="ranked, best first")
    session: str | None = None
    p: float = Field(ge=0, le=1)
    review: bool = False
    staff: bool = False
    t_decided: float = Field(description="store time when the engine decided it")
    parent: str | None = Field(default=None, description="set on the parts of a split event")


class Session(_Out):
    """A visit as the engine sees it: opened at the gate, closed at the exit."""

    kind: Literal["session"] = "session"
    id: str
    token: str | None = Field(
        description="credential token; None for people who came in without one"
    )
    credential: Literal["qr", "card", "staff"] | None
    admits: int
    tracks: list[str]
    t_enter: float
    t_exit: float | None = None
    staff: bool = False
    status: Literal["open", "closed"] = "open"


class ReceiptLine(_Out):
    sku: str
    qty: int = Field(ge=1)
    unit_price: int
    p: float = Field(ge=0, le=1, description="probability this line is right")
    events: list[str] = Field(default_factory=list, description="shelf events behind the line")
    review: bool = False


class Receipt(_Out):
    """A session's receipt. ``status`` final: charge it; review: a human first."""

    kind: Literal["receipt"] = "receipt"
    session: str
    token: str | None
    tracks: list[str] = Field(default_factory=list)
    t_exit: float
    t_final: float | None = Field(description="store time it became final; None while in review")
    status: Literal["final", "review"]
    lines: list[ReceiptLine]
    total: int = Field(description="minor units, before tax")
    currency: str


class ReviewTask(_Out):
    """A doubt for a human, with what they need to settle it in seconds."""

    kind: Literal["review"] = "review"
    id: str
    session: str | None
    t: float
    reason: str
    events: list[str]
    evidence: dict[str, Any] = Field(
        default_factory=dict,
        description="per event: plate traces around it, nearby tracks' hand paths, ranked hypotheses",
    )


Output = Annotated[ShelfEvent | Session | Receipt | ReviewTask, Field(discriminator="kind")]
OUTPUT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Output)
AnyOutput = ShelfEvent | Session | Receipt | ReviewTask
