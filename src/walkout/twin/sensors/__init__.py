"""Sensor models: each turns what really happened into what a device reports."""
