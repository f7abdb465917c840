"""Per-client sliding-window rate limit for anonymous requests.

The counts live in this process: with several workers or machines each one counts
on its own (the docs say what to use at scale)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from .options import RateLimit


class SlidingWindowLimiter:
    def __init__(self, limit: RateLimit, clock=time.monotonic, max_clients: int = 100_000):
        self.limit = limit
        self.clock = clock
        self.max_clients = max_clients
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> float:
        """Record a request of ``client``: 0 when it may go on, else the seconds to wait."""
        now = self.clock()
        start = now - self.limit.period_s
        with self._lock:
            hits = self._hits.get(client)
            if hits is None:
                if len(self._hits) >= self.max_clients:
                    self._forget_idle(start)
                hits = self._hits[client] = deque()
            while hits and hits[0] <= start:
                hits.popleft()
            if len(hits) >= self.limit.requests:
                return max(hits[0] - start, 0.001)
            hits.append(now)
            return 0.0

    def _forget_idle(self, start: float) -> None:
        for client in [c for c, hits in self._hits.items() if not hits or hits[-1] <= start]:
            del self._hits[client]


def retry_after_header(wait_s: float) -> str:
    """Whole seconds, rounded up (at least 1), as ``Retry-After`` wants."""
    return str(max(1, math.ceil(wait_s)))
