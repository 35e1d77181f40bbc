"""Sign-up, the account's cards (held by the provider: we keep its id, brand,
last four digits and our tap token) and entry codes."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from walkout.server.accounts import codes
from walkout.server.auth.principal import Role
from walkout.server.auth.tokens import issue
from walkout.server.db.payments import EntryCodeRow, PaymentMethodRow, PaymentProfileRow
from walkout.server.db.system import AccountRow
from walkout.server.db.visits import CredentialRow
from walkout.server.payments.context import PaymentsContext, detached
from walkout.server.payments.port import CardSetup


class AccountConflict(ValueError):
    pass


def sign_up(ctx: PaymentsContext, store: str, email: str | None) -> tuple[AccountRow, str]:
    """A new shopper account and its first token (for this store), shown once."""
    with ctx.uow() as uow:
        if email and uow.db.scalars(select(AccountRow.id).where(AccountRow.email == email)).first():
            raise AccountConflict("an account with this email exists")
        acc = AccountRow(id="a_" + secrets.token_hex(8), email=email)
        uow.db.add(acc)
        uow.db.flush()
        token, _ = issue(uow.db, Role.SHOPPER, store, account=acc.id, name="sign-up")
        uow.commit()
        detached(uow, acc)
        return acc, token


def add_card(
    ctx: PaymentsContext,
    account: str,
    email: str | None,
    payment_method: str | None,
    setup: str | None = None,
) -> PaymentMethodRow:
    """Attach a card the app created at the provider (``payment_method``), or
    the card a setup confirmed in the browser saved (``setup``, from
    ``start_card_setup``). It becomes the default and the card's tap token is
    registered as the account's entry credential (unless another account
    registered the same card first: it taps in there). The same card posted
    twice is one card. Raises the provider's ``CardDeclined`` when the card is
    refused."""
    customer = customer_of(ctx, account, email)
    if setup is not None:
        card = ctx.provider.card_of_setup(customer, setup)
    else:
        card = ctx.provider.attach_card(customer, payment_method or "")
    tap = codes.card_token(ctx.secret, card.fingerprint)
    with ctx.uow() as uow:
        same = uow.db.scalars(
            select(PaymentMethodRow).where(
                PaymentMethodRow.account_id == account,
                PaymentMethodRow.provider_id == card.provider_id,
                PaymentMethodRow.status == "active",
            )
        ).first()
        if same is not None:  # a double submit: the provider gave back the card we hold
            detached(uow, same)
            return same
        uow.db.execute(
            update(PaymentMethodRow)
            .where(PaymentMethodRow.account_id == account)
            .values(is_default=False)
        )
        row = PaymentMethodRow(
            id="m_" + secrets.token_hex(8),
            account_id=account,
            provider_id=card.provider_id,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            card_token=tap,
            is_default=True,
        )
        uow.db.add(row)
        if uow.get(CredentialRow, tap) is None:
            # a card taps in one account only: the first to register it (it still pays for others)
            uow.db.add(CredentialRow(token=tap, account_id=account, kind="card"))
        uow.commit()
        detached(uow, row)
        return row


def customer_of(ctx: PaymentsContext, account: str, email: str | None) -> str:
    """The account's customer at the provider, created on first need."""
    with ctx.uow() as uow:
        prof = uow.get(PaymentProfileRow, account)
        customer = prof.customer_id if prof else None
    if customer is not None:
        return customer
    customer = ctx.provider.create_customer(account, email, key=f"customer:{account}")
    with ctx.uow() as uow:
        prof = uow.get(PaymentProfileRow, account)
        if prof is not None:  # another request made one first: theirs is kept
            return prof.customer_id
        uow.db.add(
            PaymentProfileRow(account_id=account, provider=ctx.provider.name, customer_id=customer)
        )
        uow.commit()
    return customer


def start_card_setup(ctx: PaymentsContext, account: str, email: str | None) -> CardSetup:
    """A setup for a new card, which the browser confirms with the provider's
    own form (Stripe.js): the card number never passes through the server."""
    return ctx.provider.start_card_setup(customer_of(ctx, account, email))


def remove_card(ctx: PaymentsContext, account: str, method: str) -> None:
    with ctx.uow() as uow:
        row = uow.get(PaymentMethodRow, method)
        if row is None or row.account_id != account or row.status != "active":
            raise KeyError(method)
        provider_id = row.provider_id
    ctx.provider.detach_card(provider_id)
    with ctx.uow() as uow:
        row = uow.get(PaymentMethodRow, method)
        row.status, row.is_default = "removed", False
        uow.commit()


def cards(ctx: PaymentsContext, account: str) -> list[PaymentMethodRow]:
    with ctx.uow() as uow:
        rows = list(
            uow.db.scalars(
                select(PaymentMethodRow)
                .where(PaymentMethodRow.account_id == account, PaymentMethodRow.status == "active")
                .order_by(PaymentMethodRow.created_at)
            )
        )
        detached(uow, *rows)
        return rows


def issue_code(
    ctx: PaymentsContext, store: str, account: str, admits: int
) -> tuple[str, EntryCodeRow]:
    """A single-use QR code for a group of ``admits`` people, valid ``entry_code_ttl_s``."""
    text, code = codes.sign(ctx.secret, store, admits, ctx.now() + ctx.settings.entry_code_ttl_s)
    with ctx.uow() as uow:
        row = EntryCodeRow(
            id=code.id,
            store_id=store,
            account_id=account,
            admits=admits,
            expires_at=code.expires_at,
        )
        uow.db.add(row)
        uow.commit()
        detached(uow, row)
        return text, row
