"""Signed entry codes (the QR a shopper shows at the gate).

A code is ``wo1.<payload>.<signature>``: the payload (base64url JSON) names the
store, a random code id, how many people it admits and when it expires; the
signature is HMAC-SHA256 of the payload with the server's secret. A gate can
refuse a forged or expired code from the signature and clock alone; the
database makes it single-use. The code carries no personal data: the account
is found through the code id, server side."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

VERSION = "wo1"


class CodeRefused(ValueError):
    """Why a code does not admit anyone (shown to the gate and the shopper)."""


@dataclass(frozen=True)
class EntryCode:
    id: str
    store: str
    admits: int
    expires_at: float


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _sig(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, f"{VERSION}.{payload}".encode(), hashlib.sha256).digest())


def sign(secret: bytes, store: str, admits: int, expires_at: float) -> tuple[str, EntryCode]:
    code = EntryCode(
        id=secrets.token_hex(12), store=store, admits=admits, expires_at=round(expires_at, 3)
    )
    payload = _b64(
        json.dumps(
            {"c": code.id, "s": store, "n": admits, "e": code.expires_at}, separators=(",", ":")
        ).encode()
    )
    return f"{VERSION}.{payload}.{_sig(secret, payload)}", code


def verify(secret: bytes, text: str, store: str, now: float) -> EntryCode:
    """The code's content when signed by us, for this store and not expired;
    otherwise ``CodeRefused`` saying which of these it failed."""
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise CodeRefused(f"not a Walkout entry code (expected {VERSION}.<payload>.<signature>)")
    _, payload, sig = parts
    if not hmac.compare_digest(_sig(secret, payload), sig):
        raise CodeRefused("forged code: its signature does not match")
    try:
        obj = json.loads(_unb64(payload))
        code = EntryCode(
            id=str(obj["c"]), store=str(obj["s"]), admits=int(obj["n"]), expires_at=float(obj["e"])
        )
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise CodeRefused("malformed code payload") from None
    if code.store != store:
        raise CodeRefused(f"code is for store {code.store!r}, not {store!r}")
    if now >= code.expires_at:
        raise CodeRefused(
            f"expired code: it expired {now - code.expires_at:.0f} s ago; show a new one"
        )
    return code


def card_token(secret: bytes, fingerprint: str) -> str:
    """Our token for a card (the same card, the same token; the provider's
    fingerprint itself never reaches the event log)."""
    return (
        "card-" + hmac.new(secret, f"card.{fingerprint}".encode(), hashlib.sha256).hexdigest()[:24]
    )
