"""The server on the real PostgreSQL (psycopg 3): migrations, ingestion to
receipts, the review queue's lease under two reviewers, roles."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from tests.integration.services import need
from tests.unit.server import test_queues_api as queue_tests
from tests.unit.server.conftest import Clock, Live, add_tokens, make_settings, wait_ready
from walkout.server.api.app import create_app
from walkout.server.bootstrap import Server


@pytest.fixture
def pg_url() -> Iterator[str]:
    need(5432, "PostgreSQL")
    name = f"walkout_test_{secrets.token_hex(4)}"
    with psycopg.connect("host=127.0.0.1 dbname=test", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://127.0.0.1/{name}"
    finally:
        with psycopg.connect("host=127.0.0.1 dbname=test", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def live(tmp_path: Path, pg_url: str) -> Iterator[Live]:
    clock = Clock()
    server = Server(make_settings(tmp_path, database_url=pg_url), clock=clock)
    with TestClient(create_app(server)) as client:
        assert server.db_engine.url.get_backend_name() == "postgresql"
        sid = next(iter(server.stores))
        wait_ready(server)
        yield Live(server, client, clock, sid, add_tokens(server, sid))


def test_migrations_on_postgres(live: Live) -> None:
    assert "receipts" in inspect(live.server.db_engine).get_table_names()


def test_shopper_isolation_on_postgres(live: Live) -> None:
    queue_tests.test_a_shopper_sees_only_their_own_sessions_and_receipts(live)


def test_review_lease_and_decision_on_postgres(live: Live) -> None:
    queue_tests.test_review_claim_lease_decide_finalizes_and_labels(live)


def test_staff_queue_on_postgres(live: Live) -> None:
    queue_tests.test_staff_queue_claim_and_close(live, "alerts")


def test_ingestion_to_receipts_on_postgres(live: Live) -> None:
    from tests.unit.server.test_ingest_http import (
        test_receipts_equal_an_uninterrupted_in_process_run,
    )

    test_receipts_equal_an_uninterrupted_in_process_run(live)
