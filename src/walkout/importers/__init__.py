"""Importers: real recorded data (AiFi NanoStore, AIM3S) into Walkout's store
file and event log.

Each source's quirks (units, clocks, ghost channels) are resolved here, once,
so that nothing downstream needs to know where a log came from. Bad input is
a ``SourceError`` naming the file, the line and what is wrong.
"""

from walkout.importers.report import ImportReport
from walkout.importers.sources import SourceError

__all__ = ["ImportReport", "SourceError"]
