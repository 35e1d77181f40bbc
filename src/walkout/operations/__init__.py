"""Store operations from the same sensors as the receipts (issue 5): live
inventory, restocking, misplaced items, age checks, loss prevention, sensor
health and the shift view. Pure: no I/O, no wall clock, no randomness; the
same log gives the same tasks and alerts with the same ids."""
