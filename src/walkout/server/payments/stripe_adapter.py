"""The Stripe adapter, through the official ``stripe`` library (``StripeClient``).

``api_base`` points it at localstripe in tests. Payment intents are created
confirmed and off-session (the shopper has left the store), with our key in
their metadata and an idempotency key. Stripe honours the key for 24 hours;
localstripe ignores it, which is why ``find_intents`` exists."""

from __future__ import annotations

from typing import Any

import stripe

from walkout.server.payments.port import (
    Card,
    CardDeclined,
    CardSetup,
    Intent,
    ProviderError,
    Refund,
)

_STATUS = {
    "requires_capture": "requires_capture",
    "succeeded": "succeeded",
    "canceled": "canceled",
    "processing": "processing",
    "requires_action": "requires_action",
    "requires_payment_method": "declined",  # a failed confirmation
    "requires_confirmation": "declined",
}


class StripeProvider:
    name = "stripe"

    def __init__(
        self,
        api_key: str,
        api_base: str | None = None,
        timeout_s: float = 10.0,
        retries: int = 1,
    ):
        http = stripe.RequestsClient(timeout=timeout_s)
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,  # type: ignore[typeddict-item]
            max_network_retries=retries,
            http_client=http,
        )
        self.v1: Any = self.client.v1

    def _call(self, fn: Any, *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except stripe.CardError as e:
            pi = getattr(getattr(e, "error", None), "payment_intent", None)
            raise CardDeclined(
                e.user_message or str(e), code=e.code, intent=getattr(pi, "id", None)
            ) from None
        except (stripe.APIConnectionError, stripe.RateLimitError) as e:
            raise ProviderError(f"stripe unreachable: {e}", retry=True) from None
        except stripe.StripeError as e:
            status = e.http_status or 0
            raise ProviderError(
                f"stripe: {e.user_message or str(e)}", retry=status >= 500 or status in (0, 409)
            ) from None

    # -- customers and cards -------------------------------------------------------------------

    def create_customer(self, account: str, email: str | None, key: str) -> str:
        params: dict[str, Any] = {"metadata": {"walkout_account": account}}
        if email:
            params["email"] = email
        cus = self._call(self.v1.customers.create, params=params, options={"idempotency_key": key})
        return str(cus.id)

    def delete_customer(self, customer: str) -> None:
        self._call(self.v1.customers.delete, customer)

    def attach_card(self, customer: str, payment_method: str) -> Card:
        pm = self._call(
            self.v1.payment_methods.attach, payment_method, params={"customer": customer}
        )
        return _card(pm)

    def detach_card(self, payment_method: str) -> None:
        self._call(self.v1.payment_methods.detach, payment_method)

    def start_card_setup(self, customer: str) -> CardSetup:
        """Off-session usage: the card is saved to be charged after the shopper
        has left, so the bank authenticates it now (3-D Secure) if it must."""
        si = self._call(
            self.v1.setup_intents.create,
            params={"customer": customer, "usage": "off_session", "payment_method_types": ["card"]},
        )
        return CardSetup(id=str(si.id), client_secret=str(si.client_secret))

    def card_of_setup(self, customer: str, setup: str) -> Card:
        si = self._call(self.v1.setup_intents.retrieve, setup)
        if _id(si.customer) != customer:
            raise ProviderError(f"no card setup {setup!r} for this customer", code="not_found")
        if si.status != "succeeded":
            raise ProviderError(
                f"the card setup is {si.status}, not confirmed", code="setup_unconfirmed"
            )
        pm = self._call(self.v1.payment_methods.retrieve, _id(si.payment_method))
        if _id(pm.customer) != customer:  # Stripe attaches it on success; localstripe does not
            pm = self._call(self.v1.payment_methods.attach, pm.id, params={"customer": customer})
        return _card(pm)

    # -- intents -------------------------------------------------------------------------------

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
        params = {
            "amount": amount,
            "currency": currency.lower(),
            "customer": customer,
            "payment_method": payment_method,
            "confirm": True,
            "off_session": True,
            "metadata": metadata,
            "capture_method": "automatic" if capture else "manual",
        }
        pi = self._call(
            self.v1.payment_intents.create, params=params, options={"idempotency_key": key}
        )
        it = _intent(pi)
        if it.status == "declined":
            raise CardDeclined("the card was declined", intent=it.id)
        return it

    def capture(self, intent: str, amount: int, key: str) -> Intent:
        pi = self._call(
            self.v1.payment_intents.capture,
            intent,
            params={"amount_to_capture": amount},
            options={"idempotency_key": key},
        )
        return _intent(pi)

    def cancel(self, intent: str, key: str) -> Intent:
        pi = self._call(self.v1.payment_intents.cancel, intent, options={"idempotency_key": key})
        return _intent(pi)

    def retrieve(self, intent: str) -> Intent:
        return _intent(self._call(self.v1.payment_intents.retrieve, intent))

    def find_intents(self, customer: str | None, walkout_key: str) -> list[Intent]:
        """Listing by customer is consistent at Stripe (search is not); localstripe
        lists only everything, so without the filter we page through all of it."""
        try:
            pages = self._call(
                self.v1.payment_intents.list, params={"customer": customer, "limit": 100}
            )
        except ProviderError:
            pages = self._call(self.v1.payment_intents.list, params={"limit": 100})
        out = []
        for pi in pages.auto_paging_iter():
            md = pi.metadata.to_dict() if pi.metadata else {}
            if md.get("walkout_key") == walkout_key:
                out.append(_intent(pi))
        return out

    # -- refunds -------------------------------------------------------------------------------

    def refund(self, intent: str, amount: int, key: str, metadata: dict[str, str]) -> Refund:
        rf = self._call(
            self.v1.refunds.create,
            params={"payment_intent": intent, "amount": amount, "metadata": metadata},
            options={"idempotency_key": key},
        )
        return _refund(rf, intent)

    def find_refunds(self, intent: str, walkout_key: str) -> list[Refund]:
        pages = self._call(self.v1.refunds.list, params={"payment_intent": intent, "limit": 100})
        out = []
        for rf in pages.auto_paging_iter():
            md = rf.metadata.to_dict() if rf.metadata else {}
            if md.get("walkout_key") == walkout_key:
                out.append(_refund(rf, intent))
        return out


def _id(x: Any) -> str | None:
    """An id field, expanded into its object or not."""
    return None if x is None else str(x if isinstance(x, str) else x.id)


def _card(pm: Any) -> Card:
    c = pm.card
    return Card(
        provider_id=str(pm.id),
        brand=str(c.brand),
        last4=str(c.last4),
        exp_month=int(c.exp_month),
        exp_year=int(c.exp_year),
        fingerprint=str(c.fingerprint),
    )


def _intent(pi: Any) -> Intent:
    status = _STATUS.get(str(pi.status), "processing")
    received = getattr(pi, "amount_received", None)
    if received is None:  # localstripe has no amount_received
        received = pi.amount if status == "succeeded" else 0
    return Intent(
        id=str(pi.id),
        status=status,  # type: ignore[arg-type]
        amount=int(pi.amount),
        captured=int(received),
        currency=str(pi.currency),
        metadata=pi.metadata.to_dict() if pi.metadata else {},
    )


def _refund(rf: Any, intent: str) -> Refund:
    return Refund(
        id=str(rf.id),
        intent=intent,
        amount=int(rf.amount),
        status=str(rf.status),
        metadata=rf.metadata.to_dict() if rf.metadata else {},
    )
