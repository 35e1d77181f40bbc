"""Shopper accounts: sign-up, cards at the provider, entry codes, gate decisions,
and the shopper's data export and deletion."""
