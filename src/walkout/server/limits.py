"""Per-key call limits for the endpoints that cost something outside Walkout: each
card setup is a SetupIntent at the payment provider, each sign-up a new account.
A sliding window per key, in this process (several server processes each keep
their own, so the store-wide limit is that many times higher)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class Window:
    """At most ``n`` calls per ``per_s`` seconds for each key (``n`` 0: no limit)."""

    def __init__(self, n: int, per_s: float, clock: Callable[[], float], what: str):
        self.n, self.per_s, self.clock, self.what = n, per_s, clock, what
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = {}

    def wait_s(self, key: str) -> float:
        """0 and the call counted, or how long until one more is allowed."""
        if self.n <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            if len(self._calls) > 100_000:  # keys whose windows are all old
                self._calls = {k: q for k, q in self._calls.items() if now - q[-1] < self.per_s}
            q = self._calls.setdefault(key, deque())
            while q and now - q[0] >= self.per_s:
                q.popleft()
            if len(q) >= self.n:
                return max(q[0] + self.per_s - now, 0.001)
            q.append(now)
            return 0.0


def span(s: float) -> str:
    return "hour" if s == 3600 else f"{s:g} s"
