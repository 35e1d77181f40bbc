"""A review decision's per-event labels, for store operations' live inventory.

The reviewer's word on each shelf event of a task (``Decision.events``) becomes a
``shelf_label`` record appended to the store's durable log, after the decision
is committed, so the engine worker hands it to operations (``Operations.label``)
at its place in the log and a replay applies it again. A crash between the
commit and the append loses the labels (the receipt is right; the shelf count
stays the engine's guess until the next count)."""

from __future__ import annotations

from typing import Literal

from walkout.eventlog.records import ShelfLabel
from walkout.operations.corrections import label_moves
from walkout.server.db.visits import ShelfEventRow
from walkout.server.ingest.service import Ingestor
from walkout.server.service.review import Decision
from walkout.server.service.uow import UnitOfWork

LOG_WAIT_S = 10.0


def log_labels(
    ingestor: Ingestor, uow: UnitOfWork, store: str, d: Decision, who: str, now: float
) -> int:
    """Append one ``shelf_label`` per labelled take or put event; how many."""
    recs = []
    for eid, label in sorted(d.events.items()):
        row = uow.get(ShelfEventRow, store, eid)
        op = row.data.get("op") if row is not None else None
        if op not in ("take", "put"):
            continue  # an event the engine does not know, or one that moved nothing
        kind: Literal["take", "put"] = op  # type: ignore[assignment]
        recs.append(
            ShelfLabel(
                device=f"review:{who}",
                t=round(now, 6),
                event=eid,
                moves=label_moves(kind, label.items),
                by=who,
            )
        )
    for rec in recs:
        ingestor.append_staff(store, rec).result(timeout=LOG_WAIT_S)
    return len(recs)
