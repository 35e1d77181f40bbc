"""Imports of the real reference data, done once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from walkout.eventlog import AnyRecord, LogWriter, read_log
from walkout.importers.aifi.mongo import MongoSession


@pytest.fixture(scope="session")
def store_meta(shared_data: Path) -> Path:
    d = shared_data / "aifi-autocheckout" / "store_meta"
    if not d.is_dir():
        pytest.skip("AiFi store_meta not in the reference data")
    return d


@pytest.fixture(scope="session")
def b1_session(benchmark1: Path, store_meta: Path) -> MongoSession:
    return MongoSession(benchmark1, store_meta)


@pytest.fixture(scope="session")
def b1_log(b1_session: MongoSession, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """BENCHMARK-1 imported and written as JSON Lines, as a user would get it."""
    path = tmp_path_factory.mktemp("b1") / "b1.jsonl"
    with LogWriter(path) as w:
        w.write_all(b1_session.records())
    return path


@pytest.fixture(scope="session")
def b1_records(b1_log: Path) -> list[AnyRecord]:
    return list(read_log(b1_log))
