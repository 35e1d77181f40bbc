"""Walkout: open-source "just walk out" checkout.

The package is laid out by part (see docs/architecture.md): a pure core
(``domain``, ``eventlog``, ``twin``, ``importers``) and edges that do I/O
(``storefile``, ``viz``, ``cli``).
"""

__version__ = "0.1.0"
