"""Server settings: embedded defaults that need nothing installed; environment
variables (``WALKOUT_*``) or ``walkout serve`` options switch to production
infrastructure (PostgreSQL, Mosquitto, NATS JetStream)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WALKOUT_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        default=Path("walkout-data"),
        description="durable log segments, checkpoints and the SQLite database live here",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default SQLite in data_dir; production postgresql+psycopg://...",
    )
    stores: list[str] = Field(
        default_factory=lambda: ["convenience"],
        description="stores this server runs: built-in names or store files",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log: Literal["file", "nats"] = Field(
        default="file", description="the durable log: local append-only files, or NATS JetStream"
    )
    nats_url: str = "nats://127.0.0.1:4222"
    nats_prefix: str = Field(
        default="walkout",
        description="subjects PREFIX.STORE.KIND.DEVICE; streams, buckets PREFIX_...",
    )
    worker_id: str | None = Field(
        default=None, description="who holds store leases (NATS); default host name and pid"
    )
    lease_ttl_s: float = Field(
        default=10.0, gt=0, description="a store lease lapses this long unrenewed"
    )
    mqtt: bool = Field(default=False, description="subscribe to the MQTT broker for device records")
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_prefix: str = Field(default="walkout", description="topics are PREFIX/STORE/KIND/DEVICE")
    mqtt_client_id: str | None = Field(
        default=None, description="the server's MQTT session; default walkout-server-PREFIX"
    )
    mqtt_session_s: int = Field(
        default=86400,
        ge=0,
        description="the broker keeps unacknowledged messages this long while we are down",
    )
    group_commit_ms: float = Field(
        default=2.0, ge=0, description="an append waits this long for company before its fsync"
    )
    fsync: bool = Field(default=True, description="off only for throwaway demos and tests")
    checkpoint_every_s: float = Field(
        default=10.0, gt=0, description="engine checkpoint period (wall)"
    )
    checkpoint_every_records: int = Field(default=200_000, gt=0)
    retention_days: float = Field(
        default=7.0, gt=0, description="raw sensor data is purged after this"
    )
    review_lease_s: float = Field(
        default=300.0, gt=0, description="a claimed review task returns to the queue after this"
    )
    log_format: Literal["console", "json"] = "console"
    log_level: str = "info"
    admin_token: str | None = Field(
        default=None,
        description="create this admin token at start (kept hashed); else one is printed on first start",
    )

    # -- accounts, entry, payments, webhooks, disputes (issue 6 items 4-6) ------------------
    payment_provider: Literal["fake", "stripe"] = Field(
        default="fake",
        description="stripe: real charges (needs stripe_api_key); fake: in memory, charges nobody",
    )
    stripe_api_key: str | None = None
    stripe_api_base: str | None = Field(
        default=None, description="another Stripe-compatible server (localstripe in tests)"
    )
    stripe_publishable_key: str | None = Field(
        default=None,
        pattern=r"^pk_",
        description="pk_...: the shopper page's card form (Stripe.js Elements); else test cards",
    )
    stripe_js_url: str = Field(
        default="https://js.stripe.com/v3/",
        description="where the card form loads Stripe.js; localstripe's mock is BASE/js.stripe.com/v3/",
    )
    secret: str | None = Field(
        default=None,
        description="signs entry codes and card tokens (HMAC); default a random one kept in data_dir",
    )
    entry_code_ttl_s: float = Field(
        default=120.0, gt=0, description="a QR entry code lives this long"
    )
    card_setups_per_hour: int = Field(
        default=10,
        ge=0,
        description="per account: each is a SetupIntent at the provider; 0: no limit",
    )
    signups_per_hour: int = Field(
        default=30,
        ge=0,
        description="per client address (behind a proxy: --proxy-headers); 0: no limit",
    )
    hold_amount: int = Field(
        default=0,
        ge=0,
        description="pre-authorization at entry, minor units (0: none); per store via the policy API",
    )
    dispute_auto_refund_max: int = Field(
        default=1000, ge=0, description="disputes up to this (minor units) are refunded at once"
    )
    dispute_window_days: int = Field(default=30, ge=1)
    payments_lease_s: float = Field(
        default=60.0,
        gt=0,
        description="a charge being called is another worker's for this long (> the provider timeout)",
    )
    provider_timeout_s: float = Field(default=10.0, gt=0)
    hold_max_age_s: float = Field(
        default=6 * 3600.0, gt=0, description="a hold with no receipt after this is voided"
    )
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_backoff_s: float = Field(default=1.0, gt=0, description="first retry after this")
    webhook_backoff_max_s: float = Field(default=3600.0, gt=0)
    webhook_max_attempts: int = Field(
        default=40, ge=1, description="then the delivery is failed (about a day of retries)"
    )

    @model_validator(mode="after")
    def _lease_outlives_a_call(self) -> Settings:
        """A lease shorter than a provider call could let a second worker call
        while the first still waits for its answer."""
        if self.payments_lease_s <= 2 * self.provider_timeout_s:
            raise ValueError(
                f"payments_lease_s ({self.payments_lease_s}) must exceed twice provider_timeout_s "
                f"({self.provider_timeout_s}): the Stripe client may retry a call once"
            )
        return self

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'walkout.db').resolve()}"
