"""Every table, imported in one place (Alembic's metadata)."""

from walkout.server.db.base import Base
from walkout.server.db.queues import AlertRow, ReviewDecisionRow, ReviewTaskRow, StaffTaskRow
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
    "CredentialRow",
    "DeadLetterRow",
    "FacingRow",
    "OutboxRow",
    "PriceRow",
    "ProductRow",
    "ReceiptLineRow",
    "ReceiptRow",
    "ReviewDecisionRow",
    "ReviewTaskRow",
    "SessionRow",
    "ShelfEventRow",
    "StaffTaskRow",
    "StoreRow",
    "TokenRow",
]
