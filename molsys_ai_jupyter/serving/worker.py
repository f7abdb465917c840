"""One model, one request at a time: a single daemon thread runs the blocking work
(retrieval, generation, planning) of every request in turn.

A daemon thread, so that stopping the server never waits for a generation to end;
one thread, because the embedded model generates for one caller at a time anyway and
two concurrent generations on two CPU cores would only slow both down.

>>> worker = ModelWorker()
>>> worker.submit(sum, [1, 2]).result()
3
>>> worker.close()
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable

_STOP = None  # what close() queues: the thread ends when it reaches it


class ModelWorker:
    def __init__(self, name: str = "molsys-ai-model"):
        self._jobs: queue.SimpleQueue[tuple[Future, Callable[..., Any], tuple, dict] | None] = queue.SimpleQueue()
        self._name = name
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """Queue ``fn(*args, **kwargs)``; the future holds its result or exception."""
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the model worker is closed")
            self._jobs.put((future, fn, args, kwargs))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
        return future

    def close(self) -> None:
        """Cancel what waits, let the running job end at its own pace (a relay cancelled
        beside it ends it at the next piece), then end the thread."""
        with self._lock:
            self._closed = True
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
            self._jobs.put(_STOP)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            future, fn, args, kwargs = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, never lost in the thread
                future.set_exception(exc)
            else:
                future.set_result(result)
