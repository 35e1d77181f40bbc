"""A run directory: what ``walkout run`` wrote, read back by ``walkout eval``.

RUN/run.json        what was run: store, log, engine settings, timing
RUN/events.jsonl    every shelf event (fusion.outputs.ShelfEvent)
RUN/sessions.jsonl  every session as last seen (fusion.outputs.Session)
RUN/receipts.jsonl  every receipt (fusion.outputs.Receipt)
RUN/reviews.jsonl   every review task (fusion.outputs.ReviewTask)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson
from pydantic import BaseModel, Field, ValidationError

from walkout.fusion.outputs import (
    OUTPUT_ADAPTER,
    AnyOutput,
    Receipt,
    ReviewTask,
    Session,
    ShelfEvent,
)

FILES = {
    "shelf_event": "events.jsonl",
    "session": "sessions.jsonl",
    "receipt": "receipts.jsonl",
    "review": "reviews.jsonl",
}


class RunInfo(BaseModel):
    store: str
    log: str
    source: str = ""
    engine: dict[str, Any] = Field(default_factory=dict)
    records: int = 0
    log_span_s: float = 0.0
    wall_s: float = 0.0
    meta: dict[str, Any] = Field(default_factory=dict)


class RunError(ValueError):
    pass


class RunWriter:
    """Appends outputs to their files as the engine produces them. Sessions are
    written when they close (and any still open at the end, by ``close``)."""

    def __init__(self, out: Path):
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self._fh: dict[str, IO[bytes]] = {k: open(out / f, "wb") for k, f in FILES.items()}  # noqa: SIM115
        self._open: dict[str, Session] = {}
        self.counts: dict[str, int] = dict.fromkeys(FILES, 0)

    def write(self, o: AnyOutput) -> None:
        if isinstance(o, Session):
            if o.status == "open":
                self._open[o.id] = o
                return
            self._open.pop(o.id, None)
        self._fh[o.kind].write(
            orjson.dumps(o.model_dump(mode="json"), option=orjson.OPT_APPEND_NEWLINE)
        )
        self.counts[o.kind] += 1

    def close(self, info: RunInfo) -> None:
        for s in self._open.values():
            self._fh["session"].write(
                orjson.dumps(s.model_dump(mode="json"), option=orjson.OPT_APPEND_NEWLINE)
            )
            self.counts["session"] += 1
        for fh in self._fh.values():
            fh.close()
        (self.out / "run.json").write_text(info.model_dump_json(indent=2), encoding="utf-8")


def _read(path: Path) -> Iterator[AnyOutput]:
    if not path.is_file():
        raise RunError(f"{path}: missing; is this a run directory (walkout run LOG --out RUN)?")
    with open(path, "rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield OUTPUT_ADAPTER.validate_python(orjson.loads(line))
            except (orjson.JSONDecodeError, ValidationError) as e:
                raise RunError(f"{path}:{lineno}: {e}") from None


class Run(BaseModel):
    info: RunInfo
    events: list[ShelfEvent]
    sessions: list[Session]
    receipts: list[Receipt]
    reviews: list[ReviewTask]


def read_run(run: Path) -> Run:
    info_path = run / "run.json"
    if not info_path.is_file():
        raise RunError(
            f"{info_path}: missing; is this a run directory (walkout run LOG --out RUN)?"
        )
    try:
        info = RunInfo.model_validate_json(info_path.read_text(encoding="utf-8"))
    except ValidationError as e:
        raise RunError(f"{info_path}: {e}") from None
    return Run(
        info=info,
        events=list(_read(run / FILES["shelf_event"])),  # type: ignore[arg-type]
        sessions=list(_read(run / FILES["session"])),  # type: ignore[arg-type]
        receipts=list(_read(run / FILES["receipt"])),  # type: ignore[arg-type]
        reviews=list(_read(run / FILES["review"])),  # type: ignore[arg-type]
    )


def write_run(run: Run, out: Path) -> Path:
    """Write a whole ``Run`` back to a directory (tests and tools that edit a run)."""
    w = RunWriter(out)
    for o in [*run.events, *run.sessions, *run.receipts, *run.reviews]:
        w.write(o)
    w.close(run.info)
    return out
