"""Roles and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    SHOPPER = "shopper"
    REVIEWER = "reviewer"
    STAFF = "staff"
    ADMIN = "admin"
    DEVICE = "device"  # shelf controllers, gates, trackers: may only send records


@dataclass(frozen=True)
class Principal:
    """Who is asking. ``store`` None means every store (an operator's admin
    token); every other token is for one store. A shopper has an account."""

    token_id: str
    role: Role
    store: str | None
    account: str | None = None

    def may_act_in(self, store: str) -> bool:
        return self.store is None or self.store == store
