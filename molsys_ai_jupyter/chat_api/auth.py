"""Who may call ``/v1/…``: a bearer token, or — in anonymous ("docs") mode — anyone,
rate-limited per client IP. A wrong token is refused even in anonymous mode."""

from __future__ import annotations

import hmac

from ..serving.errors import ServingError
from .options import ApiOptions
from .ratelimit import SlidingWindowLimiter, retry_after_header

PUBLIC_PATHS = ("/healthz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")
AUTH_HEADERS = {"WWW-Authenticate": 'Bearer realm="molsys-ai"'}


class Gate:
    def __init__(self, options: ApiOptions, on_limited=None):
        self.tokens = [t.encode() for t in options.tokens]
        self.anonymous = options.anonymous
        self.limiter = SlidingWindowLimiter(options.rate_limit)
        self.on_limited = on_limited or (lambda: None)

    def _known(self, token: str) -> bool:
        given = token.encode()
        return any(hmac.compare_digest(given, known) for known in self.tokens)  # no early exit on a match

    def check(self, authorization: str | None, client: str) -> str:
        """``"token"`` or ``"anonymous"`` for a request that may go on; else :class:`ServingError`."""
        if authorization is not None:
            scheme, _, token = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ServingError("unauthorized", "malformed Authorization header",
                               "send 'Authorization: Bearer TOKEN'", AUTH_HEADERS)
            if not self._known(token.strip()):
                raise ServingError("unauthorized", "unknown token", "check the token you were given", AUTH_HEADERS)
            return "token"
        if not self.anonymous:
            raise ServingError("unauthorized", "this API needs a token", "send 'Authorization: Bearer TOKEN'",
                           AUTH_HEADERS)
        wait = self.limiter.check(client)
        if wait:
            self.on_limited()
            retry = retry_after_header(wait)
            raise ServingError("rate_limited", f"too many requests from this address ({self.limiter.limit})",
                           f"wait {retry} s, or use a token", {"Retry-After": retry})
        return "anonymous"
