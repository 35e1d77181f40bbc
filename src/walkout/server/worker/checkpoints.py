"""Engine checkpoints with the log offset they were taken at.

Kept as files, not database rows: a busy store's engine state is ~13 MB,
written every few seconds; in PostgreSQL that would be 13 MB of WAL (and of
every backup) each time, for data nobody queries. A file is replaced
atomically (write, fsync, rename, fsync the folder), so a crash leaves the old
checkpoint or the new one, never half of one. Fleets on NATS keep them in a
JetStream object store instead (``natslog.NatsCheckpoints``), so another
machine can take a store over."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import msgpack


@dataclass(frozen=True)
class Checkpoint:
    store: str
    offset: int  # the next record to apply
    engine_version: int
    engine: bytes
    closed: bool = False  # the day was ended (engine flushed)
    written_at: float = 0.0
    watchers: tuple[bytes, ...] = ()  # operations watchers' state, in their order

    def pack(self) -> bytes:
        return msgpack.packb(
            {
                "store": self.store,
                "offset": self.offset,
                "engine_version": self.engine_version,
                "closed": self.closed,
                "written_at": self.written_at,
                "engine": self.engine,
                "watchers": list(self.watchers),
            },
            use_bin_type=True,
        )

    @classmethod
    def unpack(cls, raw: bytes) -> Checkpoint:
        d = msgpack.unpackb(raw, raw=False)
        d["watchers"] = tuple(d.get("watchers", ()))
        return cls(**d)


class CheckpointStore(Protocol):
    def load(self, store: str) -> Checkpoint | None: ...

    def save(self, cp: Checkpoint) -> None: ...


class FileCheckpoints:
    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, store: str) -> Path:
        return self.root / f"{store}.ckpt"

    def load(self, store: str) -> Checkpoint | None:
        p = self.path(store)
        return Checkpoint.unpack(p.read_bytes()) if p.is_file() else None

    def save(self, cp: Checkpoint) -> None:
        p = self.path(cp.store)
        tmp = p.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            fh.write(cp.pack())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
