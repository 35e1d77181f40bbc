"""Store operations on the twin against issue 5's targets.

    python benchmarks/ops_accuracy.py --hours 8 --seed 7 --out runs/bench/ops-day.json
        # the day: convenience, realistic, 12:00-20:00, no sensor faults; tailgating and
        # concealment at 2 % of sessions each (realistic has 0.5 %: too few to measure recall);
        # inventory, restock, misplaced, tailgating, concealment, and health false alarms
    python benchmarks/ops_accuracy.py --hours 1 --seed 21 --faults --out runs/bench/ops-faults.json
        # the faults: 2 dead, 2 stuck, 2 drifting, 2 noisy plates, 1 clock jump, 1 controller
        # offline, at random times; how long each took to be found
    python benchmarks/ops_accuracy.py --hours 8 --seed 7 --save-events runs/bench/ops-day.pkl
    python benchmarks/ops_accuracy.py --from-events runs/bench/ops-day.pkl
        # the same day's engine outputs and truth saved once, then operations re-run and
        # re-scored on them in seconds (inventory, restock, misplaced only: the replay
        # keeps every record the engine answered and one record a second, not the plates'
        # and cameras' streams, so health and concealment are not scored from it)

The twin streams in-process into the engine and operations (``run_operations``,
as ``walkout ops`` runs them); the truth stays in memory and is scored by
``walkout.evaluation.operations`` (definitions in docs/operations.md).

Two operations run side by side on the engine's outputs: one as the engine
guessed ("guessed": no reviewer, so a misplaced put in review opens its task at
once), and one that also takes the oracle reviewer's labels for
the events the engine sent to review, a minute after each
(``walkout.evaluation.ops_labels``; "after review"), as a store's reviewers
would settle them.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import pickle
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from walkout.evaluation.operations import score_operations
from walkout.evaluation.ops_labels import OracleLabels
from walkout.eventlog.records import AnyRecord, ShelfLabel
from walkout.fusion.engine import Engine
from walkout.fusion.outputs import AnyOutput, ShelfEvent
from walkout.operations.config import OpsConfig
from walkout.operations.corrections import Move
from walkout.operations.items import OpsItem
from walkout.operations.runner import run_operations
from walkout.operations.watcher import Operations
from walkout.stores import builtin_store
from walkout.twin.scenario import preset
from walkout.twin.simulation import Simulation

FAULTS = {
    "dead_plates": 2,
    "stuck_plates": 2,
    "drifting_plates": 2,
    "noisy_plates": 2,
    "clock_skew_devices": 1,
    "offline_devices": 1,
}


class Reviewed:
    """Operations with the oracle's labels, and beside it operations without them."""

    def __init__(self, reviewed: Operations, guessed: Operations, oracle: OracleLabels):
        self.reviewed, self.guessed, self.oracle = reviewed, guessed, oracle
        self.guessed_items: list[OpsItem] = []
        self._next = -float("inf")

    @property
    def on_plate_fault(self):  # type: ignore[no-untyped-def]
        return self.reviewed.on_plate_fault

    @on_plate_fault.setter
    def on_plate_fault(self, hook) -> None:  # type: ignore[no-untyped-def]
        self.reviewed.on_plate_fault = self.guessed.on_plate_fault = hook

    def apply(self, rec: AnyRecord, outputs: list[AnyOutput]) -> list[OpsItem]:
        for o in outputs:
            if isinstance(o, ShelfEvent):
                self.oracle.on_event(o)
        self.guessed_items += self.guessed.apply(rec, outputs)
        got = self.reviewed.apply(rec, outputs)
        now = self.reviewed.now
        if now >= self._next:
            self._next = now + 10.0
            for eid, moves, t in self.oracle.due(now):
                got += self.reviewed.apply(as_record(eid, moves, t), [])
        return got

    def flush(self, outputs: list[AnyOutput] = ()) -> list[OpsItem]:  # type: ignore[assignment]
        for o in outputs:
            if isinstance(o, ShelfEvent):
                self.oracle.on_event(o)
        self.guessed_items += self.guessed.flush(outputs)
        got = self.reviewed.flush(outputs)
        for eid, moves, t in self.oracle.due(float("inf")):
            got += self.reviewed.apply(as_record(eid, moves, t), [])
        return got


def as_record(event: str, moves: list[Move], t: float) -> ShelfLabel:
    """A label as the server hands it to operations: a ``shelf_label`` record."""
    return ShelfLabel(device="review:oracle", t=t, event=event, moves=moves, by="oracle")


BULK = ("plates", "tracks", "keypoints")


class Saver:
    """Operations as given, and beside it what a replay needs: every record the engine
    answered (with its outputs), every record that is not a bulk sensor stream, and
    one record a second so that operations' clock moves as it did.

    What is kept streams to ``stream`` as it comes, one pickle per record, so that a
    whole day does not have to fit in memory (in a list it took over 22 GB)."""

    def __init__(self, ops: Reviewed, stream: BinaryIO | None = None):
        self.ops = ops
        self.stream = stream
        self.last: list[AnyOutput] = []
        self._sec = -1

    @property
    def on_plate_fault(self):  # type: ignore[no-untyped-def]
        return self.ops.on_plate_fault

    @on_plate_fault.setter
    def on_plate_fault(self, hook) -> None:  # type: ignore[no-untyped-def]
        self.ops.on_plate_fault = hook

    def apply(self, rec: AnyRecord, outputs: list[AnyOutput]) -> list[OpsItem]:
        sec = int(getattr(rec, "t", -1))
        if self.stream and (outputs or rec.kind not in BULK or sec != self._sec):
            self._sec = sec
            self.stream.write(pickle.dumps((rec, list(outputs)), pickle.HIGHEST_PROTOCOL))
        return self.ops.apply(rec, outputs)

    def flush(self, outputs: list[AnyOutput] = ()) -> list[OpsItem]:  # type: ignore[assignment]
        self.last = list(outputs)
        return self.ops.flush(outputs)


def label_counts(oracle: OracleLabels, ops: Operations) -> dict[str, int]:
    """What the oracle reviewer gave and what operations made of it."""
    return {
        "given": oracle.given,
        "other_op_actions": oracle.other_op,
        "shared_actions": oracle.shared,
        "applied": ops.corrections.labels,
        "unknown": ops.corrections.unknown_labels,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default="convenience")
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--faults", action="store_true", help="inject the sensor faults")
    ap.add_argument("--tailgate", type=float, default=0.02)
    ap.add_argument("--conceal", type=float, default=0.02)
    ap.add_argument("--wrong-shelf", type=float, default=None, help="realistic's rate if unset")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--save-events", type=Path, default=None, help="keep the day for --from-events")
    ap.add_argument(
        "--from-events",
        type=Path,
        default=None,
        help="operations on a saved day, no twin or engine",
    )
    ap.add_argument(
        "--no-share-splits",
        action="store_true",
        help="the oracle labels by the matching alone (a split action's other part: nothing)",
    )
    a = ap.parse_args()
    if a.from_events:
        return from_events(a)
    store = builtin_store(a.store)
    base = preset("realistic")
    sc = base.model_copy(
        update={
            "behaviours": base.behaviours.model_copy(
                update={"tailgate": a.tailgate, "conceal": a.conceal}
                | ({} if a.wrong_shelf is None else {"wrong_shelf": a.wrong_shelf})
            ),
            "faults": base.faults.model_copy(update=FAULTS if a.faults else {}),
        }
    )
    truth: list = []
    oracle = OracleLabels(share_splits=not a.no_share_splits)

    def keep_truth(r: object) -> None:
        truth.append(r)
        oracle.on_truth(r)

    sim = Simulation(store, sc, seed=a.seed, duration_s=a.hours * 3600, truth=keep_truth)
    cfg = OpsConfig()
    engine = Engine(store)
    ops = Operations(store, cfg)
    # without reviewers nobody labels: misplaced puts in review open their tasks at once
    guessed = Operations(store, cfg.model_copy(update={"review_wait_s": 0.0}))
    both = Reviewed(ops, guessed, oracle)
    kept_path = a.save_events and a.save_events.with_name(a.save_events.name + ".kept")
    if kept_path:
        kept_path.parent.mkdir(parents=True, exist_ok=True)
    stream = kept_path.open("wb") if kept_path else None
    saver = Saver(both, stream)
    items: list = []
    n_out = [0]
    t0 = time.perf_counter()

    on_faulty = {"events": 0, "review": 0}

    def sink(o: object) -> None:
        n_out[0] += 1
        shelf = isinstance(o, ShelfEvent) and o.op != "none" and not o.staff
        if shelf and set(o.plates) & set(engine.plate_faults):  # type: ignore[attr-defined]
            on_faulty["events"] += 1
            on_faulty["review"] += int(o.review)  # type: ignore[attr-defined]

    stats = run_operations(
        sim.records(),
        engine,
        saver,  # type: ignore[arg-type]
        sink,
        items.append,
        progress=lambda s: print(
            f"\r{s / 3600:5.2f} h of log, {time.perf_counter() - t0:6.0f} s", end="", flush=True
        ),
        every=200_000,
    )
    print()
    if stream:
        stream.close()
    score = score_operations(store, cfg, truth, items, ops.inventory)
    raw = score_operations(store, cfg, truth, both.guessed_items, guessed.inventory).as_dict()
    res = {
        "store": a.store,
        "hours": a.hours,
        "seed": a.seed,
        "faults": a.faults,
        "tailgate": a.tailgate,
        "conceal": a.conceal,
        "wrong_shelf": sc.behaviours.wrong_shelf,
        "records": stats.records,
        "wall_s": round(time.perf_counter() - t0, 1),
        **score.as_dict(),
        "labels": label_counts(oracle, ops),
        "guessed": {k: raw[k] for k in ("inventory", "restock", "misplaced")},
        "events_on_faulty_plates": on_faulty,
        "shift": ops.shift_view().lines(),
    }
    if a.save_events:
        day = {"args": vars(a) | {"wrong_shelf": sc.behaviours.wrong_shelf}, "truth": truth}
        day |= {"last": saver.last, "result": res}
        with a.save_events.open("wb") as f:
            pickle.dump(day, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(json.dumps(res, indent=1))
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(res, indent=1))


def kept(path: Path) -> Iterator[tuple[AnyRecord, list[AnyOutput]]]:
    """The records a ``Saver`` streamed, one at a time."""
    with path.open("rb") as f:
        while True:
            try:
                yield pickle.load(f)  # our own file, never untrusted input
            except EOFError:
                return


def from_events(a: argparse.Namespace) -> None:
    """Operations and the oracle on a saved day (``--save-events``), scored again."""
    with a.from_events.open("rb") as f:
        day = pickle.load(f)  # our own file, never untrusted input
    store = builtin_store(day["args"]["store"])
    truth = day["truth"]
    oracle = OracleLabels(share_splits=not a.no_share_splits)
    for r in truth:
        oracle.on_truth(r)
    cfg = OpsConfig()
    ops = Operations(store, cfg, on_plate_fault=lambda p, f: None)
    guessed = Operations(
        store, cfg.model_copy(update={"review_wait_s": 0.0}), on_plate_fault=lambda p, f: None
    )
    both = Reviewed(ops, guessed, oracle)
    items: list[OpsItem] = []
    t0 = time.perf_counter()
    for rec, outputs in kept(a.from_events.with_name(a.from_events.name + ".kept")):
        items += both.apply(rec, outputs)
    items += both.flush(day["last"])
    score = score_operations(store, cfg, truth, items, ops.inventory).as_dict()
    raw = score_operations(store, cfg, truth, both.guessed_items, guessed.inventory).as_dict()
    keys = ("inventory", "restock", "misplaced")
    res = {
        "from_events": str(a.from_events),
        "wall_s": round(time.perf_counter() - t0, 1),
        "labelled": {k: score[k] for k in keys},
        "guessed": {k: raw[k] for k in keys},
        "labels": label_counts(oracle, ops),
    }
    print(json.dumps(res, indent=1))
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
