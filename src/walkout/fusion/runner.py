"""Feed an engine from any stream of records: a log file, the twin in-process,
or (later) the server's durable log. No I/O here: outputs go to ``sink``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from walkout.eventlog.records import AnyRecord, Header
from walkout.fusion.engine import Engine
from walkout.fusion.outputs import AnyOutput


@dataclass
class RunStats:
    records: int = 0
    outputs: int = 0
    first_t: float | None = None
    last_t: float | None = None
    wall_s: float = 0.0
    header: Header | None = None

    @property
    def span_s(self) -> float:
        return (
            (self.last_t - self.first_t)
            if self.first_t is not None and self.last_t is not None
            else 0.0
        )


def run_engine(
    records: Iterable[AnyRecord],
    engine: Engine,
    sink: Callable[[AnyOutput], None],
    progress: Callable[[float], None] | None = None,
    every: int = 5000,
) -> RunStats:
    st = RunStats()
    t0 = time.perf_counter()
    for rec in records:
        st.records += 1
        if isinstance(rec, Header):
            st.header = rec
        else:
            st.first_t = rec.t if st.first_t is None else st.first_t
            st.last_t = rec.t if st.last_t is None else max(st.last_t, rec.t)
        for o in engine.apply(rec):
            sink(o)
            st.outputs += 1
        if (
            progress is not None
            and st.records % every == 0
            and st.last_t is not None
            and st.first_t is not None
        ):
            progress(st.last_t - st.first_t)
    for o in engine.flush():
        sink(o)
        st.outputs += 1
    st.wall_s = time.perf_counter() - t0
    return st
