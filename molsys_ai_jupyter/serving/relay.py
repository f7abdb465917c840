"""From the model's thread to the event loop: the blocking work calls ``relay.token``
for every piece the model writes; the request handler reads the pieces, then the
result (or the error), as they come.

Pieces cross threads with ``loop.call_soon_threadsafe`` into an ``asyncio.Queue``, so
they keep their order and the result always comes after the last piece. ``cancel()``
(the client went away, the request ran out of time, the server stops) makes the next
``token`` call raise :class:`Cancelled`, which ends the generation early and frees the
thread for the next request.

A failure reaches the reader as a :class:`~.errors.ServingError` (classified in the
model's thread, its traceback logged there and dropped), never as the raw exception.

    relay = TokenRelay(log=LOG)
    relay.run(worker.submit, lambda relay: assistant.ask(question, on_token=relay.token))
    async for kind, value in relay.items(idle_s=15):
        ...  # TOKEN pieces, IDLE while waiting, then one RESULT or ERROR
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import Future
from typing import AsyncIterator, Callable

from .errors import ServingError

TOKEN, RESULT, ERROR, IDLE, TIMEOUT = "token", "result", "error", "idle", "timeout"


class Cancelled(Exception):
    """Nobody wants the answer any more (the client left, time ran out, the server
    stops): the work ends early and is not reported."""


class TokenRelay:
    def __init__(self, loop: asyncio.AbstractEventLoop | None = None, log: logging.Logger | None = None):
        self.loop = loop or asyncio.get_running_loop()
        self.queue: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
        self.log = log
        self.first_token_at: float | None = None  # time.perf_counter() of the first piece
        self._cancelled = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()

    def _put(self, item: tuple[str, object]) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: the server is stopping
            self._cancelled.set()

    def token(self, piece: str) -> None:
        """Called in the model's thread for every piece of text."""
        if self._cancelled.is_set():
            raise Cancelled()
        if piece:
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            self._put((TOKEN, piece))

    def run(self, submit: Callable[[Callable[[], object]], Future], work: Callable[[TokenRelay], object]) -> Future:
        """Run ``work(relay)`` through ``submit`` (a :class:`~.worker.ModelWorker`'s). Its
        result, or its failure as a ``ServingError`` (or ``Cancelled``), is queued after its
        pieces and held by the returned future."""

        def job() -> object:
            failure: Exception | None = None
            try:
                if self._cancelled.is_set():  # the client left while the request waited its turn
                    raise Cancelled()
                result = work(self)
            except Cancelled:
                failure = Cancelled()
            except BaseException as exc:  # noqa: BLE001 - every failure (SystemExit too) ends the answer, classified
                failure = ServingError.from_exception(exc, self.log)
            # raised out here, not inside `except`: the failed generation's frames (the
            # half-read model stream holds the embedded model's lock) are freed now
            if failure is not None:
                self._put((ERROR, failure))
                raise failure
            self._put((RESULT, result))
            return result

        future = submit(job)
        # cancelled before it ran (the worker closed): the reader still gets its end
        future.add_done_callback(lambda f: self._put((ERROR, Cancelled())) if f.cancelled() else None)
        return future

    async def items(self, idle_s: float | None = None, timeout_s: float | None = None
                    ) -> AsyncIterator[tuple[str, object]]:
        """``(TOKEN, piece)`` … then one ``(RESULT, value)`` or ``(ERROR, ServingError or
        Cancelled)``; ``(IDLE, None)`` whenever nothing came for ``idle_s`` seconds. With
        ``timeout_s``, ``(TIMEOUT, None)`` ends the items when the whole answer took longer
        (the work is cancelled: it stops at its next piece)."""
        deadline = None if timeout_s is None else self.loop.time() + timeout_s
        while True:
            wait = idle_s
            if deadline is not None:
                left = deadline - self.loop.time()
                wait = left if wait is None else min(wait, left)
            try:
                kind, value = await asyncio.wait_for(self.queue.get(), wait)
            except asyncio.TimeoutError:  # the item, if any, stays queued
                if deadline is not None and self.loop.time() >= deadline:
                    self.cancel()
                    yield TIMEOUT, None
                    return
                yield IDLE, None
                continue
            yield kind, value
            if kind not in (TOKEN, IDLE):
                return
