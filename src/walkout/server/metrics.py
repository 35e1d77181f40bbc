"""Prometheus metrics, one registry per app so tests and several servers in one
process do not collide."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.records_in = Counter(
            "walkout_records_in_total",
            "records accepted into the durable log",
            ["store", "kind", "source"],
            registry=r,
        )
        self.rejects = Counter(
            "walkout_records_rejected_total",
            "records refused (kept as dead letters)",
            ["store", "source", "why"],
            registry=r,
        )
        self.duplicates = Counter(
            "walkout_records_duplicate_total",
            "records sent again (same device and seq), logged once",
            ["store"],
            registry=r,
        )
        self.applied = Counter(
            "walkout_records_applied_total", "records the engine applied", ["store"], registry=r
        )
        self.log_end = Gauge(
            "walkout_log_end_offset", "records in the durable log", ["store"], registry=r
        )
        self.engine_offset = Gauge(
            "walkout_engine_offset", "records the engine has applied", ["store"], registry=r
        )
        self.log_age = Gauge(
            "walkout_log_age_seconds",
            "wall time minus the device time of the newest logged record (how stale the freshest data is)",
            ["store"],
            registry=r,
        )
        self.engine_lag = Gauge(
            "walkout_engine_lag_records",
            "records logged but not yet applied by the engine",
            ["store"],
            registry=r,
        )
        self.engine_lag_s = Gauge(
            "walkout_engine_lag_seconds",
            "device time of the newest logged record minus the engine's",
            ["store"],
            registry=r,
        )
        self.receipts = Counter(
            "walkout_receipts_total", "receipts issued", ["store", "status"], registry=r
        )
        self.review_depth = Gauge(
            "walkout_review_queue_depth", "review tasks not decided", ["store"], registry=r
        )
        self.commit_s = Histogram(
            "walkout_log_commit_seconds",
            "durable log group commit (write + fsync)",
            ["store"],
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5),
            registry=r,
        )
        self.checkpoints = Counter(
            "walkout_checkpoints_total", "engine checkpoints written", ["store"], registry=r
        )
        self.purged = Counter(
            "walkout_purged_total", "raw data purged by retention", ["what"], registry=r
        )
