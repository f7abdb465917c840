"""The assistant behind the API: one model thread per process (generations one at a
time, off the event loop), a retriever shared by chats and ``/v1/retrieve`` (one search
at a time), the count of answers waiting, and the recent answers feedback refers to."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from ..config import Settings
from ..errors import InvalidQuery, MolsysAIError
from ..llm.base import LLMError
from .errors import ApiError, from_exception

LOG = logging.getLogger("molsys_ai.api")


class Cancelled(Exception):
    """The client left, or the request ran out of time: the generation stops."""


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
        self._closing = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="molsys-ai-model")

    # -- answers ------------------------------------------------------------------------
    def check_capacity(self) -> None:
        if self._pending >= self.max_queue:
            raise ApiError("busy", f"the model has {self._pending} answers to give already",
                           "try again in a minute", {"Retry-After": "30"})

    def submit(self, job: AnswerJob, on_token: Callable[[str], None], cancel: threading.Event) -> Future:
        """Queue an answer; the future holds its dict (``Answer.to_dict()`` + markdown, id)."""
        with self._lock:
            self.check_capacity()
            self._pending += 1
            self._on_pending(self._pending)
        future = self._pool.submit(self._answer, job, on_token, cancel)
        future.add_done_callback(self._released)
        return future

    def _released(self, _future) -> None:
        with self._lock:
            self._pending -= 1
            self._on_pending(self._pending)

    def _answer(self, job: AnswerJob, on_token, cancel: threading.Event) -> dict:
        if cancel.is_set() or self._closing.is_set():
            raise Cancelled()  # it waited in the queue and nobody wants it any more

        def token(piece: str) -> None:
            if cancel.is_set() or self._closing.is_set():
                raise Cancelled()
            on_token(piece)

        cancelled, error = False, None
        try:
            answer = self.assistant.ask(job.question, k=job.k, project=job.project, history=job.history,
                                        on_token=token)
        except Cancelled:
            cancelled = True
        except Exception as exc:  # noqa: BLE001 - every failure becomes an API error
            if not isinstance(exc, MolsysAIError):
                LOG.exception("answer failed")
            error = from_exception(exc)
        # raised out here, not inside `except`: the traceback (and with it the half-read
        # model stream, which holds the embedded model's lock) is freed now, not later
        if cancelled:
            raise Cancelled()
        if error is not None:
            raise error
        data = answer.to_dict()
        data["markdown"] = answer.markdown_with_links()
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

        return self._pool.submit(load)

    def describe_model(self) -> tuple[str, str | None]:
        """(backend, model) without loading anything or calling the model server."""
        loaded = self.assistant._backend  # set once a backend was made
        if loaded is not None:
            return loaded.name, loaded.model
        if self.settings.llm_url:
            return "openai", self.settings.model
        try:
            from ..llm.embedded import packaged_gguf

            return "embedded", (self.settings.gguf_path or packaged_gguf()).name
        except LLMError:
            return "embedded", None

    def close(self) -> None:
        self._closing.set()  # running generations stop at their next token
        self._pool.shutdown(wait=False, cancel_futures=True)
