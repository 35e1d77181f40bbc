"""Load-cell noise: the real AiFi NanoStore (BENCHMARK-1) against the twin's NanoStore.

Both are measured with walkout.twin.noise (per plate: median over 1-s windows of
the detrended standard deviation; channels that never change left out).

    python benchmarks/calibrate_noise.py [--seconds 120] [--seed 1]
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from walkout.importers.aifi.mongo import MongoSession
from walkout.paths import aifi_dir
from walkout.stores import builtin_store
from walkout.twin.noise import NoiseStats, noise_stats, series_from_records
from walkout.twin.scenario import preset
from walkout.twin.simulation import Simulation


def real_stats() -> NoiseStats:
    d = aifi_dir()
    sess = MongoSession(d / "BENCHMARK-1", d / "store_meta")
    series, rate = series_from_records(sess.records())
    return noise_stats(series, rate)


def twin_stats(seconds: float, seed: int, per_hour: float = 200.0) -> NoiseStats:
    sc = preset("realistic")
    sc = sc.model_copy(
        update={"arrivals": sc.arrivals.model_copy(update={"peak_per_hour": per_hour})}
    )
    sim = Simulation(builtin_store("nanostore"), sc, seed, seconds)
    series, rate = series_from_records(sim.records())
    return noise_stats(series, rate)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    real = real_stats()
    twin = twin_stats(a.seconds, a.seed)
    t = Table(title="per-plate quiet noise sd (g) and busy seconds")
    t.add_column("statistic")
    t.add_column("AiFi BENCHMARK-1", justify="right")
    t.add_column("twin nanostore", justify="right")
    for k in ("plates", "p10", "p50", "p90", "p99", "max", "window_p90", "window_p99"):
        t.add_row(k, f"{getattr(real, k):g}", f"{getattr(twin, k):g}")
    Console().print(t)


if __name__ == "__main__":
    main()
