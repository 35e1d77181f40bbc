"""An in-memory payment provider for unit tests and the embedded demo.

It behaves like localstripe where that matters: Stripe's test payment methods
(``pm_card_visa``; ``pm_card_visa_chargeDeclined`` is declined when attached,
``pm_card_chargeCustomerFail`` when charged), manual capture with partial
capture, cancel, refunds, and by default it ignores idempotency keys, so tests
show that our side alone prevents a second charge."""

from __future__ import annotations

import hashlib
import itertools
import threading
from dataclasses import dataclass, field, replace

from walkout.server.payments.port import (
    Card,
    CardDeclined,
    CardSetup,
    Intent,
    ProviderError,
    Refund,
)

TEST_CARDS = {  # payment method -> card number, as in Stripe's test docs
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_authenticationRequired": "4000002500003155",
}
DECLINED_ON_ATTACH = {"4000000000000002", "4000000000009995"}
DECLINED_ON_CHARGE = {"4000000000000341"}
NEEDS_AUTHENTICATION = {"4000002500003155"}  # 3-D Secure: an off-session payment stops there


def fingerprint(number: str) -> str:
    """What the provider (and the gate's tap reader) call this card."""
    return hashlib.sha1(number.encode()).hexdigest()[:16]


def _card(pm: _Pm) -> Card:
    return Card(
        provider_id=pm.id,
        brand="visa",
        last4=pm.number[-4:],
        exp_month=12,
        exp_year=2030,
        fingerprint=fingerprint(pm.number),
    )


@dataclass
class _Pm:
    id: str
    number: str
    customer: str | None = None


@dataclass
class _Setup:
    setup: CardSetup
    customer: str
    status: str = "requires_payment_method"
    pm: str | None = None


@dataclass
class _Intent:
    intent: Intent
    customer: str
    pm: str


@dataclass
class FakeProvider:
    honour_idempotency: bool = False
    name: str = "fake"
    customers: dict[str, dict[str, str | None]] = field(default_factory=dict)
    methods: dict[str, _Pm] = field(default_factory=dict)
    intents: dict[str, _Intent] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)
    setups: dict[str, _Setup] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    down: bool = False  # every call fails as if the network were out
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _seen: dict[str, object] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}"

    def _enter(self, what: str) -> None:
        self.calls.append(what)
        if self.down:
            raise ProviderError("provider unreachable (fake network down)", retry=True)

    def card(self, number: str) -> str:
        """A payment method for this card number (what the app would create)."""
        with self._lock:
            pm = self._id("pm")
            self.methods[pm] = _Pm(pm, number)
            return pm

    def _pm(self, pm: str) -> _Pm:
        if pm not in self.methods:
            raise ProviderError(f"no such payment method {pm!r}")
        return self.methods[pm]

    # -- the port ----------------------------------------------------------------------------

    def create_customer(self, account: str, email: str | None, key: str) -> str:
        with self._lock:
            self._enter("create_customer")
            cus = self._id("cus")
            self.customers[cus] = {"account": account, "email": email}
            return cus

    def delete_customer(self, customer: str) -> None:
        with self._lock:
            self._enter("delete_customer")
            self.customers.pop(customer, None)
            for pm in self.methods.values():
                if pm.customer == customer:
                    pm.customer = None

    def attach_card(self, customer: str, payment_method: str) -> Card:
        with self._lock:
            self._enter("attach_card")
            if customer not in self.customers:
                raise ProviderError(f"no such customer {customer!r}")
            if payment_method in TEST_CARDS:  # as at Stripe: each use is a new payment method
                payment_method = self.card(TEST_CARDS[payment_method])
            pm = self._pm(payment_method)
            if pm.number in DECLINED_ON_ATTACH:
                raise CardDeclined("Your card was declined.")
            pm.customer = customer
            return _card(pm)

    def start_card_setup(self, customer: str) -> CardSetup:
        with self._lock:
            self._enter("start_card_setup")
            if customer not in self.customers:
                raise ProviderError(f"no such customer {customer!r}")
            seti = self._id("seti")
            self.setups[seti] = _Setup(CardSetup(seti, f"{seti}_secret_{seti[-6:]}"), customer)
            return self.setups[seti].setup

    def confirm_card_setup(self, client_secret: str, number: str) -> str:
        """What Stripe.js does in the shopper's browser (``confirmCardSetup``)
        with the card typed into the form: the setup's id, or ``CardDeclined``."""
        with self._lock:
            st = self.setups[client_secret.split("_secret_")[0]]
            if st.setup.client_secret != client_secret:
                raise ProviderError("wrong client secret")
            st.pm = self.card(number)
            if number in DECLINED_ON_ATTACH:
                st.status = "requires_payment_method"
                raise CardDeclined("Your card was declined.")
            st.status = "succeeded"
            self.methods[st.pm].customer = st.customer
            return st.setup.id

    def card_of_setup(self, customer: str, setup: str) -> Card:
        with self._lock:
            self._enter("card_of_setup")
            st = self.setups.get(setup)
            if st is None or st.customer != customer:
                raise ProviderError(f"no card setup {setup!r} for this customer", code="not_found")
            if st.status != "succeeded" or st.pm is None:
                raise ProviderError(
                    f"the card setup is {st.status}, not confirmed", code="setup_unconfirmed"
                )
            return _card(self._pm(st.pm))

    def detach_card(self, payment_method: str) -> None:
        with self._lock:
            self._enter("detach_card")
            self._pm(payment_method).customer = None

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
        with self._lock:
            self._enter("authorize")
            if self.honour_idempotency and key in self._seen:
                return self._seen[key]  # type: ignore[return-value]
            if amount <= 0:
                raise ProviderError("amount must be positive")
            pm = self._pm(payment_method)
            if pm.customer != customer:
                raise ProviderError(f"{payment_method} is not attached to {customer}")
            iid = self._id("pi")
            declined = pm.number in DECLINED_ON_CHARGE
            status = "declined" if declined else ("succeeded" if capture else "requires_capture")
            if pm.number in NEEDS_AUTHENTICATION:
                status = "requires_action"
            it = Intent(
                id=iid,
                status=status,  # type: ignore[arg-type]
                amount=amount,
                captured=amount if status == "succeeded" else 0,
                currency=currency.lower(),
                metadata=dict(metadata),
            )
            self.intents[iid] = _Intent(it, customer, payment_method)
            self._seen[key] = it
            if declined:
                raise CardDeclined("Your card was declined.", intent=iid)
            return it

    def capture(self, intent: str, amount: int, key: str) -> Intent:
        with self._lock:
            self._enter("capture")
            rec = self._get(intent)
            if rec.intent.status != "requires_capture" or not 0 < amount <= rec.intent.amount:
                raise ProviderError(f"cannot capture {amount} of {intent} ({rec.intent.status})")
            rec.intent = replace(rec.intent, status="succeeded", captured=amount)
            return rec.intent

    def cancel(self, intent: str, key: str) -> Intent:
        with self._lock:
            self._enter("cancel")
            rec = self._get(intent)
            if rec.intent.status not in ("requires_capture", "requires_action", "declined"):
                raise ProviderError(f"cannot cancel {intent} ({rec.intent.status})")
            rec.intent = replace(rec.intent, status="canceled")
            return rec.intent

    def retrieve(self, intent: str) -> Intent:
        with self._lock:
            self._enter("retrieve")
            return self._get(intent).intent

    def find_intents(self, customer: str | None, walkout_key: str) -> list[Intent]:
        with self._lock:
            self._enter("find_intents")
            return [
                r.intent
                for r in self.intents.values()
                if r.intent.metadata.get("walkout_key") == walkout_key
                and (customer is None or r.customer == customer)
            ]

    def refund(self, intent: str, amount: int, key: str, metadata: dict[str, str]) -> Refund:
        with self._lock:
            self._enter("refund")
            if self.honour_idempotency and key in self._seen:
                return self._seen[key]  # type: ignore[return-value]
            rec = self._get(intent)
            left = rec.intent.captured - sum(
                r.amount for r in self.refunds.values() if r.intent == intent
            )
            if rec.intent.status != "succeeded" or not 0 < amount <= left:
                raise ProviderError(f"cannot refund {amount} of {intent} ({left} left)")
            rf = Refund(self._id("re"), intent, amount, "succeeded", dict(metadata))
            self.refunds[rf.id] = rf
            self._seen[key] = rf
            return rf

    def find_refunds(self, intent: str, walkout_key: str) -> list[Refund]:
        with self._lock:
            self._enter("find_refunds")
            return [
                r
                for r in self.refunds.values()
                if r.intent == intent and r.metadata.get("walkout_key") == walkout_key
            ]

    # -- what tests look at ------------------------------------------------------------------

    def _get(self, intent: str) -> _Intent:
        if intent not in self.intents:
            raise ProviderError(f"no such payment intent {intent!r}")
        return self.intents[intent]

    def captured_for(self, walkout_key: str) -> list[Intent]:
        """Intents that took money for this key: more than one is a double charge."""
        return [
            r.intent
            for r in self.intents.values()
            if r.intent.metadata.get("walkout_key") == walkout_key and r.intent.captured > 0
        ]
