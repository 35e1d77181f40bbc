from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.fixtures.mini_store import mini_store
from walkout.domain.store import Store
from walkout.twin.scenario import Scenario, preset
from walkout.twin.simulation import Simulation


@dataclass
class Run:
    store: Store
    scenario: Scenario
    records: list[Any]
    truth: list[Any]


def run_twin(store: Store, scenario: Scenario, seed: int, seconds: float) -> Run:
    truth: list[Any] = []
    sim = Simulation(store, scenario, seed, seconds, truth=truth.append)
    return Run(store, scenario, list(sim.records()), truth)


def busy(name: str = "realistic", per_hour: float = 240) -> Scenario:
    sc = preset(name)
    return sc.model_copy(
        update={"arrivals": sc.arrivals.model_copy(update={"peak_per_hour": per_hour})}
    )


@pytest.fixture(scope="session")
def mini() -> Store:
    return mini_store()


@pytest.fixture(scope="session")
def mini_run(mini: Store) -> Run:
    """Five busy minutes in the mini store, with every behaviour turned up."""
    sc = busy("hard", 300)
    sc = sc.model_copy(
        update={
            "faults": sc.faults.model_copy(
                update={
                    "dead_plates": 0,
                    "stuck_plates": 0,
                    "drifting_plates": 0,
                    "noisy_plates": 0,
                    "clock_skew_devices": 0,
                }
            )
        }
    )
    return run_twin(mini, sc, seed=11, seconds=300)
