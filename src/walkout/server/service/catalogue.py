"""The catalogue: loaded from the store file on start, then kept by admins.
A price change applies from the moment it is made (receipts are priced at
their exit time); new products and planogram changes reach the engine when
the store's engine next starts from the store file."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from walkout.domain.catalogue import Product
from walkout.domain.store import Store
from walkout.server.db.stores import FacingRow, PriceRow, ProductRow, StoreRow
from walkout.server.service.pricing import prices_at
from walkout.server.service.uow import UnitOfWork
from walkout.storefile import store_to_yaml


class ProductChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    price: int | None = Field(default=None, ge=0, description="minor units")
    active: bool | None = None


class NewProduct(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-.]+$")
    name: str = Field(min_length=1, max_length=200)
    price: int = Field(ge=0)
    weight_g: float = Field(gt=0)
    weight_sd_g: float = Field(default=0.0, ge=0)
    gtin: str | None = Field(default=None, max_length=14)
    category: str = "general"


def load_store(uow: UnitOfWork, st: Store) -> None:
    """Register a store from its file; products admins already changed are kept."""
    row = uow.get(StoreRow, st.id)
    if row is None:
        uow.db.add(
            StoreRow(
                id=st.id,
                name=st.name,
                currency=st.currency,
                locale=st.locale,
                timezone=st.timezone,
                store_file=store_to_yaml(st),
            )
        )
        uow.db.flush()
    have = set(uow.db.scalars(select(ProductRow.sku).where(ProductRow.store_id == st.id)))
    for p in st.catalogue:
        if p.sku in have:
            continue
        _add_product(
            uow, st.id, p, valid_from=0.0, who=None, rfid=p.rfid, age_restricted=p.age_restricted
        )
    if uow.db.scalars(select(FacingRow.id).where(FacingRow.store_id == st.id)).first() is None:
        uow.db.add_all(
            FacingRow(
                store_id=st.id,
                sku=f.product,
                plates=list(f.plates),
                facings=f.facings,
                capacity=f.capacity,
            )
            for f in st.planogram
        )
    uow.commit()


def products(uow: UnitOfWork, store: str, now: float) -> list[dict[str, Any]]:
    prices = prices_at(uow.db, store, now)
    rows = uow.db.scalars(
        select(ProductRow).where(ProductRow.store_id == store).order_by(ProductRow.sku)
    )
    return [product_view(r, prices.get(r.sku)) for r in rows]


def product_view(r: ProductRow, price: int | None) -> dict[str, Any]:
    return {
        "sku": r.sku,
        "name": r.name,
        "price": price,
        "gtin": r.gtin,
        "category": r.category,
        "weight_g": r.weight_g,
        "active": r.active,
    }


def change(
    uow: UnitOfWork, store: str, sku: str, c: ProductChange, now: float, who: str
) -> dict[str, Any]:
    row = uow.get(ProductRow, store, sku)
    if row is None:
        raise KeyError(sku)
    if c.name is not None:
        row.name = c.name
    if c.active is not None:
        row.active = c.active
    if c.price is not None:
        uow.db.add(PriceRow(store_id=store, sku=sku, price=c.price, valid_from=now, set_by=who))
    uow.commit()
    return product_view(row, prices_at(uow.db, store, now, {sku}).get(sku))


def add(uow: UnitOfWork, store: str, p: NewProduct, now: float, who: str) -> dict[str, Any]:
    if uow.get(ProductRow, store, p.sku) is not None:
        raise ValueError(f"product {p.sku} already exists in store {store}")
    row = _add_product(uow, store, p, valid_from=now, who=who)
    uow.commit()
    return product_view(row, p.price)


def _add_product(
    uow: UnitOfWork,
    store: str,
    p: Product | NewProduct,
    valid_from: float,
    who: str | None,
    **flags: bool,
) -> ProductRow:
    """A product and its first price (from the store file: valid from 0)."""
    row = ProductRow(
        store_id=store,
        sku=p.sku,
        name=p.name,
        gtin=p.gtin,
        category=p.category,
        weight_g=p.weight_g,
        weight_sd_g=p.weight_sd_g,
        **flags,
    )
    uow.db.add(row)
    uow.db.add(
        PriceRow(store_id=store, sku=p.sku, price=p.price, valid_from=valid_from, set_by=who)
    )
    return row
