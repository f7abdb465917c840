"""The assistant behind the API: one model thread per process (generations one at a
time, off the event loop), a retriever shared by chats and ``/v1/retrieve`` (one search
at a time), the count of answers waiting, and the recent answers feedback refers to."""

from __future__ import annotations

import logging
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable

from ..config import Settings
from ..errors import InvalidQuery
from ..llm.base import LLMError
from ..serving.errors import ServingError
from ..serving.payload import answer_payload, describe_model
from ..serving.relay import TokenRelay
from ..serving.worker import ModelWorker

LOG = logging.getLogger("molsys_ai.api")


@dataclass
class AnswerJob:
    question: str
    k: int = 3
    project: str | None = None
    history: list[dict] = field(default_factory=list)


class SharedRetriever:
    """The index's :class:`Retriever`, made on first use (so an index built after the API
    started is picked up), its searches one at a time."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._retriever = None
        self._lock = threading.Lock()

    def _get(self):
        if self._retriever is None:
            from ..knowledge.retrieval import Retriever

            self._retriever = Retriever(self.settings)
        return self._retriever

    @property
    def manifest(self) -> dict:
        if self._retriever is not None:
            return self._retriever.manifest
        from ..knowledge.index_files import check_index

        return check_index(self.settings.index_path)

    def check_project(self, project: str | None) -> None:
        if project and project not in self.manifest["counts"]["by_project"]:
            raise InvalidQuery(f"unknown project '{project}'",
                               f"choose one of: {', '.join(sorted(self.manifest['counts']['by_project']))}")

    def warm_up(self) -> None:
        with self._lock:
            self._get().warm_up()

    def search(self, query: str, k: int = 5, project: str | None = None, mode: str = "hybrid"):
        with self._lock:
            return self._get().search(query, k=k, project=project, mode=mode)


class RecentAnswers:
    """The last answers of this process by id (feedback stores their text with the rating)."""

    def __init__(self, size: int = 500):
        self.size = size
        self._answers: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, answer: dict) -> None:
        with self._lock:
            self._answers[answer["id"]] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def get(self, answer_id: str) -> dict | None:
        with self._lock:
            return self._answers.get(answer_id)


class Engine:
    def __init__(self, settings: Settings, max_queue: int = 64, on_pending: Callable[[int], None] | None = None,
                 assistant=None):
        from ..assistant import Assistant

        self.settings = settings
        self.retriever = SharedRetriever(settings)
        self.assistant = assistant or Assistant(settings, retriever=self.retriever)
        self.max_queue = max_queue
        self.recent = RecentAnswers()
        self._on_pending = on_pending or (lambda n: None)
        self._pending = 0
        self._lock = threading.Lock()
        self._relays: weakref.WeakSet[TokenRelay] = weakref.WeakSet()  # answers running or waiting
        self._worker = ModelWorker()

    # -- answers ------------------------------------------------------------------------
    def check_capacity(self) -> None:
        if self._pending >= self.max_queue:
            raise ServingError("busy", f"the model has {self._pending} answers to give already",
                               "try again in a minute", {"Retry-After": "30"})

    def submit(self, job: AnswerJob, relay: TokenRelay) -> Future:
        """Queue an answer; its pieces and then its dict (``answer_payload`` + id) come
        through ``relay``, and the future holds the dict too. ``relay.cancel()`` stops it."""
        with self._lock:
            self.check_capacity()
            self._pending += 1
            self._on_pending(self._pending)
            self._relays.add(relay)
        future = relay.run(self._worker.submit, lambda relay: self._answer(job, relay))
        future.add_done_callback(self._released)
        return future

    def _released(self, _future) -> None:
        with self._lock:
            self._pending -= 1
            self._on_pending(self._pending)

    def _answer(self, job: AnswerJob, relay: TokenRelay) -> dict:
        answer = self.assistant.ask(job.question, k=job.k, project=job.project, history=job.history,
                                    on_token=relay.token)
        data = answer_payload(answer)
        data["id"] = uuid.uuid4().hex
        self.recent.add(data)
        return data

    # -- the rest --------------------------------------------------------------------
    def warm_up(self) -> Future:
        """Load the index, the API registry and the model on the model thread. A model
        server that is down is logged, not fatal: answers get 503 until it is back."""

        def load() -> dict:
            started = time.perf_counter()
            self.retriever.warm_up()
            self.assistant.registry  # noqa: B018 - loads it
            try:
                backend = self.assistant.backend
                if getattr(backend, "name", "") == "embedded":  # load the GGUF and run it once (first eval is slow)
                    backend.complete([{"role": "user", "content": "Hello"}], max_tokens=1, temperature=0.0)
            except LLMError as exc:
                LOG.warning("language model not available yet: %s", exc)
            return {"seconds": round(time.perf_counter() - started, 2)}

        return self._worker.submit(load)

    def describe_model(self) -> tuple[str, str | None]:
        """(backend, model) without loading anything or calling the model server."""
        return describe_model(self.settings, self.assistant.loaded_backend)

    def close(self) -> None:
        """Running answers stop at their next piece; waiting ones are cancelled."""
        for relay in list(self._relays):
            relay.cancel()
        self._worker.close()
