"""The front door of ``/v1/…`` (a pure ASGI middleware, so streams pass untouched):
who is calling (token, or anonymous within the rate limit), then the body-size cap —
both before a byte of the body is parsed."""

from __future__ import annotations

import json

from ..serving.errors import ServingError
from .auth import PUBLIC_PATHS, Gate


def client_address(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


async def send_error(send, error: ServingError) -> None:
    body = json.dumps(error.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), str(v).encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    def __init__(self, app, gate: Gate, max_body_bytes: int):
        self.app = app
        self.gate = gate
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            if scope["path"] not in PUBLIC_PATHS:
                headers = dict(scope.get("headers") or [])
                authorization = headers.get(b"authorization")
                scope.setdefault("state", {})["caller"] = self.gate.check(
                    authorization.decode("latin-1") if authorization is not None else None, client_address(scope))
            if scope["method"] in ("POST", "PUT", "PATCH"):
                receive = await self._capped_body(scope, receive)
        except ServingError as error:
            scope.setdefault("state", {})["error_kind"] = error.kind
            return await send_error(send, error)
        await self.app(scope, receive, send)

    async def _capped_body(self, scope, receive):
        """Read the whole body (up to the cap) and hand it on; over the cap: 413."""
        too_large = ServingError("too_large", f"request body over {self.max_body_bytes} bytes",
                             "send a shorter question and fewer history turns")
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise too_large
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left while sending
                chunks = None
                first = message
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body_bytes:
                raise too_large
            if not message.get("more_body"):
                first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return first
            return await receive()  # later calls: the disconnect, for streams

        return replay
