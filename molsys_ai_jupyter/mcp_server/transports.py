"""Serving the SDK server over stdio (the default: the client starts the process) or over
Streamable HTTP at ``http://HOST:PORT/mcp``.

HTTP listens on loopback unless told otherwise; another address needs a bearer token, and with
a token every request must carry ``Authorization: Bearer <token>`` (compared in constant time)
or gets 401 before it reaches the MCP layer.
"""

from __future__ import annotations

import hmac
import ipaddress
import json

from ..errors import MolsysAIError

LOOPBACK_NAMES = ("localhost",)
MCP_PATH = "/mcp"


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8000`` for IPv6; ``:PORT`` means 127.0.0.1)."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise MolsysAIError(f"--http wants HOST:PORT (got {text!r})", "e.g. --http 127.0.0.1:8000")
    return host.strip("[]") or "127.0.0.1", int(port)


def check_exposure(host: str, token: str | None) -> None:
    if not is_loopback(host) and not token:
        raise MolsysAIError(f"refusing to listen on {host} without a bearer token",
                            "pass --token (or set MOLSYS_AI_MCP_TOKEN), or listen on 127.0.0.1")


class BearerCheck:
    """ASGI middleware: HTTP requests without ``Authorization: Bearer <token>`` get 401."""

    def __init__(self, app, token: str):
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = json.dumps({"error": "unauthorized", "hint": "send Authorization: Bearer <token>"}).encode()
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def run_stdio(server) -> None:
    server.run("stdio")


def http_app(server, host: str, token: str | None):
    """The Starlette app of the server (the SDK's DNS-rebinding check on loopback), behind
    :class:`BearerCheck` when there is a token."""
    from mcp.server.transport_security import TransportSecuritySettings

    security = None if is_loopback(host) else TransportSecuritySettings(enable_dns_rebinding_protection=False)
    app = server.streamable_http_app(streamable_http_path=MCP_PATH, host=host, transport_security=security)
    return BearerCheck(app, token) if token else app


def run_http(server, host: str, port: int, token: str | None) -> None:
    import sys

    import uvicorn

    check_exposure(host, token)
    app = http_app(server, host, token)
    shown = f"[{host}]" if ":" in host else host
    print(f"molsys-ai mcp: Streamable HTTP at http://{shown}:{port}{MCP_PATH}"
          + (" (bearer token required)" if token else ""), file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
