"""The whole of operations with the engine: faulty plates go to review in the
engine, replays are identical, checkpoints resume, the server adapter maps."""

from __future__ import annotations

from walkout.fusion.engine import Engine
from walkout.fusion.outputs import ShelfEvent
from walkout.operations.items import Alert, Task
from walkout.operations.runner import run_operations
from walkout.operations.watcher import Operations
from walkout.server.worker.operations import AlertIn, StaffTaskIn
from walkout.server.worker.ops_adapter import OperationsAdapter, to_port
from walkout.twin.scenario import preset
from walkout.twin.simulation import Simulation


def _records(shop, faults: dict | None = None, seconds: float = 240.0):
    sc = preset("realistic")
    if faults:
        sc = sc.model_copy(update={"faults": sc.faults.model_copy(update=faults)})
    return list(Simulation(shop, sc, seed=4, duration_s=seconds).records())


def _run(shop, recs):
    eng, ops = Engine(shop), Operations(shop)
    outs, items = [], []
    run_operations(recs, eng, ops, outs.append, items.append)
    return eng, ops, outs, items


def test_replay_gives_the_same_items_and_checkpoint_resumes(shop) -> None:
    recs = _records(shop)
    _, _, _, a = _run(shop, recs)
    _, _, _, b = _run(shop, recs)
    assert [x.model_dump() for x in a] == [x.model_dump() for x in b]
    # stop half way, checkpoint both, resume: the same items
    eng, ops = Engine(shop), Operations(shop, on_plate_fault=None)
    ops.on_plate_fault = eng.set_plate_fault
    half = len(recs) // 2
    first = []
    for r in recs[:half]:
        first += ops.apply(r, eng.apply(r))
    eng2 = Engine.restore(eng.checkpoint())
    ops2 = Operations(shop, on_plate_fault=eng2.set_plate_fault)
    ops2.restore(ops.checkpoint())
    rest = []
    for r in recs[half:]:
        rest += ops2.apply(r, eng2.apply(r))
    last = eng2.flush()
    rest += ops2.flush(last)
    assert [x.id for x in first + rest] == [x.id for x in a]


def test_dead_plate_events_go_to_review(shop) -> None:
    eng = Engine(shop)
    pid = shop.planogram[0].plates[0]
    eng.set_plate_fault(pid, "dead")
    assert Engine.restore(eng.checkpoint()).plate_faults == {pid: "dead"}
    recs = _records(shop, {"dead_plates": 2, "stuck_plates": 1}, seconds=300)
    eng, ops, outs, items = _run(shop, recs)
    faulty = set(ops.health.faulty)
    assert faulty and set(eng.plate_faults) == faulty
    t_found = max(a.t for a in items if isinstance(a, Alert) and a.kind.startswith("plate_"))
    for o in outs:
        on_faulty = isinstance(o, ShelfEvent) and o.op != "none" and set(o.plates) & faulty
        if on_faulty and not o.staff and o.t_decided > t_found:
            assert o.review


def test_adapter_maps_to_the_port(shop) -> None:
    t = Task(id="restock-1", kind="restock", title="Restock", t=1.0)
    assert isinstance(to_port(t), StaffTaskIn)
    done = to_port(t.model_copy(update={"status": "done"}))
    assert isinstance(done, AlertIn) and done.id == "restock-1-done" and done.severity == "info"
    a = Alert(id="health-plate_dead-X", kind="plate_dead", message="m", t=1.0, severity="critical")
    assert to_port(a).id == a.id and to_port(a.model_copy(update={"cleared": True})).id.endswith(
        "-ok"
    )
    ad = OperationsAdapter(shop)
    eng = Engine(shop)
    ad.bind_engine(eng)
    ad.restore(ad.checkpoint())
    assert ad.ops.on_plate_fault == eng.set_plate_fault
