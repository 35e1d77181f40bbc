"""Ingestion: validate device records, keep the bad ones as dead letters, and
append the good ones to the durable log before anything processes them."""
