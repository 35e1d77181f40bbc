"""The HTTP API (FastAPI): ingestion, sessions and receipts, review, staff
queues, catalogue, administration, health and metrics."""
