"""``/v1/chat`` with ``"stream": true``: Server-Sent Events, each
``event: NAME\\ndata: ONE-LINE-JSON\\n\\n`` — ``token`` {"text"} (many), then ``answer``
(the same JSON as without streaming) and ``done`` {}; on failure ``error``
{"message", "hint", "kind"} then ``done``. Lines starting with ``:`` are keep-alive
comments. A client that disconnects cancels the generation at its next token."""

from __future__ import annotations

import time

from ..serving import sse
from ..serving.errors import ServingError
from ..serving.relay import ERROR, RESULT, TIMEOUT, TOKEN, Cancelled, TokenRelay
from .engine import LOG


def answer_events(ctx, job, state: dict):
    """The event stream of one answer (an async generator for EventSourceResponse).

    The question is queued when the stream starts: a client gone before that costs
    nothing. A full queue is refused here, before the response starts (503 busy)."""
    ctx.engine.check_capacity()
    return _events(ctx, job, state)


def _event(name: str, data: object) -> bytes:
    return sse.event(name, data).encode()  # bytes: EventSourceResponse sends them as they are


async def _events(ctx, job, state: dict):
    relay = TokenRelay(log=LOG)
    timeout_s = ctx.options.request_timeout_s
    ctx.metrics.streams.inc()
    try:
        try:
            ctx.engine.submit(job, relay)
        except ServingError as error:  # filled up since the check
            state["error_kind"] = error.kind
            yield _event("error", error.body())
            yield _event("done", {})
            return
        async for kind, value in relay.items(timeout_s=timeout_s):
            if kind == TOKEN:
                state.setdefault("ttft_ms", (time.perf_counter() - state["started"]) * 1000.0)
                yield _event("token", {"text": value})
            elif kind == RESULT:
                state.setdefault("ttft_ms", (time.perf_counter() - state["started"]) * 1000.0)
                yield _event("answer", value)
            elif kind == ERROR and not isinstance(value, Cancelled):
                error = ServingError.from_exception(value, LOG)
                state["error_kind"] = error.kind
                yield _event("error", error.body())
            elif kind == TIMEOUT:
                error = ServingError("timeout", f"no complete answer within {timeout_s:g} s",
                                     "the model is busy: try again later")
                state["error_kind"] = error.kind
                yield _event("error", error.body())
        yield _event("done", {})
    finally:  # finished, failed, or the client left (the task is cancelled)
        relay.cancel()
        ctx.metrics.streams.dec()
