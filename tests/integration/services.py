"""Real services on loopback for integration tests; each test skips with a reason when its service is down."""

from __future__ import annotations

import socket

import pytest


def up(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def need(port: int, name: str) -> None:
    if not up(port):
        pytest.skip(f"{name} is not running on 127.0.0.1:{port} (.ci/run starts it)")
