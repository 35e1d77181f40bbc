"""The review queue: claim a task (leased), see its evidence, decide."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import select

from walkout.server.api.deps import server_of, uow_of
from walkout.server.api.guard import Guard
from walkout.server.api.visits import receipt_view
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.queues import ReviewDecisionRow, ReviewTaskRow
from walkout.server.db.visits import ReceiptRow
from walkout.server.service import review
from walkout.server.service.labels import log_labels
from walkout.server.service.queues import QueueConflict
from walkout.server.service.uow import UnitOfWork

router = APIRouter(tags=["review"])
UoW = Annotated[UnitOfWork, Depends(uow_of)]
Reviewer = Annotated[Principal, Depends(Guard(Role.REVIEWER))]


def task_view(uow: UnitOfWork, r: ReviewTaskRow, evidence: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id,
        "session": r.session,
        "t": r.t,
        "reason": r.reason,
        "events": r.events,
        "status": r.status,
        "claimed_by": r.claimed_by,
        "lease_until": r.lease_until.isoformat() if r.lease_until else None,
    }
    if evidence:
        out["evidence"] = r.evidence
        rec = uow.get(ReceiptRow, r.store_id, r.session) if r.session else None
        out["receipt"] = receipt_view(uow, rec) if rec else None
    return out


def _now(request: Request) -> datetime:
    return datetime.fromtimestamp(server_of(request).clock(), UTC)


@router.get("/api/stores/{store}/review/tasks")
def list_tasks(
    store: str,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.REVIEWER, Role.ADMIN))],
    status: str = Query("open", pattern="^(open|decided)$"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    rows = uow.db.scalars(
        select(ReviewTaskRow)
        .where(ReviewTaskRow.store_id == store, ReviewTaskRow.status == status)
        .order_by(ReviewTaskRow.t, ReviewTaskRow.id)
        .limit(limit)
    )
    return [task_view(uow, r, evidence=False) for r in rows]


@router.post("/api/stores/{store}/review/next")
def take_next(store: str, request: Request, uow: UoW, who: Reviewer) -> dict[str, Any]:
    """Claim the oldest task nobody holds, with its evidence; 204-like null when none."""
    row = review.claim_next(
        uow, store, who.token_id, server_of(request).settings.review_lease_s, _now(request)
    )
    if row is None:
        raise HTTPException(404, "the review queue is empty")
    return task_view(uow, row, evidence=True)


@router.get("/api/stores/{store}/review/tasks/{task}")
def get_task(
    store: str,
    task: str,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.REVIEWER, Role.ADMIN))],
) -> dict[str, Any]:
    row = uow.get(ReviewTaskRow, store, task)
    if row is None:
        raise HTTPException(404, f"no review task {task!r}")
    return task_view(uow, row, evidence=True)


@router.post("/api/stores/{store}/review/tasks/{task}/claim")
def claim_task(store: str, task: str, request: Request, uow: UoW, who: Reviewer) -> dict[str, Any]:
    try:
        row = review.claim(
            uow,
            store,
            task,
            who.token_id,
            server_of(request).settings.review_lease_s,
            _now(request),
        )
    except KeyError:
        raise HTTPException(404, f"no review task {task!r}") from None
    except QueueConflict as e:
        raise HTTPException(409, str(e)) from None
    return task_view(uow, row, evidence=True)


@router.post("/api/stores/{store}/review/tasks/{task}/decision")
def decide_task(
    store: str, task: str, decision: review.Decision, request: Request, uow: UoW, who: Reviewer
) -> dict[str, Any]:
    """Settle the task: the receipt becomes final with these lines, at once."""
    try:
        rec = review.decide(uow, store, task, who.token_id, decision, _now(request))
    except KeyError:
        raise HTTPException(404, f"no review task {task!r}") from None
    except QueueConflict as e:
        raise HTTPException(409, str(e)) from None
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    srv = server_of(request)
    log_labels(srv.ingestor, uow, store, decision, who.token_id, srv.clock())
    srv.refresh_review_depth(store)
    srv.bus.dispatch_pending()
    return {"task": task, "receipt": receipt_view(uow, rec) if rec else None}


@router.get("/api/stores/{store}/review/examples")
def labelled_examples(
    store: str,
    uow: UoW,
    who: Annotated[Principal, Depends(Guard(Role.ADMIN))],
    limit: int = Query(1000, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """Reviewers' decisions with their evidence: labelled examples for the engine."""
    rows = uow.db.scalars(
        select(ReviewDecisionRow)
        .where(ReviewDecisionRow.store_id == store)
        .order_by(ReviewDecisionRow.id)
        .limit(limit)
    )
    return [
        {
            "task": r.task_id,
            "session": r.session,
            "lines": r.lines,
            "events": r.events,
            "engine_lines": r.engine_lines,
            "evidence": r.evidence,
            "note": r.note,
            "decided_at": r.decided_at.isoformat(),
        }
        for r in rows
    ]
