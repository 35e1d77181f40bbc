"""Stores, their catalogue (with price history) and planogram, loaded from the store file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from walkout.server.db.base import Base, utcnow


class StoreRow(Base):
    __tablename__ = "stores"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    store_file: Mapped[str] = mapped_column(Text, doc="the store file (YAML) as loaded")
    close_at_offset: Mapped[int | None] = mapped_column(
        default=None, doc="end the day once the engine has applied the log up to here"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductRow(Base):
    __tablename__ = "products"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    gtin: Mapped[str | None] = mapped_column(String(14), default=None)
    category: Mapped[str] = mapped_column(String(64), default="general")
    weight_g: Mapped[float]
    weight_sd_g: Mapped[float] = mapped_column(default=0.0)
    rfid: Mapped[bool] = mapped_column(default=False)
    age_restricted: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PriceRow(Base):
    """A product's price from ``valid_from`` on (store clock, epoch seconds).
    Receipts are priced at their exit time, so a replay prices them the same."""

    __tablename__ = "prices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    price: Mapped[int] = mapped_column(doc="minor units")
    valid_from: Mapped[float] = mapped_column(doc="epoch seconds; 0 for the store file's price")
    set_by: Mapped[str | None] = mapped_column(String(64), default=None)


class FacingRow(Base):
    __tablename__ = "planogram"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    plates: Mapped[list[Any]] = mapped_column(doc="FIXTURE.SHELF.PLATE ids")
    facings: Mapped[int] = mapped_column(default=1)
    capacity: Mapped[int]
