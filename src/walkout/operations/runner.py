"""Engine and operations together over one stream of records (a log file, the
twin in-process). No I/O: outputs and operations items go to their sinks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from walkout.eventlog.records import AnyRecord, Header
from walkout.fusion.engine import Engine
from walkout.fusion.outputs import AnyOutput
from walkout.fusion.runner import RunStats
from walkout.operations.items import OpsItem
from walkout.operations.watcher import Operations


def run_operations(
    records: Iterable[AnyRecord],
    engine: Engine,
    ops: Operations,
    sink: Callable[[AnyOutput], None],
    ops_sink: Callable[[OpsItem], None],
    progress: Callable[[float], None] | None = None,
    every: int = 5000,
) -> RunStats:
    """Each record to the engine, then the record and the engine's outputs for it
    to operations. A plate that sensor health finds faulty is marked in the
    engine at once (unless the caller wired ``ops.on_plate_fault`` itself)."""
    if ops.on_plate_fault is None:
        ops.on_plate_fault = engine.set_plate_fault
    st = RunStats()
    t0 = time.perf_counter()
    for rec in records:
        st.records += 1
        if isinstance(rec, Header):
            st.header = rec
        else:
            st.first_t = rec.t if st.first_t is None else st.first_t
            st.last_t = rec.t if st.last_t is None else max(st.last_t, rec.t)
        got = engine.apply(rec)
        for o in got:
            sink(o)
        st.outputs += len(got)
        for x in ops.apply(rec, got):
            ops_sink(x)
        if progress is not None and st.records % every == 0 and st.last_t is not None:
            progress(st.last_t - (st.first_t or st.last_t))
    last = engine.flush()
    for o in last:
        sink(o)
    st.outputs += len(last)
    for x in ops.flush(last):
        ops_sink(x)
    st.wall_s = time.perf_counter() - t0
    return st
