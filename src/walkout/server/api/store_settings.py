"""Store settings for the operations dashboard: the review threshold, the
age-check policy, and the payment policy (hold, dispute limit) in one view.
Staff read them; the store's admin changes them. The threshold and the age-check
policy take effect through the store's log (``service.threshold``, ``service.agecheck``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from walkout.operations.config import AgePolicy
from walkout.server.api.accounts import pay_of
from walkout.server.api.deps import known_store, server_of
from walkout.server.api.guard import Guard
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.settings import StoreSettingsRow
from walkout.server.payments.policy import policy_of, set_policy
from walkout.server.service import agecheck, threshold
from walkout.server.service.uow import UnitOfWork

router = APIRouter(tags=["store settings"])

AgeCheck = AgePolicy  # store operations' own policies (docs/operations.md, age checks)
AGE_CHECKS: dict[str, str] = agecheck.AGE_POLICIES


class StoreSettings(BaseModel):
    review_threshold: float = Field(
        description="a receipt line below this probability waits for a human"
    )
    review_threshold_default: bool = Field(description="true: the engine's own default")
    age_check: AgeCheck
    hold_amount: int = Field(description="pre-authorization at entry, minor units; 0: none")
    dispute_auto_refund_max: int = Field(description="disputes up to this are refunded at once")
    dispute_window_days: int


class SettingsChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    review_threshold: float | None = Field(default=None, gt=0.5, lt=1.0)
    age_check: AgeCheck | None = None
    hold_amount: int | None = Field(default=None, ge=0, le=100_000_00)
    dispute_auto_refund_max: int | None = Field(default=None, ge=0)
    dispute_window_days: int | None = Field(default=None, ge=1, le=365)


def read_settings(uow: UnitOfWork, request: Request, store: str) -> StoreSettings:
    srv = server_of(request)
    row = uow.get(StoreSettingsRow, store)
    pol = policy_of(uow, store, srv.settings)
    return StoreSettings(
        review_threshold=row.review_threshold
        if row and row.review_threshold is not None
        else srv.engine_config.review_threshold,
        review_threshold_default=row is None or row.review_threshold is None,
        age_check=agecheck.policy_of(uow, store),
        hold_amount=pol.hold_amount,
        dispute_auto_refund_max=pol.dispute_auto_refund_max,
        dispute_window_days=pol.dispute_window_days,
    )


def change_settings(
    uow: UnitOfWork, request: Request, store: str, who: str, body: SettingsChange
) -> StoreSettings:
    srv = server_of(request)
    mine = body.model_dump(include={"review_threshold", "age_check"}, exclude_none=True)
    if mine:
        with threshold.LOCK:  # the row and its record in one order (threshold.reconcile)
            row = uow.get(StoreSettingsRow, store)
            if row is None:
                row = StoreSettingsRow(store_id=store, age_check=agecheck.DEFAULT_POLICY)
                uow.db.add(row)
            policy = mine.get("age_check")
            if policy == row.age_check:
                policy = None
            was = row.review_threshold
            if was is None:
                was = srv.engine_config.review_threshold
            new_threshold = mine.get("review_threshold")
            if new_threshold == was:
                new_threshold = None
            for k, v in mine.items():
                setattr(row, k, v)
            row.updated_by = who
            uow.commit()
            if store in srv.logs:  # the engine and store operations take them from the log
                if policy is not None:
                    agecheck.log_policy(srv.ingestor, store, policy, who, srv.clock())
                if new_threshold is not None:
                    threshold.log_threshold(srv.ingestor, store, new_threshold, who, srv.clock())
    pay = body.model_dump(
        include={"hold_amount", "dispute_auto_refund_max", "dispute_window_days"},
        exclude_none=True,
    )
    if pay:
        set_policy(uow, store, srv.settings, who, **pay)
    return read_settings(uow, request, store)


@router.get("/api/stores/{store}/settings", response_model=StoreSettings)
def get_settings(
    store: str,
    request: Request,
    who: Annotated[Principal, Depends(Guard(Role.STAFF, Role.ADMIN))],
) -> StoreSettings:
    known_store(server_of(request), store)
    with pay_of(request).uow() as uow:
        return read_settings(uow, request, store)


@router.put("/api/stores/{store}/settings", response_model=StoreSettings)
def put_settings(
    store: str,
    body: SettingsChange,
    request: Request,
    who: Annotated[Principal, Depends(Guard(Role.ADMIN))],
) -> StoreSettings:
    """A new review threshold goes to the store's log (a ``review_threshold``
    record): the running engine judges every receipt it issues from there on by
    it. A new age-check policy goes there too (an ``age_policy`` record): store
    operations decide receipts by it from there on."""
    known_store(server_of(request), store)
    with pay_of(request).uow() as uow:
        return change_settings(uow, request, store, who.token_id, body)
