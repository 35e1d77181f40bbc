"""The catalogue and planogram: every role of the store reads prices; admins change them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import select

from walkout.server.api.deps import server_of, uow_of
from walkout.server.api.guard import ANY_ROLE, Guard
from walkout.server.auth.principal import Principal, Role
from walkout.server.db.stores import FacingRow
from walkout.server.service import catalogue
from walkout.server.service.uow import UnitOfWork

router = APIRouter(tags=["catalogue"])
UoW = Annotated[UnitOfWork, Depends(uow_of)]
Admin = Annotated[Principal, Depends(Guard(Role.ADMIN))]


@router.get("/api/stores/{store}/catalogue")
def list_products(
    store: str, request: Request, uow: UoW, who: Annotated[Principal, Depends(Guard(*ANY_ROLE))]
) -> list[dict[str, Any]]:
    return catalogue.products(uow, store, server_of(request).clock())


@router.patch("/api/stores/{store}/catalogue/{sku}")
def change_product(
    store: str, sku: str, change: catalogue.ProductChange, request: Request, uow: UoW, who: Admin
) -> dict[str, Any]:
    """Rename, reprice (from now on) or withdraw a product."""
    try:
        return catalogue.change(uow, store, sku, change, server_of(request).clock(), who.token_id)
    except KeyError:
        raise HTTPException(404, f"no product {sku!r} in store {store!r}") from None


@router.post("/api/stores/{store}/catalogue", status_code=201)
def add_product(
    store: str, product: catalogue.NewProduct, request: Request, uow: UoW, who: Admin
) -> dict[str, Any]:
    """A new product; the engine sees it on shelves once the planogram has it and
    the store's engine next starts from its store file."""
    try:
        return catalogue.add(uow, store, product, server_of(request).clock(), who.token_id)
    except ValueError as e:
        raise HTTPException(409, str(e)) from None


@router.get("/api/stores/{store}/planogram")
def planogram(
    store: str, uow: UoW, who: Annotated[Principal, Depends(Guard(Role.STAFF, Role.ADMIN))]
) -> list[dict[str, Any]]:
    rows = uow.db.scalars(
        select(FacingRow).where(FacingRow.store_id == store).order_by(FacingRow.id)
    )
    return [
        {"sku": r.sku, "plates": r.plates, "facings": r.facings, "capacity": r.capacity}
        for r in rows
    ]
