"""Each kind of store generated once per test session, at its default area and seed 1."""

from __future__ import annotations

import pytest

from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.twin.layout import generate_store

KINDS = ("corner-shop", "convenience", "supermarket")


@pytest.fixture(scope="session")
def stores() -> dict[str, Store]:
    return {k: generate_store(k) for k in KINDS}


@pytest.fixture(scope="session")
def layouts(stores: dict[str, Store]) -> dict[str, Layout]:
    return {k: Layout.of(s) for k, s in stores.items()}
