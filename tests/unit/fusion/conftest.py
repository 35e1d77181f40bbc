"""The mini store and its live planogram, shared by the fusion-engine tests."""

from __future__ import annotations

import pytest

from tests.fixtures.mini_store import mini_store
from walkout.domain.layout import Layout
from walkout.domain.store import Store
from walkout.fusion.config import EngineConfig
from walkout.fusion.planogram import LivePlanogram


@pytest.fixture(scope="session")
def store() -> Store:
    return mini_store()


@pytest.fixture(scope="session")
def layout(store: Store) -> Layout:
    return Layout.of(store)


@pytest.fixture
def plan(layout: Layout) -> LivePlanogram:
    """A fresh live planogram (tests change it)."""
    return LivePlanogram(layout)


@pytest.fixture(scope="session")
def cfg() -> EngineConfig:
    return EngineConfig()
