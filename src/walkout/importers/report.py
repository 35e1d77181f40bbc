"""What an import did: counts a person can check, and everything it had to decide."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """Filled while records stream out; complete once the stream is exhausted."""

    source: str
    layout: str = ""
    records: Counter[str] = field(default_factory=Counter)
    plates: list[str] = field(default_factory=list)
    products: int = 0
    facings: int = 0
    t_first: float | None = None
    t_last: float | None = None
    samples: int = 0
    warnings: list[str] = field(default_factory=list)

    def saw(self, kind: str, t: float) -> None:
        self.records[kind] += 1
        self.t_first = t if self.t_first is None else min(self.t_first, t)
        self.t_last = t if self.t_last is None else max(self.t_last, t)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def span_s(self) -> float:
        if self.t_first is None or self.t_last is None:
            return 0.0
        return self.t_last - self.t_first
