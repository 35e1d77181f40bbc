"""Signed webhooks: receipts and payment outcomes pushed to the retailer's
endpoints, retried with exponential backoff, every attempt logged."""
