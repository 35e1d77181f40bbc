"""Age checks in the server (issue 5's ``agecheck``, wired in).

Staff answer an ``id_check`` task here: the answer becomes an
``id_verification`` record appended to the store's durable log, so the engine
worker feeds it to store operations (``Operations.verify_id``) at its place in
the log, and a restart that replays the log replays the answer too.

What operations decided comes back through the staff queues, which are
durable and shared by every machine: the task (``idcheck-N``, its session in
``data``), its resolution (``idcheck-N-done``, with ``verified``) and the
receipt decisions (``age_receipt`` alerts ``idcheck-N-hold``, ``-charge``,
``-remove``). The exit gate and the payments part read them from there
(``age_state``), not from a worker's memory, which another machine may hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from walkout.domain.store import Store
from walkout.eventlog.records import AgePolicySet, IdVerification
from walkout.operations.config import AgePolicy
from walkout.server.db.queues import AlertRow, StaffTaskRow
from walkout.server.db.settings import StoreSettingsRow
from walkout.server.ingest.service import Ingestor
from walkout.server.service.uow import UnitOfWork

LOG_WAIT_S = 10.0
AGE_POLICIES: dict[str, str] = {
    "charge_on_verification": (
        "staff check ID when an age-restricted item is taken; the receipt is charged once verified"
    ),
    "block_exit": "the exit gate holds a shopper with an age-restricted item until staff check ID",
    "remove_item": "unverified age-restricted items are taken off the receipt (staff recover them)",
    "off": "no check (stores that sell nothing age-restricted)",
}
DEFAULT_POLICY: AgePolicy = "charge_on_verification"  # store operations' own default


class NotAnIdCheck(ValueError):
    pass


class AlreadyChecked(ValueError):
    pass


@dataclass(frozen=True)
class AgeState:
    """Where a session's ID check stands, as store operations reported it."""

    task: str | None  # the id_check task; None: nothing age-restricted taken
    verified: bool | None  # None: not checked yet
    decision: Literal["charge", "hold", "remove"]  # for its receipt


def policy_of(uow: UnitOfWork, store: str) -> AgePolicy:
    row = uow.get(StoreSettingsRow, store)
    return row.age_check if row else DEFAULT_POLICY  # type: ignore[return-value]


def restricted(store: Store) -> set[str]:
    return {p.sku for p in store.catalogue if p.age_restricted}


def id_check_task(uow: UnitOfWork, store: str, session: str) -> StaffTaskRow | None:
    return uow.db.scalars(
        select(StaffTaskRow)
        .where(
            StaffTaskRow.store_id == store,
            StaffTaskRow.kind == "id_check",
            StaffTaskRow.data["session"].as_string() == session,
        )
        .limit(1)
    ).first()


def age_state(uow: UnitOfWork, store: str, session: str) -> AgeState:
    task = id_check_task(uow, store, session)
    if task is None:
        return AgeState(None, None, "charge")
    done = uow.get(AlertRow, store, f"{task.id}-done")
    verified = None if done is None else bool(done.data.get("verified"))
    have = {
        d
        for d in ("remove", "charge", "hold")
        if uow.get(AlertRow, store, f"{task.id}-{d}") is not None
    }
    decision: Literal["charge", "hold", "remove"] = (
        "remove" if "remove" in have else "charge" if "charge" in have or not have else "hold"
    )
    return AgeState(task.id, verified, decision)


def exit_refusal(uow: UnitOfWork, store: str, session: str) -> str | None:
    """Why the exit gate must hold this session (None: it may leave). Only
    ``block_exit`` holds, and only until staff checked the ID (either way)."""
    if policy_of(uow, store) != "block_exit":
        return None
    st = age_state(uow, store, session)
    if st.task is None or st.verified is not None:
        return None
    return f"age-restricted item taken: staff must check ID first (task {st.task})"


def verify_id(
    ingestor: Ingestor,
    uow: UnitOfWork,
    store: str,
    task_id: str,
    verified: bool,
    who: str,
    now: float,
) -> int:
    """A member of staff's answer to an ``id_check`` task, appended to the store's log
    (durable when this returns); its log offset. Store operations apply it when the
    engine worker reaches it (the task then closes with its ``-done``)."""
    task = uow.get(StaffTaskRow, store, task_id)
    if task is None:
        raise KeyError(task_id)
    if task.kind != "id_check":
        raise NotAnIdCheck(f"task {task_id} is a {task.kind} task, not an id_check")
    if uow.get(AlertRow, store, f"{task_id}-done") is not None:
        raise AlreadyChecked(f"the ID for {task_id} was already checked")
    if task.status == "closed":
        raise AlreadyChecked(f"{task_id} is closed")
    if task.status == "claimed" and task.claimed_by != who:
        raise AlreadyChecked(f"{task_id} is claimed by {task.claimed_by}")
    rec = IdVerification(
        device=f"staff:{who}",
        t=round(now, 6),
        session=str(task.data["session"]),
        verified=verified,
        by=who,
        task=task_id,
    )
    return ingestor.append_staff(store, rec).result(timeout=LOG_WAIT_S).first


def log_policy(ingestor: Ingestor, store: str, policy: AgePolicy, who: str, now: float) -> int:
    """A policy change for store operations, at its place in the log."""
    rec = AgePolicySet(device=f"settings:{who}", t=round(now, 6), policy=policy, by=who)
    return ingestor.append_staff(store, rec).result(timeout=LOG_WAIT_S).first
