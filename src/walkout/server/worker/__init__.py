"""The engine worker: one per store, the only writer of its engine's outputs."""
