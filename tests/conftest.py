"""Shared fixtures: where the real reference data is, and small stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from walkout.paths import shared_data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (AiFi NanoStore, AIM3S); tests that need it skip without it."""
    d = shared_data_dir(required=False)
    if d is None:
        pytest.skip("reference data ../shared/data not found (set WALKOUT_SHARED_DATA)")
    return d


@pytest.fixture(scope="session")
def benchmark1(shared_data: Path) -> Path:
    d = shared_data / "aifi-autocheckout" / "BENCHMARK-1"
    if not d.is_dir():
        pytest.skip("AiFi BENCHMARK-1 not in the reference data")
    return d
