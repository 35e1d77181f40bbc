"""What the engine benchmarks share: twin runs cached on disk, the engine run
in-process exactly as ``walkout run`` does it, and scoring as ``walkout eval``.

Not a benchmark itself; ``engine_accuracy.py``, ``engine_real.py`` and
``engine_speed.py`` import it (run them from the repository root).
"""

from __future__ import annotations

import json
import math
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from walkout.cli.common import tune_gc_for_streaming
from walkout.domain.store import Store
from walkout.evaluation.evaluator import evaluate_run
from walkout.evaluation.result import EvalResult
from walkout.evaluation.runfiles import RunInfo, RunWriter
from walkout.eventlog import read_log
from walkout.eventlog.records import AnyRecord
from walkout.fusion.config import EngineConfig
from walkout.fusion.engine import ENGINE_VERSION, Engine
from walkout.fusion.runner import RunStats, run_engine
from walkout.storefile import load_store, store_to_yaml
from walkout.stores import resolve_store
from walkout.twin.arrivals import ArrivalCurve
from walkout.twin.runner import simulate_to_dir
from walkout.twin.scenario import Scenario, load_scenario
from walkout.twin.simulation import TWIN_VERSION
from walkout.twin.summary import RunSummary

DEFAULT_CACHE = Path("runs/bench")

#: The ablations of ``walkout run``: name -> (CLI flags, config overrides).
VARIANTS: dict[str, tuple[str, dict[str, bool]]] = {
    "all": ("", {}),
    "weight-only": ("--weight-only", {"use_layout": False}),
    "no-recognition": ("--no-recognition", {"use_recognition": False}),
    "no-rfid": ("--no-rfid", {"use_rfid": False}),
    "weight alone": (
        "--weight-only --no-recognition --no-rfid",
        {"use_layout": False, "use_recognition": False, "use_rfid": False},
    ),
}


def command_line() -> str:
    """The command that is running, to print beside its figures."""
    return "python " + " ".join(shlex.quote(a) for a in sys.argv)


def stamp() -> str:
    """Date, commit and engine version, for the line above a table."""
    import datetime as dt

    return f"{dt.date.today().isoformat()}, commit {revision()}, engine v{ENGINE_VERSION}"


def revision() -> str:
    """The checkout's commit, with ``-dirty`` when src/ has uncommitted changes (the
    code that made the figures), to print beside them."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True, cwd=Path(__file__).parent
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "../src")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if dirty else "")


def pin_one_core() -> int | None:
    """Run on one CPU (the first this process may use); returns it, or None where unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def expected_sessions(store: Store, scenario: Scenario, hours: float) -> float:
    """Sessions the twin's arrival curve expects in the first ``hours`` of a run."""
    from walkout.domain.geometry import polygon_area

    a = scenario.arrivals
    curve = ArrivalCurve(a, a.peak_for(polygon_area(store.floor.outline)))
    steps = max(1, int(hours * 60))
    total = 0.0
    for i in range(steps):
        h = scenario.start_hour + (i + 0.5) * hours / steps
        total += float(curve.per_hour(h)) * hours / steps
    return total


def hours_for_sessions(
    store: Store, scenario: Scenario, sessions: int, margin: float = 1.03
) -> int:
    """Whole hours of arrivals the curve expects to bring ``margin`` x ``sessions``.

    The rate follows the time of day (lunch, afternoon and evening peaks, quiet
    nights), so 1,000 sessions of ``realistic`` in a convenience store take 15
    hours from noon, not 7 busy ones."""
    for h in range(1, 24 * 7):
        if expected_sessions(store, scenario, h) >= margin * sessions:
            return h
    raise ValueError(f"{sessions} sessions need more than a week of {scenario.name}")


@dataclass
class SimRun:
    dir: Path
    store: Store
    summary: RunSummary
    reused: bool

    @property
    def log(self) -> Path:
        return self.dir / "log.wlog"

    @property
    def truth(self) -> Path:
        return self.dir / "truth.jsonl"


def sim_name(store: str, scenario: str, hours: float, seed: int) -> str:
    return f"{store}-{Path(scenario).stem}-{hours:g}h-s{seed}"


def ensure_sim(
    store: str,
    scenario: str,
    hours: float,
    seed: int,
    cache: Path = DEFAULT_CACHE,
    fresh: bool = False,
    say: Callable[[str], object] = print,
) -> SimRun:
    """The twin's run for these settings: from the cache when it is there and
    complete (``summary.json`` is written last), else simulated now (binary log).
    Same as ``walkout simulate --store S --scenario SC --hours H --seed N --out DIR --binary``."""
    out = cache / sim_name(store, scenario, hours, seed)
    sc = load_scenario(scenario)
    done = out / "summary.json"
    if done.is_file() and (out / "log.wlog").is_file() and not fresh:
        s = RunSummary.model_validate_json(done.read_text(encoding="utf-8"))
        if (
            s.seed == seed
            and math.isclose(s.simulated_s, hours * 3600)
            and s.scenario == sc.name
            and _twin_version(out) == TWIN_VERSION
        ):
            return SimRun(out, load_store(out / "store.yaml"), s, True)
    st = resolve_store(store)
    say(
        f"simulating: walkout simulate --store {store} --scenario {scenario} --hours {hours:g} "
        f"--seed {seed} --out {out} --binary"
    )
    tune_gc_for_streaming()
    done.unlink(missing_ok=True)
    s = simulate_to_dir(st, sc, seed, hours * 3600, out, "binary", store_yaml=store_to_yaml(st))
    return SimRun(out, load_store(out / "store.yaml"), s, False)


def _twin_version(run: Path) -> int | None:
    """The twin version a cached run was made by (its truth header): a run of an
    older twin is simulated again, not scored as if it were today's."""
    try:
        with (run / "truth.jsonl").open(encoding="utf-8") as f:
            return json.loads(f.readline()).get("meta", {}).get("twin_version")
    except (OSError, ValueError):
        return None


def engine_config(variant: str = "all", threshold: float = 0.95) -> EngineConfig:
    return EngineConfig(review_threshold=threshold, **VARIANTS[variant][1])


def run_to_dir(
    records: Iterable[AnyRecord],
    store: Store,
    cfg: EngineConfig,
    out: Path,
    log_name: str = "",
) -> RunStats:
    """The engine over ``records`` into run directory ``out``, as ``walkout run`` writes it."""
    tune_gc_for_streaming()
    engine = Engine(store, cfg)
    writer = RunWriter(out)
    stats = run_engine(records, engine, writer.write)
    header = stats.header
    writer.close(
        RunInfo(
            store=store.id,
            log=log_name,
            source=header.source if header else "",
            engine={"version": ENGINE_VERSION, **cfg.model_dump()},
            records=stats.records,
            log_span_s=round(stats.span_s, 3),
            wall_s=round(stats.wall_s, 3),
            meta={"revision": revision()},
        )
    )
    return stats


def store_clock(records: Iterable[AnyRecord], window: int = 300) -> Iterator[AnyRecord]:
    """Each device's times moved onto the store's clock: ``t`` plus the smallest
    ``rx - t`` over the device's last ``window`` messages (the network delay is
    never negative, and its smallest recent value is close to nothing). For a
    plate batch, ``rx`` is compared with its last sample.

    An experiment, not part of the engine (which uses ``t`` as it comes): what
    a clock correction would give on runs long enough for the twin's device
    clocks to drift apart (``engine_accuracy.py --store-clock``)."""
    from collections import deque

    from walkout.eventlog.records import Header, PlateBatch

    seen: dict[str, deque[float]] = {}
    for r in records:
        if isinstance(r, Header) or r.rx is None:
            yield r
            continue
        last = r.t + ((r.grams.shape[0] - 1) / r.rate_hz if isinstance(r, PlateBatch) else 0.0)
        q = seen.setdefault(r.device, deque(maxlen=window))
        q.append(r.rx - last)
        yield r.model_copy(update={"t": r.t + min(q)})


def run_and_score(
    sim_dir: Path, variant: str, threshold: float, reuse: bool, clock: bool = False
) -> dict:
    """Run one variant of the engine over a cached twin run and score it.

    A process-pool worker: takes and returns plain data. Returns the
    ``EvalResult`` as a dict plus ``wall_s``, ``log_span_s`` and ``latencies_s``.
    ``clock``: feed the engine the records on the store's clock (``store_clock``)."""
    name = "run-" + variant.replace(" ", "-")
    name = name if threshold == 0.95 else f"{name}-t{threshold:g}"
    out = sim_dir / (f"{name}-store-clock" if clock else name)
    info_path = out / "run.json"
    if not (reuse and info_path.is_file()):
        info_path.unlink(missing_ok=True)
        records = read_log(sim_dir / "log.wlog")
        run_to_dir(
            store_clock(records) if clock else records,
            load_store(sim_dir / "store.yaml"),
            engine_config(variant, threshold),
            out,
            str(sim_dir / "log.wlog"),
        )
    info = RunInfo.model_validate_json(info_path.read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    res = evaluate_run(out, sim_dir / "truth.jsonl")
    return {
        **res.model_dump(mode="json"),
        **counts(out, sim_dir / "truth.jsonl"),
        "latencies_s": res.latencies_s,
        "variant": variant,
        "revision": info.meta.get("revision", "unknown"),
        "run_dir": str(out),
        "wall_s": info.wall_s,
        "log_span_s": info.log_span_s,
        "eval_s": round(time.perf_counter() - t0, 1),
    }


def counts(run_dir: Path, truth_path: Path) -> dict:
    """What ``walkout eval``'s rates are made of, to pool runs of several seeds, and
    the receipts by hour of the run (long runs: does the engine hold up?).

    Uses the evaluator's own matching, so the pooled figures equal what one
    ``walkout eval`` over all the sessions would say."""
    from walkout.evaluation.events import attributed_to, one_shopper_session
    from walkout.evaluation.matching import match_events, match_sessions
    from walkout.evaluation.receipts import bag, common, same
    from walkout.evaluation.run_index import index_run
    from walkout.evaluation.runfiles import read_run
    from walkout.evaluation.truth_index import load_truth

    ri = index_run(read_run(run_dir))
    truth = load_truth(truth_path)
    sm = match_sessions(ri.sessions.values(), truth.sessions.values())
    em = match_events(ri.events.values(), truth.actions, sessions=sm)
    attr_n = attr_ok = 0
    for e in ri.moves:
        acts = em.actions_of.get(e.id, [])
        sid = one_shopper_session(acts, truth)
        if acts and sid is not None:
            attr_n += 1
            attr_ok += attributed_to(e, sid, sm)
    t0 = min((x.enter for x in truth.sessions.values()), default=0.0)
    hours: dict[int, dict[str, float]] = {}
    tp = n_pred = n_true = 0
    for sid in truth.scored:
        eid = sm.truth_to_engine.get(sid)
        r = ri.receipts.get(eid) if eid is not None else None
        pred, true = (bag(r.lines) if r is not None else {}), truth.receipt(sid)
        tp, n_pred, n_true = (
            tp + common(pred, true),
            n_pred + sum(pred.values()),
            n_true + sum(true.values()),
        )
        final = r is None or r.status == "final"
        h = hours.setdefault(int((truth.sessions[sid].enter - t0) // 3600), {})
        for k, v in (
            ("sessions", 1),
            ("final", final),
            ("exact_final", final and same(pred, true)),
        ):
            h[k] = h.get(k, 0) + v
    lat: dict[int, list[float]] = {}
    for r in ri.receipts.values():
        if r.status == "final" and r.t_final is not None:
            lat.setdefault(int((r.t_exit - t0) // 3600), []).append(r.t_final - r.t_exit)
    for k, h in hours.items():
        xs = sorted(lat.get(k, []))
        h["latency_p50_s"] = xs[len(xs) // 2] if xs else None
        h["latency_max_s"] = xs[-1] if xs else None
        h["unmatched_engine_sessions"] = sum(
            1
            for s in ri.sessions.values()
            if s.id not in sm.engine_to_truth and int((s.t_enter - t0) // 3600) == k
        )
    return {
        "review_causes": review_causes(ri, truth, sm),
        "attr_n": attr_n,
        "attr_ok": attr_ok,
        "units_common": tp,
        "units_pred": n_pred,
        "units_true": n_true,
        "by_hour": {str(k): hours[k] for k in sorted(hours)},
    }


REVIEW_CAUSES = {
    "item": "which product or how many (top hypothesis below the threshold)",
    "who": "who took it (attribution or track identity below the threshold)",
    "unexplained": "a take of something the engine cannot name",
    "nobody": "a product taken by nobody the engine tracks",
    "other visit": "another visit's event may have been this one's",
    "rfid": "RFID read at the exit, not on the receipt",
    "handoff": "a hand-off in doubt",
}


def review_causes(ri, truth, sm) -> dict[str, int]:
    """Scored sessions in review, by what put them there (a session may count under
    several causes): each flagged event of the review task, by why it was flagged."""
    events = {e.id: e for e in ri.run.events}
    tasks = {t.session: t for t in ri.run.reviews}
    out: dict[str, int] = {}
    for sid in truth.scored:
        eid = sm.truth_to_engine.get(sid)
        r = ri.receipts.get(eid) if eid is not None else None
        if r is None or r.status != "review" or eid not in tasks:
            continue
        task = tasks[eid]
        why: set[str] = set()
        if "RFID" in task.reason:
            why.add("rfid")
        for ev_id in task.events:
            e = events.get(ev_id)
            if e is None:
                continue
            top = e.hypotheses[0] if e.hypotheses else None
            if e.session != eid:
                why.add("other visit")
            elif top is not None and top.items and top.items[0][0] == "?":
                why.add("unexplained")
            elif e.session is None:
                why.add("nobody")
            elif top is not None and top.p < 0.95:
                why.add("item")
            elif top is not None and e.p < 0.95 * top.p:
                why.add("who")
            else:
                why.add("handoff")
        for w in why:
            out[w] = out.get(w, 0) + 1
    return out


def pool(results: list[dict]) -> dict:
    """One result from the results of several runs (seeds), summing what the rates
    are made of. Figures that cannot be pooled exactly (calibration) are left out."""
    n = sum(d["sessions"] for d in results)
    review = sum(round(d["review_rate"] * d["sessions"]) for d in results)
    finals = [d["sessions"] - round(d["review_rate"] * d["sessions"]) for d in results]
    exact_final = sum(
        round((d["receipts_exact_auto"] or 0) * f) for d, f in zip(results, finals, strict=True)
    )
    moves = sum(d["engine_events"] for d in results)
    actions = sum(d["truth_actions"] or 0 for d in results)
    detected = sum(round((d["event_recall"] or 0) * (d["truth_actions"] or 0)) for d in results)
    det_each = [round((d["event_recall"] or 0) * (d["truth_actions"] or 0)) for d in results]
    lat = [x for d in results for x in d["latencies_s"]]

    def rate(key: str, per: str = "sessions") -> float | None:
        num = sum(round((d[key] or 0) * d[per]) for d in results)
        return num / n if n else None

    def sum_of(key: str) -> int:
        return sum(d[key] or 0 for d in results)

    up, ut, uc = sum_of("units_pred"), sum_of("units_true"), sum_of("units_common")
    import numpy as np

    return {
        "sessions": n,
        "seeds": len(results),
        "receipts_exact_auto": exact_final / sum(finals) if sum(finals) else None,
        "review_rate": review / n if n else None,
        "overcharged_sessions": sum_of("overcharged_count") / n if n else None,
        "undercharged_sessions": sum_of("undercharged_count") / n if n else None,
        "overcharged_count": sum_of("overcharged_count"),
        "undercharged_count": sum_of("undercharged_count"),
        "receipts_exact_after_review": rate("receipts_exact_after_review"),
        "receipts_exact": rate("receipts_exact"),
        "overcharged_sessions_after_review": sum_of("overcharged_count_after_review") / n
        if n
        else None,
        "undercharged_sessions_after_review": sum_of("undercharged_count_after_review") / n
        if n
        else None,
        "item_precision": uc / up if up else None,
        "item_recall": uc / ut if ut else None,
        "item_f1": 2 * uc / (up + ut) if up + ut else None,
        "mean_session_f1": sum((d["mean_session_f1"] or 0) * d["sessions"] for d in results) / n
        if n
        else None,
        "engine_events": moves,
        "truth_actions": actions,
        "event_precision": sum(
            round((d["event_precision"] or 0) * d["engine_events"]) for d in results
        )
        / moves
        if moves
        else None,
        "event_recall": detected / actions if actions else None,
        "item_id_accuracy": sum(
            round((d["item_id_accuracy"] or 0) * k) for d, k in zip(results, det_each, strict=True)
        )
        / detected
        if detected
        else None,
        "attribution_accuracy": sum_of("attr_ok") / sum_of("attr_n") if sum_of("attr_n") else None,
        "latency_p50_s": float(np.percentile(lat, 50)) if lat else None,
        "latency_p99_s": float(np.percentile(lat, 99)) if lat else None,
        "latencies_s": lat,
        "calibration_ece": None,
        "event_calibration_ece": None,
        "missing_receipts": sum_of("missing_receipts"),
        "unmatched_engine_sessions": sum_of("unmatched_engine_sessions"),
        "review_tasks": sum_of("review_tasks"),
        "wall_s": sum(d["wall_s"] for d in results),
        "log_span_s": sum(d["log_span_s"] for d in results),
        "by_behaviour": {"sessions": pool_behaviours(results), "actions": []},
        "review_causes": {
            k: sum(d["review_causes"].get(k, 0) for d in results)
            for k in {k for d in results for k in d["review_causes"]}
        },
        "by_hour": {},
    }


def pool_behaviours(results: list[dict]) -> list[dict]:
    """``by_behaviour.sessions`` rows of several runs, pooled."""
    acc: dict[str, dict[str, int]] = {}
    for d in results:
        for r in d["by_behaviour"]["sessions"]:
            n = r["sessions"]
            review = round((r["review_rate"] or 0) * n)
            a = acc.setdefault(r["behaviour"], {"n": 0, "review": 0, "exact": 0, "after": 0})
            a["n"] += n
            a["review"] += review
            a["exact"] += round((r["receipts_exact_auto"] or 0) * (n - review))
            a["after"] += round((r["receipts_exact_after_review"] or 0) * n)
    return [
        {
            "behaviour": b,
            "sessions": a["n"],
            "receipts_exact_auto": a["exact"] / (a["n"] - a["review"])
            if a["n"] > a["review"]
            else None,
            "receipts_exact_after_review": a["after"] / a["n"] if a["n"] else None,
            "review_rate": a["review"] / a["n"] if a["n"] else None,
        }
        for b, a in acc.items()
    ]


def as_result(d: dict) -> EvalResult:
    keep = {k: v for k, v in d.items() if k in EvalResult.model_fields}
    return EvalResult.model_validate(keep)


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f} %"


def secs(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} s"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
