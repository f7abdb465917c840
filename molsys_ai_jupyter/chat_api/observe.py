"""What the API reports about itself: Prometheus metrics (one registry per app) and
one JSON log line per request (method, path, status, ms, client, ttft_ms of chats)."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone

from .guard import client_address

ACCESS_LOG = logging.getLogger("molsys_ai.api.access")
ROUTES = ("/v1/chat", "/v1/retrieve", "/v1/feedback", "/healthz", "/metrics")
LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320)


class Metrics:
    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        ns = "molsys_ai_api"
        self.requests = Counter(f"{ns}_requests", "HTTP requests answered", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram(f"{ns}_request_seconds", "time to the end of the response", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.ttft = Histogram(f"{ns}_ttft_seconds", "chat: time from the request to the first answer token",
                              buckets=LATENCY_BUCKETS, registry=self.registry)
        self.errors = Counter(f"{ns}_errors", "requests that ended in an error, by kind", ["kind"],
                              registry=self.registry)
        self.rate_limited = Counter(f"{ns}_rate_limited", "anonymous requests refused by the rate limit",
                                    registry=self.registry)
        self.streams = Gauge(f"{ns}_streams_in_flight", "chat streams open now", registry=self.registry)
        self.queue = Gauge(f"{ns}_answers_pending", "answers running or waiting for the model",
                           registry=self.registry)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def route_label(path: str) -> str:
    return path if path in ROUTES else "other"  # unknown paths share one label (no label explosion)


class ObserveMiddleware:
    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        state["started"] = started
        status = 0

        async def watched_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except BaseException:
            status = status or 500
            state.setdefault("error_kind", "internal")
            raise
        finally:
            self._record(scope, state, status or 499, (time.perf_counter() - started) * 1000.0)

    def _record(self, scope, state, status: int, ms: float) -> None:
        route = route_label(scope["path"])
        self.metrics.requests.labels(scope["method"], route, str(status)).inc()
        self.metrics.latency.labels(route).observe(ms / 1000.0)
        line = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "method": scope["method"],
                "path": scope["path"], "status": status, "ms": round(ms, 1), "client": client_address(scope)}
        if state.get("ttft_ms") is not None:
            line["ttft_ms"] = round(state["ttft_ms"], 1)
            self.metrics.ttft.observe(state["ttft_ms"] / 1000.0)
        if state.get("error_kind"):
            line["error"] = state["error_kind"]
            self.metrics.errors.labels(state["error_kind"]).inc()
        if state.get("caller"):
            line["caller"] = state["caller"]
        ACCESS_LOG.info(json.dumps(line))
