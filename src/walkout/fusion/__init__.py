"""The fusion engine: from sensor events to exact receipts, with a probability on every line.

A pure, deterministic state machine: ``Engine.apply(record) -> outputs``; no I/O.
"""
