"""The store server: an adapter around the pure core (ingestion, durable log,
engine workers, persistence, queues, roles, the HTTP API). Nothing in the core
imports it. Read docs/server.md first."""
