"""The engine on real data: AiFi's BENCHMARK-1 (NanoStore load cells and tracks,
one shopper, one bottle of ARRWHD SPRNG WTR taken), imported, run and scored
against the competition's official receipt, in-process and through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from walkout.cli.main import app
from walkout.evaluation.evaluator import evaluate_run
from walkout.evaluation.runfiles import RunInfo, RunWriter
from walkout.eventlog import AnyRecord, LogWriter, read_log
from walkout.fusion.engine import Engine
from walkout.fusion.outputs import AnyOutput, Receipt, Session, ShelfEvent
from walkout.fusion.runner import run_engine
from walkout.importers.aifi.mongo import MongoSession
from walkout.storefile import save_store

pytestmark = pytest.mark.realdata

TARGET = "3325379692103139202"  # the shopper's tracker id
WATER = "071142008582"  # ARRWHD SPRNG WTR, 621.67 g, on G1.5.11-12


@pytest.fixture(scope="module")
def b1(benchmark1: Path) -> MongoSession:
    meta = benchmark1.parent / "store_meta"
    if not meta.is_dir():
        pytest.skip("AiFi store_meta not in the reference data")
    return MongoSession(benchmark1, meta)


@pytest.fixture(scope="module")
def b1_records(b1: MongoSession) -> list[AnyRecord]:
    return list(b1.records())


@pytest.fixture(scope="module")
def outputs(b1: MongoSession, b1_records: list[AnyRecord]) -> list[AnyOutput]:
    out: list[AnyOutput] = []
    run_engine(b1_records, Engine(b1.store), out.append)
    return out


def moves(out: list[AnyOutput]) -> list[ShelfEvent]:
    return [o for o in out if isinstance(o, ShelfEvent) and o.op != "none"]


def test_the_one_take_is_the_water_by_the_one_shopper(
    b1: MongoSession, outputs: list[AnyOutput]
) -> None:
    sessions = {o.id: o for o in outputs if isinstance(o, Session)}
    (sess,) = sessions.values()
    assert sess.tracks == [TARGET]
    (ev,) = moves(outputs)  # and no other take or put
    assert ev.op == "take"
    assert ev.hypotheses[0].items == [(WATER, 1)] and ev.hypotheses[0].p > 0.99
    assert ev.session == sess.id and ev.attribution[0].track == TARGET
    assert ev.p > 0.99 and not ev.review and ev.parent is None
    # off the water's own plates, by about its catalogue weight
    water = b1.store.products[WATER]
    home = {p for f in b1.store.planogram if f.product == WATER for p in f.plates}
    assert set(ev.plates) <= home
    assert ev.delta_g == pytest.approx(-water.weight_g, rel=0.04)
    # no more events of any kind
    assert [o for o in outputs if isinstance(o, ShelfEvent)] == [ev]


def test_the_receipt_is_the_official_one(
    b1: MongoSession, benchmark1: Path, outputs: list[AnyOutput]
) -> None:
    official = json.loads((benchmark1 / "expected_receipt.json").read_text())
    (want,) = official["receipts"]
    (r,) = [o for o in outputs if isinstance(o, Receipt)]
    assert r.tracks == [want["target_id"]]
    assert {ln.sku: ln.qty for ln in r.lines} == {
        p["barcode"]: p["quantity"] for p in want["products"]
    }
    assert r.status == "final" and r.t_final is not None
    assert r.total == b1.store.products[WATER].price
    assert not [o for o in outputs if o.kind == "review"]


def test_walkout_eval_scores_it_perfect_against_the_official_receipt(
    b1: MongoSession, benchmark1: Path, outputs: list[AnyOutput], tmp_path: Path
) -> None:
    w = RunWriter(tmp_path / "run")
    for o in outputs:
        w.write(o)
    w.close(RunInfo(store=b1.store.id, log="BENCHMARK-1", source="aifi"))
    res = evaluate_run(tmp_path / "run", benchmark1 / "expected_receipt.json")
    assert res.mode == "official" and res.sessions == 1
    assert res.receipts_exact == res.receipts_exact_auto == 1.0
    assert res.item_precision == res.item_recall == res.item_f1 == 1.0
    assert res.missing_receipts == 0 and res.unmatched_engine_sessions == 0
    assert res.review_rate == 0.0 and res.engine_events == 1


def test_replaying_the_real_log_gives_the_same_outputs(
    b1: MongoSession, b1_records: list[AnyRecord], outputs: list[AnyOutput]
) -> None:
    again: list[AnyOutput] = []
    eng = Engine(b1.store)
    for i, r in enumerate(b1_records):
        if i in (100, 317, 500, 620):  # checkpoint and resume on the way
            eng = Engine.restore(eng.checkpoint())
        again.extend(eng.apply(r))
    again.extend(eng.flush())
    assert [o.model_dump_json() for o in again] == [o.model_dump_json() for o in outputs]


def test_the_cli_run_on_the_imported_log_with_a_strict_threshold(
    b1: MongoSession, b1_records: list[AnyRecord], benchmark1: Path, tmp_path: Path
) -> None:
    """``walkout run LOG --threshold``: the same receipt, but now a human must
    confirm it; ``walkout eval`` still finds it exact, only not final."""
    log = tmp_path / "b1.jsonl"
    with LogWriter(log) as lw:
        lw.write_all(b1_records)
    save_store(b1.store, tmp_path / "store.yaml")
    assert [r.kind for r in read_log(log)][:2] == ["header", "plates"]
    runner = CliRunner()
    strict = runner.invoke(
        app, ["run", str(log), "--out", str(tmp_path / "strict"), "--threshold", "0.999"]
    )
    assert strict.exit_code == 0, strict.output
    (rec,) = [json.loads(x) for x in (tmp_path / "strict/receipts.jsonl").read_text().splitlines()]
    assert rec["status"] == "review" and rec["lines"][0]["sku"] == WATER
    assert (tmp_path / "strict/reviews.jsonl").read_text().count('"kind":"review"') == 1
    ev = runner.invoke(
        app,
        [
            "eval",
            str(tmp_path / "strict"),
            "--truth",
            str(benchmark1 / "expected_receipt.json"),
            "--json",
            "--no-report",
        ],
    )
    assert ev.exit_code == 0, ev.output
    d = json.loads(ev.stdout)
    assert d["receipts_exact"] == 1.0 and d["review_rate"] == 1.0
