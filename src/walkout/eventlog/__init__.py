"""The event log: record types, their two encodings, and readers and writers."""

from walkout.eventlog.io import LogWriter, read_header, read_log
from walkout.eventlog.jsonl import LogError
from walkout.eventlog.records import (
    COCO_KEYPOINTS,
    JOINTS,
    LOG_VERSION,
    Ambiguity,
    AnyRecord,
    Credential,
    GateEntry,
    GatePass,
    Header,
    KeypointFrame,
    PlateBatch,
    Recognition,
    RfidRead,
    RfidTag,
    TrackedPerson,
    TrackFrame,
)

__all__ = [
    "COCO_KEYPOINTS",
    "JOINTS",
    "LOG_VERSION",
    "Ambiguity",
    "AnyRecord",
    "Credential",
    "GateEntry",
    "GatePass",
    "Header",
    "KeypointFrame",
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
