"""What one API server is configured with: settings, who may call it, and its caps."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..config import Settings, load_settings
from ..errors import MolsysAIError

TOKENS_ENV = "MOLSYS_AI_SERVE_TOKENS"
OPTIONS_ENV = "MOLSYS_AI_SERVE_OPTIONS"  # how the parent process hands its options to uvicorn workers
_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


@dataclass(frozen=True)
class RateLimit:
    requests: int
    period_s: float

    def __str__(self) -> str:
        name = next((k for k, v in _PERIODS.items() if v == self.period_s), f"{self.period_s:g}s")
        return f"{self.requests}/{name}"


def parse_rate_limit(text: str) -> RateLimit:
    """``30/minute`` (also ``/second``, ``/hour``, ``/day``, ``/min``, ``/s``…) → RateLimit."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*([a-z]+)\s*", str(text).lower())
    if match:
        count, unit = int(match.group(1)), match.group(2)
        period = next((seconds for name, seconds in _PERIODS.items()
                       if unit == name or unit == name + "s" or (len(unit) <= 3 and name.startswith(unit))), None)
        if period is not None and count > 0:
            return RateLimit(count, period)
    raise MolsysAIError(f"bad rate limit '{text}'", "write it as N/second, N/minute, N/hour or N/day, e.g. 30/minute")


def tokens_from_env() -> tuple[str, ...]:
    return tuple(t.strip() for t in os.environ.get(TOKENS_ENV, "").split(",") if t.strip())


@dataclass(frozen=True)
class ApiOptions:
    settings: Settings = field(default_factory=load_settings)
    tokens: tuple[str, ...] = ()  # bearer tokens accepted (private use)
    anonymous: bool = False  # "docs" mode: requests without a token pass, rate-limited per client IP
    rate_limit: RateLimit = RateLimit(30, 60.0)  # per client IP, for requests without a token
    cors_origins: tuple[str, ...] = ()  # origins allowed to call from a browser
    feedback_db: Path | None = None  # None: <cache_dir>/feedback.sqlite3
    max_body_bytes: int = 65536  # bigger bodies get 413 before they are parsed
    request_timeout_s: float = 300.0  # a request's whole life: queue, retrieval, generation
    max_queue: int = 64  # answers waiting for the model beyond this are refused (503, busy)
    warm_up: bool = True  # load the index and the model at start-up, not on the first question
    sse_ping_s: float = 15.0  # keep-alive comments on streams (proxies close idle connections)

    def __post_init__(self):
        if not self.tokens and not self.anonymous:
            raise MolsysAIError("no way in: the API needs a token or anonymous mode",
                                f"pass --token T (or set {TOKENS_ENV}), or --anonymous for a public docs widget")
        for name in ("max_body_bytes", "max_queue"):
            if getattr(self, name) < 1:
                raise MolsysAIError(f"{name.replace('_', '-')} must be at least 1 (got {getattr(self, name)})")
        if not self.request_timeout_s > 0:
            raise MolsysAIError(f"request timeout must be more than 0 seconds (got {self.request_timeout_s:g})")
        for origin in self.cors_origins:
            if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
                raise MolsysAIError(f"bad CORS origin '{origin}'",
                                    "an origin is scheme://host[:port] without a path, e.g. https://www.uibcdf.org")

    @property
    def feedback_path(self) -> Path:
        return Path(self.feedback_db) if self.feedback_db else Path(self.settings.cache_dir) / "feedback.sqlite3"

    # -- handing the options to worker processes ----------------------------------------
    def to_env(self) -> str:
        """JSON for :data:`OPTIONS_ENV` (tokens excluded: workers read them from their own env)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("settings", "tokens")}
        values["rate_limit"] = asdict(self.rate_limit)
        values["feedback_db"] = str(self.feedback_db) if self.feedback_db else None
        values["settings"] = {f.name: (str(v) if isinstance(v, Path) else v)
                              for f in fields(self.settings) if (v := getattr(self.settings, f.name)) is not None}
        return json.dumps(values)

    @classmethod
    def from_env(cls) -> "ApiOptions":
        values = json.loads(os.environ[OPTIONS_ENV])
        values["settings"] = load_settings(**values["settings"])
        values["rate_limit"] = RateLimit(**values["rate_limit"])
        values["cors_origins"] = tuple(values["cors_origins"])
        values["feedback_db"] = Path(values["feedback_db"]) if values["feedback_db"] else None
        return cls(tokens=tokens_from_env(), **values)
