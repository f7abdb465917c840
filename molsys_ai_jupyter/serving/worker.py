"""One model, one request at a time: a single daemon thread runs the blocking work
(retrieval, generation, planning) of every request in turn.

A daemon thread, so that stopping the server never waits for a generation to end;
one thread, because the embedded model generates for one caller at a time anyway and
two concurrent generations on two CPU cores would only slow both down."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Callable


class ModelWorker:
    def __init__(self, name: str = "molsys-ai-model"):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._name = name
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable, *args, **kwargs) -> Future:
        """Queue ``fn(*args, **kwargs)``; the future holds its result or exception."""
        future: Future = Future()
        self._jobs.put((future, fn, args, kwargs))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
        return future

    def _loop(self) -> None:
        while True:
            future, fn, args, kwargs = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the caller, never lost in the thread
                future.set_exception(exc)
            else:
                future.set_result(result)
