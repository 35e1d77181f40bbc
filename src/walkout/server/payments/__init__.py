"""Payments: the provider port (Stripe adapter, in-memory fake), holds at entry,
charges captured once, refunds, and the worker that calls the provider."""
