"""From a worker thread to the event loop: the blocking ``ask`` calls ``relay.token``
for every piece the model writes; the request handler reads the pieces, then the
result (or the error), as they come.

Pieces cross threads with ``loop.call_soon_threadsafe`` into an ``asyncio.Queue``, so
they keep their order and the result always comes after the last piece. ``cancel()``
(the client went away) makes the next ``token`` call raise :class:`Cancelled`, which
ends the generation early and frees the worker for the next request."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import AsyncIterator, Callable

TOKEN, RESULT, ERROR, IDLE = "token", "result", "error", "idle"


class Cancelled(Exception):
    """The client stopped listening: the work ends early."""


class TokenRelay:
    def __init__(self, loop: asyncio.AbstractEventLoop | None = None):
        self.loop = loop or asyncio.get_running_loop()
        self.queue: asyncio.Queue = asyncio.Queue()
        self._cancelled = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()

    def _put(self, item: tuple) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: the server is stopping
            self._cancelled.set()

    def token(self, piece: str) -> None:
        """Called in the worker thread for every piece of text."""
        if self._cancelled.is_set():
            raise Cancelled()
        if piece:
            self._put((TOKEN, piece))

    def run(self, submit: Callable[[Callable], Future], work: Callable[["TokenRelay"], object]) -> Future:
        """Run ``work(relay)`` through ``submit`` (a worker's); its result or exception
        is queued after its pieces."""

        def job():
            try:
                if self._cancelled.is_set():  # the client left while the request waited its turn
                    raise Cancelled()
                result = work(self)
            except BaseException as exc:
                self._put((ERROR, exc))
                raise
            self._put((RESULT, result))
            return result

        return submit(job)

    async def items(self, idle_s: float | None = None) -> AsyncIterator[tuple[str, object]]:
        """``(TOKEN, piece)`` … then one ``(RESULT, value)`` or ``(ERROR, exception)``;
        ``(IDLE, None)`` whenever nothing came for ``idle_s`` seconds."""
        while True:
            try:
                kind, value = await asyncio.wait_for(self.queue.get(), idle_s)
            except asyncio.TimeoutError:  # the item, if any, stays queued
                yield IDLE, None
                continue
            yield kind, value
            if kind not in (TOKEN, IDLE):
                return
