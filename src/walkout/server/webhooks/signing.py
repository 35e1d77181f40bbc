"""Webhook signatures, as Stripe signs them: header
``Walkout-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.
The timestamp is signed too, so a receiver refuses a replayed old delivery."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Walkout-Signature"
TOLERANCE_S = 300.0


class BadSignature(ValueError):
    pass


def sign(secret: str, body: bytes, t: float) -> str:
    ts = str(int(t))
    mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify(
    secret: str, body: bytes, header: str, now: float, tolerance_s: float = TOLERANCE_S
) -> None:
    """For receivers: raises ``BadSignature`` saying what is wrong."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        k, _, v = item.strip().partition("=")
        parts.setdefault(k, []).append(v)
    if "t" not in parts or "v1" not in parts:
        raise BadSignature(f"{HEADER} needs t= and v1=")
    try:
        ts = int(parts["t"][0])
    except ValueError:
        raise BadSignature("timestamp is not an integer") from None
    if abs(now - ts) > tolerance_s:
        raise BadSignature(
            f"timestamp {ts} is {now - ts:.0f} s from now (tolerance {tolerance_s:.0f} s)"
        )
    want = hmac.new(secret.encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(want, v) for v in parts["v1"]):
        raise BadSignature("no v1 signature matches")
