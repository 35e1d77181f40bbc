"""Small hand-made outputs for operations tests, on the corner shop."""

from __future__ import annotations

from typing import Any

import pytest

from walkout.domain.store import Store
from walkout.fusion.outputs import (
    Attribution,
    Hypothesis,
    Receipt,
    ReceiptLine,
    Session,
    ShelfEvent,
)
from walkout.stores import builtin_store


@pytest.fixture(scope="session")
def shop() -> Store:
    return builtin_store("corner-shop")


def event(
    id: str,
    op: str,
    sku: str,
    qty: int,
    plates: dict[str, float],
    t: float,
    session: str | None = "S1",
    staff: bool = False,
    track: str | None = "T1",
    **kw: Any,
) -> ShelfEvent:
    fx, sh, _ = next(iter(plates)).split(".")
    return ShelfEvent(
        id=id,
        t_start=t - 1,
        t_end=t,
        fixture=fx,
        shelf=int(sh),
        plates=plates,
        delta_g=sum(plates.values()),
        op=op,  # type: ignore[arg-type]
        hypotheses=[Hypothesis(items=[(sku, qty)], p=0.99)],
        attribution=[Attribution(session=session, track=track, p=0.99)],
        session=session,
        p=0.99,
        staff=staff,
        t_decided=t + 1,
        **kw,
    )


def session(
    id: str, token: str | None = "tok", tracks: tuple[str, ...] = ("T1",), staff: bool = False
) -> Session:
    return Session(
        id=id,
        token=token,
        credential=None if token is None else ("staff" if staff else "qr"),
        admits=1,
        tracks=list(tracks),
        t_enter=0.0,
        staff=staff,
    )


def receipt(
    sess: str, lines: list[tuple[str, int]], t_exit: float = 100.0, review: bool = False
) -> Receipt:
    return Receipt(
        session=sess,
        token="tok",
        tracks=["T1"],
        t_exit=t_exit,
        t_final=None if review else t_exit + 5,
        status="review" if review else "final",
        lines=[ReceiptLine(sku=s, qty=q, unit_price=100, p=0.99, review=review) for s, q in lines],
        total=100 * sum(q for _, q in lines),
        currency="USD",
    )
