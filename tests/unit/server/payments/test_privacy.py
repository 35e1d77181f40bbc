"""A shopper's data: exported whole; deleted with receipts kept, unlinked."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.unit.server.payments.conftest import BEER, Bench
from walkout.server.accounts import privacy, shoppers
from walkout.server.db.payments import ChargeRow, DisputeRow, PaymentMethodRow, WebhookDeliveryRow
from walkout.server.db.system import AccountRow, TokenRow
from walkout.server.db.visits import CredentialRow, ReceiptRow
from walkout.server.payments import disputes


def _shopper_with_history(b: Bench) -> tuple[str, str]:
    b.endpoint("http://127.0.0.1:9/x")
    acc = b.shopper(email="ada@example.org")
    shoppers.issue_code(b.ctx, b.store, acc, 2)
    key = b.receipt(acc, [(BEER, 2)])
    b.run()
    disputes.open_dispute(
        b.ctx, b.store, key.rsplit(":", 1)[1], acc, 0, 1, "I took only one, I am Ada"
    )
    b.run()
    return acc, key


def test_export_holds_everything_about_the_account(bench: Bench) -> None:
    acc, _ = _shopper_with_history(bench)
    out = privacy.export(bench.ctx, acc)
    json.dumps(out)  # plain JSON
    assert out["account"]["email"] == "ada@example.org"
    assert len(out["payment_methods"]) == 1 and out["payment_methods"][0]["last4"] == "4242"
    assert len(out["entry_codes"]) == 1 and len(out["receipts"]) == 1 and len(out["charges"]) == 1
    assert out["receipts"][0]["lines"][0]["sku"] == BEER
    assert out["disputes"][0]["reason"].startswith("I took only one") and len(out["refunds"]) == 1
    assert all("hash" not in t for t in out["tokens"])  # never a credential's secret


def test_delete_removes_personal_data_and_keeps_receipts_unlinked(bench: Bench) -> None:
    acc, key = _shopper_with_history(bench)
    with bench.bus.uow() as uow:
        token_ids = list(uow.db.scalars(select(TokenRow.id).where(TokenRow.account_id == acc)))
        customer = next(iter(bench.provider.customers))
    n = privacy.delete(bench.ctx, acc)
    assert n["receipts"] == 1 and n["charges"] == 1
    assert customer not in bench.provider.customers  # the provider's copy of the card goes too
    with bench.bus.uow() as uow:
        a = uow.get(AccountRow, acc)
        assert (a.email, a.status) == (None, "deleted")
        assert (
            uow.db.scalars(select(PaymentMethodRow).where(PaymentMethodRow.account_id == acc)).all()
            == []
        )
        assert (
            uow.db.scalars(select(CredentialRow).where(CredentialRow.account_id == acc)).all() == []
        )
        rec = uow.db.scalars(select(ReceiptRow)).one()  # kept, as accounting needs...
        c = uow.get(ChargeRow, key)
        assert rec.total == 638 and c.amount == 684 and c.status == "succeeded"
        assert (
            rec.token == "deleted" and c.account_id is None and c.token == "deleted"
        )  # ...unlinked
        d = uow.db.scalars(select(DisputeRow)).one()
        assert d.account_id is None and d.reason is None and d.status == "refunded"
        for w in uow.db.scalars(select(WebhookDeliveryRow)):
            assert w.account_id is None and "ada" not in json.dumps(w.payload).lower()
        for tid in token_ids:
            assert uow.get(TokenRow, tid).revoked_at is not None
    assert privacy.export(bench.ctx, acc)["receipts"] == []
    with pytest.raises(KeyError):
        privacy.delete(bench.ctx, acc)


def test_delete_is_refused_while_money_is_owed(bench: Bench) -> None:
    acc = bench.shopper(card="pm_card_chargeCustomerFail")
    bench.receipt(acc, [(BEER, 1)])
    bench.run()
    with pytest.raises(privacy.DeleteRefused, match="unpaid receipt"):
        privacy.delete(bench.ctx, acc)
