"""Every table, imported in one place (Alembic's metadata)."""

from walkout.server.db.base import Base
from walkout.server.db.payments import (
    ChargeRow,
    DisputeRow,
    EntryCodeRow,
    GateDecisionRow,
    HoldRow,
    PaymentMethodRow,
    PaymentProfileRow,
    RefundRow,
    StorePolicyRow,
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
)
from walkout.server.db.queues import AlertRow, ReviewDecisionRow, ReviewTaskRow, StaffTaskRow
from walkout.server.db.settings import StoreSettingsRow
from walkout.server.db.stores import FacingRow, PriceRow, ProductRow, StoreRow
from walkout.server.db.system import AccountRow, DeadLetterRow, OutboxRow, TokenRow
from walkout.server.db.visits import (
    CredentialRow,
    ReceiptLineRow,
    ReceiptRow,
    SessionRow,
    ShelfEventRow,
)

__all__ = [
    "AccountRow",
    "AlertRow",
    "Base",
    "ChargeRow",
    "CredentialRow",
    "DeadLetterRow",
    "DisputeRow",
    "EntryCodeRow",
    "FacingRow",
    "GateDecisionRow",
    "HoldRow",
    "OutboxRow",
    "PaymentMethodRow",
    "PaymentProfileRow",
    "PriceRow",
    "ProductRow",
    "ReceiptLineRow",
    "ReceiptRow",
    "RefundRow",
    "ReviewDecisionRow",
    "ReviewTaskRow",
    "SessionRow",
    "ShelfEventRow",
    "StaffTaskRow",
    "StorePolicyRow",
    "StoreRow",
    "StoreSettingsRow",
    "TokenRow",
    "WebhookAttemptRow",
    "WebhookDeliveryRow",
    "WebhookEndpointRow",
]
