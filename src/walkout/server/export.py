"""A store's engine outputs from the database back into a run directory
(``walkout.evaluation.runfiles``), so ``walkout eval`` scores a served run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from walkout.evaluation.runfiles import Run, RunInfo, write_run
from walkout.fusion.outputs import Receipt, ReviewTask, Session, ShelfEvent
from walkout.server.db.queues import ReviewTaskRow
from walkout.server.db.visits import ReceiptRow, SessionRow, ShelfEventRow


def export_run(
    session_factory: Callable[[], DbSession], store: str, out: Path, info: RunInfo
) -> Path:
    """Receipts as the engine issued them (a reviewer's later decision is not the engine's)."""
    with session_factory() as db:
        events = [
            ShelfEvent.model_validate(r.data)
            for r in db.scalars(
                select(ShelfEventRow)
                .where(ShelfEventRow.store_id == store)
                .order_by(ShelfEventRow.t_decided, ShelfEventRow.id)
            )
        ]
        sessions = [
            Session(
                id=r.id,
                token=r.token,
                credential=r.credential,
                admits=r.admits,  # type: ignore[arg-type]
                tracks=list(r.tracks),
                t_enter=r.t_enter,
                t_exit=r.t_exit,
                staff=r.staff,
                status=r.status,  # type: ignore[arg-type]
            )
            for r in db.scalars(
                select(SessionRow).where(SessionRow.store_id == store).order_by(SessionRow.t_enter)
            )
        ]
        receipts = [
            Receipt.model_validate(r.engine)
            for r in db.scalars(
                select(ReceiptRow)
                .where(ReceiptRow.store_id == store)
                .order_by(ReceiptRow.t_exit, ReceiptRow.session)
            )
        ]
        reviews = [
            ReviewTask(
                id=r.id,
                session=r.session,
                t=r.t,
                reason=r.reason,
                events=list(r.events),
                evidence=r.evidence,
            )
            for r in db.scalars(
                select(ReviewTaskRow)
                .where(ReviewTaskRow.store_id == store)
                .order_by(ReviewTaskRow.t)
            )
        ]
    return write_run(
        Run(info=info, events=events, sessions=sessions, receipts=receipts, reviews=reviews), out
    )
