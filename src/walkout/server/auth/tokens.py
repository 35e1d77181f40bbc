"""Bearer tokens: 256 random bits, shown once, kept as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from walkout.server.auth.principal import Principal, Role
from walkout.server.db.system import TokenRow

PREFIX = "wo_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    db: Session,
    role: Role,
    store: str | None,
    account: str | None = None,
    name: str = "",
    token: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[str, TokenRow]:
    """Create a token (or register a given one); returns it in clear, once."""
    if role is not Role.ADMIN and store is None:
        raise ValueError(f"a {role} token must be for one store")
    if role is Role.SHOPPER and account is None:
        raise ValueError("a shopper token needs an account")
    clear = token or new_token()
    row = TokenRow(
        id=secrets.token_hex(8),
        hash=token_hash(clear),
        role=role.value,
        store_id=store,
        account_id=account,
        name=name,
        expires_at=expires_at,
    )
    db.add(row)
    return clear, row


def authenticate(db: Session, token: str, now: datetime | None = None) -> Principal | None:
    """The principal of a token, or None when unknown, revoked or expired."""
    row = db.scalars(select(TokenRow).where(TokenRow.hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    now = now or datetime.now(UTC)
    if row.expires_at is not None and _aware(row.expires_at) <= now:
        return None
    return Principal(
        token_id=row.id, role=Role(row.role), store=row.store_id, account=row.account_id
    )


def _aware(d: datetime) -> datetime:
    return d if d.tzinfo else d.replace(tzinfo=UTC)  # SQLite drops the zone
