"""Scoring the engine against ground truth (the twin's) or official receipts (AiFi)."""
