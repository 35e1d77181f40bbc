"""The oracle reviewer: what a receipt becomes after a perfect human settles it.

A final receipt is charged as it is. A receipt in review keeps the lines the
engine was sure of (review=False); every shelf event the engine sent to review
(review=True) is then settled by the truth: each true action matched to it
adds (take) or removes (put) its units of its product on the receipt of the
action's own session, in time order, never below zero. The reviewer sees only
what the engine flagged: an action the engine missed, or a line it was sure of
and wrong about, stays wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from walkout.evaluation.matching import EventMatch
from walkout.evaluation.receipts import bag
from walkout.evaluation.truth_index import Bag
from walkout.fusion.outputs import Receipt, ShelfEvent


def settle(
    receipts: Mapping[str, Receipt | None],
    events: Iterable[ShelfEvent],
    match: EventMatch,
) -> dict[str, Bag]:
    """``receipts``: truth session id -> its engine receipt (None: none was made).

    Returns truth session id -> the receipt charged after review.
    """
    out: dict[str, Bag] = {}
    in_review: set[str] = set()
    for sid, r in receipts.items():
        if r is None or r.status == "final":
            out[sid] = bag(r.lines) if r is not None else {}
        else:
            out[sid] = bag(ln for ln in r.lines if not ln.review)
            in_review.add(sid)
    flagged = [a for e in events if e.review for a in match.actions_of.get(e.id, [])]
    for a in sorted(flagged, key=lambda a: (a.t_change, a.id)):
        if a.session not in in_review:
            continue
        b = out[a.session]
        n = b.get(a.product, 0) + (a.qty if a.op == "take" else -a.qty)
        if n > 0:
            b[a.product] = n
        else:
            b.pop(a.product, None)
    return out
