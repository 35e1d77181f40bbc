"""The operations port's adapter: ``walkout.operations.Operations`` (pure, in
the core) behind the server's ``OperationsWatcher``. Core items become the
port's: an open task a ``StaffTaskIn``; an alert an ``AlertIn``. The server's
queues are insert-only by id, so what the sensors see resolve itself (a
restock done, a plate reading again) arrives as its own info alert
(``<id>-done``, ``<id>-ok``) naming the item it resolves, and the queues close
that item (``record_operations``)."""

from __future__ import annotations

from walkout.domain.store import Store
from walkout.eventlog.records import AnyRecord
from walkout.fusion.engine import Engine
from walkout.fusion.outputs import AnyOutput
from walkout.operations.config import OpsConfig
from walkout.operations.items import Alert, OpsItem, Task
from walkout.operations.watcher import Operations
from walkout.server.worker.operations import AlertIn, OperationsItem, StaffTaskIn


def to_port(x: OpsItem) -> OperationsItem:
    if isinstance(x, Task):
        if x.status == "open":
            return StaffTaskIn(id=x.id, kind=x.kind, title=x.title, t=x.t, data=x.data)
        return AlertIn(
            id=f"{x.id}-{x.status}"[:64],
            kind=f"{x.kind}_{x.status}"[:64],
            severity="info",
            message=x.title,
            t=x.t,
            data={"task": x.id, **x.data},
            closes_task=x.id,
        )
    assert isinstance(x, Alert)
    return AlertIn(
        id=(f"{x.id}-ok" if x.cleared else x.id)[:64],
        kind=x.kind,
        severity="info" if x.cleared else x.severity,
        message=x.message,
        t=x.t,
        data=x.data,
        clears_alert=x.id if x.cleared else None,
    )


class OperationsAdapter:
    """One store's operations, fed by its engine worker."""

    def __init__(self, store: Store, config: OpsConfig | None = None):
        self.ops = Operations(store, config)

    def bind_engine(self, engine: Engine) -> None:
        """Faulty plates found by sensor health are marked in this engine."""
        self.ops.on_plate_fault = engine.set_plate_fault

    def apply(self, record: AnyRecord, outputs: list[AnyOutput]) -> list[OperationsItem]:
        return [to_port(x) for x in self.ops.apply(record, outputs)]

    def flush(self, outputs: list[AnyOutput]) -> list[OperationsItem]:
        return [to_port(x) for x in self.ops.flush(outputs)]

    def checkpoint(self) -> bytes:
        return self.ops.checkpoint()

    def restore(self, blob: bytes) -> None:
        self.ops.restore(blob)


def operations_watchers(store: Store) -> list[OperationsAdapter]:
    """The default watchers of ``walkout serve``: store operations."""
    return [OperationsAdapter(store)]
