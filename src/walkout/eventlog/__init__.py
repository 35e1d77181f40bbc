"""The event log: record types, their two encodings, and readers and writers."""

from walkout.eventlog.io import LogWriter, read_header, read_log
from walkout.eventlog.jsonl import LogError
from walkout.eventlog.records import (
    JOINTS,
    LOG_VERSION,
    AnyRecord,
    Credential,
    GateEntry,
    GatePass,
    Header,
    PlateBatch,
    Recognition,
    RfidRead,
    RfidTag,
    TrackedPerson,
    TrackFrame,
)

__all__ = [
    "JOINTS",
    "LOG_VERSION",
    "AnyRecord",
    "Credential",
    "GateEntry",
    "GatePass",
    "Header",
    "LogError",
    "LogWriter",
    "PlateBatch",
    "Recognition",
    "RfidRead",
    "RfidTag",
    "TrackFrame",
    "TrackedPerson",
    "read_header",
    "read_log",
]
