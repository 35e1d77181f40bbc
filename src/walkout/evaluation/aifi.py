"""Scoring against an official AiFi AutoCheckout receipt file.

The competition scored a submission by its receipts only: one per tracker
target, barcodes and quantities. Imported AiFi logs have no gate events, so
the engine opens one session per track and its ``tracks`` holds the target id.
What the official file cannot tell (events, attribution, money) is null.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from walkout.evaluation.calibration import reliability
from walkout.evaluation.matching import DEFAULT_TOLERANCE_S
from walkout.evaluation.metrics import currency_of, latencies, percentile
from walkout.evaluation.receipts import bag, item_scores, same
from walkout.evaluation.result import EvalResult, ratio
from walkout.evaluation.run_index import index_run
from walkout.evaluation.runfiles import Run
from walkout.evaluation.truth_index import Bag
from walkout.fusion.outputs import Receipt


class OfficialProduct(BaseModel):
    model_config = ConfigDict(extra="ignore")

    barcode: str
    name: str = ""
    quantity: int = Field(ge=0)

    @field_validator("barcode", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v


class OfficialReceipt(BaseModel):
    model_config = ConfigDict(extra="ignore")

    target_id: str
    products: list[OfficialProduct] = Field(default_factory=list)

    @field_validator("target_id", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v

    def bag(self) -> Bag:
        out: Bag = {}
        for p in self.products:
            if p.quantity > 0:
                out[p.barcode] = out.get(p.barcode, 0) + p.quantity
        return out


class OfficialReceipts(BaseModel):
    model_config = ConfigDict(extra="ignore")

    session: str = ""
    source: str = ""
    receipts: list[OfficialReceipt]


def reference_kind(path: Path) -> Literal["official", "truth"]:
    """Tell a reference by its content: a JSON object with "receipts" is an
    official receipt file; JSON Lines (or one line with a "kind") a truth file."""
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        return "truth"  # JSON Lines; the truth reader names any bad line
    if isinstance(data, dict) and "receipts" in data:
        return "official"
    if isinstance(data, dict) and "kind" in data:
        return "truth"
    raise ValueError(
        f"{path}: neither a truth.jsonl nor an official receipt file (a JSON object with 'receipts')"
    )


def load_official(path: Path) -> OfficialReceipts:
    try:
        return OfficialReceipts.model_validate(orjson.loads(path.read_bytes()))
    except (orjson.JSONDecodeError, ValidationError) as e:
        raise ValueError(f"{path}: bad official receipt file: {e}") from None


def evaluate_official(
    run: Run,
    official: OfficialReceipts,
    *,
    run_path: str = "",
    reference: str = "",
) -> EvalResult:
    ri = index_run(run)
    by_track: dict[str, str] = {}
    for s in sorted(ri.sessions.values(), key=lambda s: (s.t_enter, s.id)):
        for tr in s.tracks:
            by_track.setdefault(tr, s.id)
    pairs: list[tuple[Bag, Bag]] = []
    finals: list[bool] = []
    exact_auto = missing = 0
    line_cal: list[tuple[float, bool]] = []
    used: set[str] = set()
    for o in official.receipts:
        sid = by_track.get(o.target_id)
        r: Receipt | None = ri.receipts.get(sid) if sid is not None else None
        if sid is not None:
            used.add(sid)
        true = o.bag()
        pred = bag(r.lines) if r is not None else {}
        missing += r is None
        final = r is None or r.status == "final"
        finals.append(final)
        exact_auto += final and same(pred, true)
        pairs.append((pred, true))
        if r is not None:
            line_cal.extend((ln.p, pred[ln.sku] == true.get(ln.sku, 0)) for ln in r.lines)
    n = len(official.receipts)
    items = item_scores(pairs)
    lines = reliability("receipt lines: qty equals the official qty for the barcode", line_cal)
    lat = latencies(ri)
    return EvalResult(
        mode="official",
        run=run_path,
        reference=reference,
        tolerance_s=DEFAULT_TOLERANCE_S,
        currency=currency_of(ri),
        sessions=n,
        engine_sessions=len(ri.sessions),
        unmatched_engine_sessions=sum(1 for k in ri.sessions if k not in used),
        missing_receipts=missing,
        receipts_exact=ratio(sum(same(p, t) for p, t in pairs), n),
        receipts_exact_auto=ratio(exact_auto, sum(finals)),
        review_rate=ratio(n - sum(finals), n),
        review_tasks=len({t.id for t in run.reviews}),
        item_precision=items.precision,
        item_recall=items.recall,
        item_f1=items.f1,
        mean_session_f1=items.mean_session_f1,
        engine_events=len(ri.moves),
        none_events=len(ri.events) - len(ri.moves),
        latency_p50_s=percentile(lat, 50),
        latency_p99_s=percentile(lat, 99),
        latencies_s=lat,
        calibration_ece=lines.ece,
        calibration=[lines],
    )
