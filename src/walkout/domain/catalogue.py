"""The catalogue: what a store sells, as the sensors and the till need to know it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from walkout.domain.geometry import Vec3

Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s]+$")]


def gtin_check_digit_ok(gtin: str) -> bool:
    """GS1 mod-10 check digit, for GTIN-8, -12, -13 and -14."""
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in gtin]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


class Product(BaseModel):
    """One sellable unit.

    ``weight_g`` and ``weight_sd_g`` describe a single unit as the load cells
    feel it: real units of one product vary (AIM3S measured candy bars of one
    kind a few grams apart), and that spread is what makes similar products
    confusable.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    sku: Sku
    gtin: str | None = Field(default=None, description="GTIN-8/12/13/14 with a valid check digit")
    name: str = Field(min_length=1)
    price: int = Field(ge=0, description="price in minor units of the store's currency (cents)")
    weight_g: float = Field(gt=0, description="mean unit weight in grams")
    weight_sd_g: float = Field(default=0.0, ge=0, description="standard deviation of unit weight")
    category: str = Field(default="general", min_length=1)
    age_restricted: bool = False
    rfid: bool = Field(default=False, description="units carry an RFID tag")
    similar: str | None = Field(
        default=None, description="visual-similarity group: products a camera may confuse"
    )
    size: Vec3 | None = Field(default=None, description="unit width, depth, height in metres")
    image: str | None = None

    @field_validator("gtin")
    @classmethod
    def _gtin_valid(cls, v: str | None) -> str | None:
        if v is not None and not gtin_check_digit_ok(v):
            raise ValueError(f"{v!r} is not a GTIN-8/12/13/14 with a valid check digit")
        return v
