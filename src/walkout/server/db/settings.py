"""Store settings an admin changes from the dashboard that are not payment
policy: the review threshold and the age-check policy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from walkout.server.db.base import Base, utcnow


class StoreSettingsRow(Base):
    __tablename__ = "store_settings"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    review_threshold: Mapped[float | None] = mapped_column(
        default=None, doc="None: the engine's default"
    )
    age_check: Mapped[str] = mapped_column(
        String(32),
        default="charge_on_verification",
        doc="block_exit | charge_on_verification | remove_item | off (store operations' policy)",
    )
    updated_by: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
