"""A short, busy twin run and the perfect engine's run of it, shared by the evaluator tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.mini_store import mini_store
from walkout.domain.store import Store
from walkout.evaluation.oracle import perfect_run
from walkout.evaluation.runfiles import Run, read_run
from walkout.evaluation.truth_index import TruthIndex, load_truth
from walkout.eventlog.truth import TruthWriter
from walkout.twin.scenario import preset
from walkout.twin.simulation import Simulation


@dataclass
class Twin:
    store: Store
    truth_path: Path
    truth: TruthIndex
    oracle: Path


@pytest.fixture(scope="session")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Twin:
    """Four busy minutes of the mini store, hard behaviours, with tailgaters and staff."""
    sc = preset("hard")
    sc = sc.model_copy(
        update={
            "arrivals": sc.arrivals.model_copy(update={"peak_per_hour": 400}),
            "behaviours": sc.behaviours.model_copy(
                update={"tailgate": 0.3, "restock_per_hour": 40}
            ),
        }
    )
    store = mini_store()
    d = tmp_path_factory.mktemp("twin")
    path = d / "truth.jsonl"
    with TruthWriter(path) as tw:
        for _ in Simulation(store, sc, 5, 240, truth=tw.write).records():
            pass
    oracle = perfect_run(path, d / "oracle", store)
    return Twin(store, path, load_truth(path), oracle)


@pytest.fixture
def oracle_run(twin: Twin) -> Run:
    """A fresh copy of the perfect run, for a test to spoil."""
    return read_run(twin.oracle)
