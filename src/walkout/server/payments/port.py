"""The payment-provider port: what Walkout asks of Stripe (or a fake).

Every call that moves money takes an idempotency key and metadata carrying our
own key (``walkout_key``), so that after a crash the intent can be found at the
provider by ``find_intents`` before anything is called again. A provider that
ignores idempotency keys (localstripe) is still charged once: our database
records the intent first and the lookup runs before every retry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

IntentStatus = Literal[
    "requires_capture", "succeeded", "canceled", "declined", "processing", "requires_action"
]


class ProviderError(Exception):
    """The provider refused or failed; ``retry`` says whether trying again may help."""

    def __init__(self, message: str, retry: bool = False, code: str | None = None):
        super().__init__(message)
        self.retry = retry
        self.code = code


class CardDeclined(ProviderError):
    def __init__(self, message: str, code: str | None = "card_declined", intent: str | None = None):
        super().__init__(message, retry=False, code=code)
        self.intent = intent


@dataclass(frozen=True)
class Card:
    provider_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str


@dataclass(frozen=True)
class CardSetup:
    """A card being saved for later off-session charges (Stripe's SetupIntent):
    the browser confirms it with ``client_secret`` and the card the shopper
    types, so the card number goes to the provider and never through us."""

    id: str
    client_secret: str


@dataclass(frozen=True)
class Intent:
    id: str
    status: IntentStatus
    amount: int
    captured: int  # minor units taken (0 until captured)
    currency: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refund:
    id: str
    intent: str
    amount: int
    status: str
    metadata: dict[str, str] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str

    def create_customer(self, account: str, email: str | None, key: str) -> str: ...

    def delete_customer(self, customer: str) -> None: ...

    def attach_card(self, customer: str, payment_method: str) -> Card:
        """Raises ``CardDeclined`` when the provider refuses the card."""
        ...

    def detach_card(self, payment_method: str) -> None: ...

    def start_card_setup(self, customer: str) -> CardSetup:
        """A setup for the customer's next card, to be confirmed in the browser."""
        ...

    def card_of_setup(self, customer: str, setup: str) -> Card:
        """The card a confirmed setup saved on ``customer`` (attached to it).
        Raises ``CardDeclined`` when the card was refused, ``ProviderError`` when
        the setup is unfinished or not this customer's."""
        ...

    def authorize(
        self,
        customer: str,
        payment_method: str,
        amount: int,
        currency: str,
        key: str,
        metadata: dict[str, str],
        capture: bool,
    ) -> Intent:
        """A confirmed, off-session payment intent: captured at once, or (``capture``
        False) held for ``capture``/``cancel``. Raises ``CardDeclined``."""
        ...

    def capture(self, intent: str, amount: int, key: str) -> Intent: ...

    def cancel(self, intent: str, key: str) -> Intent: ...

    def retrieve(self, intent: str) -> Intent: ...

    def find_intents(self, customer: str | None, walkout_key: str) -> list[Intent]:
        """Intents whose metadata carries our key (the reconcile lookup)."""
        ...

    def refund(self, intent: str, amount: int, key: str, metadata: dict[str, str]) -> Refund: ...

    def find_refunds(self, intent: str, walkout_key: str) -> list[Refund]: ...
