"""``/v1/chat`` with ``"stream": true``: Server-Sent Events, each
``event: NAME\\ndata: ONE-LINE-JSON\\n\\n`` — ``token`` {"text"} (many), then ``answer``
(the same JSON as without streaming) and ``done`` {}; on failure ``error``
{"message", "hint", "kind"} then ``done``. Lines starting with ``:`` are keep-alive
comments. A client that disconnects cancels the generation at its next token."""

from __future__ import annotations

import asyncio
import json
import threading
import time

from .engine import Cancelled
from .errors import ApiError, from_exception


def sse_event(name: str, data: dict):
    from sse_starlette import ServerSentEvent

    return ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event=name, sep="\n")


def thread_to_loop(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue):
    """A callable for other threads that puts items on ``queue`` in ``loop``."""

    def put(item) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: the server stopped
            pass

    return put


def answer_events(ctx, job, state: dict):
    """The event stream of one answer (an async generator for EventSourceResponse).

    The question is queued when the stream starts: a client gone before that costs
    nothing. A full queue is refused here, before the response starts (503 busy)."""
    ctx.engine.check_capacity()
    return _events(ctx, job, state)


async def _events(ctx, job, state: dict):
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    put = thread_to_loop(loop, queue)
    cancel = threading.Event()
    deadline = loop.time() + ctx.options.request_timeout_s
    ctx.metrics.streams.inc()
    try:
        try:
            future = ctx.engine.submit(job, lambda piece: put(("token", piece)), cancel)
        except ApiError as error:  # filled up since the check
            state["error_kind"] = error.kind
            yield sse_event("error", error.body())
            yield sse_event("done", {})
            return
        future.add_done_callback(lambda _f: put(("end", None)))
        while True:
            try:
                kind, piece = await asyncio.wait_for(queue.get(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                cancel.set()
                error = ApiError("timeout", f"no complete answer within {ctx.options.request_timeout_s:g} s",
                                 "the model is busy: try again later")
                state["error_kind"] = error.kind
                yield sse_event("error", error.body())
                break
            if kind == "token":
                if "ttft_ms" not in state:
                    state["ttft_ms"] = (time.perf_counter() - state["started"]) * 1000.0
                yield sse_event("token", {"text": piece})
                continue
            try:
                answer = future.result()
            except Cancelled:
                break
            except Exception as exc:  # noqa: BLE001 - sent to the client as an error event
                error = from_exception(exc)
                state["error_kind"] = error.kind
                yield sse_event("error", error.body())
            else:
                state.setdefault("ttft_ms", (time.perf_counter() - state["started"]) * 1000.0)
                yield sse_event("answer", answer)
            break
        yield sse_event("done", {})
    finally:  # finished, failed, or the client left (the task is cancelled)
        cancel.set()
        ctx.metrics.streams.dec()
