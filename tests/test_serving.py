"""The serving core both servers share (``molsys_ai_jupyter.serving``): the model's
thread, the relay with ``Cancelled``, the error vocabulary, the answer payload, SSE —
one test class per component — and the two servers, the sidebar's Jupyter extension and
the chat API, answering the same failures with the same kind and status."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import threading
import time
import weakref
from types import SimpleNamespace

import httpx
import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from molsys_ai_jupyter.errors import IndexNotFound, InvalidQuery, MolsysAIError
from molsys_ai_jupyter.llm.base import LLMError
from molsys_ai_jupyter.serving import sse
from molsys_ai_jupyter.serving.errors import STATUS, BadRequest, ServingError, classify
from molsys_ai_jupyter.serving.payload import answer_payload, describe_model
from molsys_ai_jupyter.serving.relay import ERROR, IDLE, RESULT, TIMEOUT, TOKEN, Cancelled, TokenRelay
from molsys_ai_jupyter.serving.worker import ModelWorker
from support.chat_api import AUTH, options_for, serving
from support.fake_llm import FakeLLM
from support.jupyter_server import point_jupyter_at, server_config
from support.servers import free_port

pytest_plugins = ["pytest_jupyter.jupyter_server"]


class TestModelWorker:
    def test_runs_jobs_in_order_on_one_thread_and_hands_back_failures(self):
        worker = ModelWorker()
        threads, order = set(), []

        def job(n):
            threads.add(threading.get_ident())
            order.append(n)
            return n * n

        futures = [worker.submit(job, n) for n in range(5)]
        assert [f.result(timeout=5) for f in futures] == [0, 1, 4, 9, 16]
        assert order == list(range(5)) and len(threads) == 1 and threading.get_ident() not in threads
        with pytest.raises(ZeroDivisionError):
            worker.submit(lambda: 1 / 0).result(timeout=5)
        assert worker.submit(lambda: "still serving").result(timeout=5) == "still serving"
        worker.close()

    def test_close_cancels_what_waits_lets_the_running_job_end_and_ends_the_thread(self):
        worker = ModelWorker()
        started, release = threading.Event(), threading.Event()

        def running():
            started.set()
            release.wait(5)
            return "finished"

        first = worker.submit(running)
        started.wait(5)
        waiting = worker.submit(lambda: "never")
        worker.close()
        assert waiting.cancelled()
        release.set()
        assert first.result(timeout=5) == "finished"
        deadline = time.monotonic() + 5
        while worker.alive and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not worker.alive
        with pytest.raises(RuntimeError, match="closed"):
            worker.submit(lambda: 1)


class TestTokenRelay:
    async def test_pieces_keep_their_order_idle_is_said_and_the_result_comes_last(self):
        worker = ModelWorker()

        def work(relay):
            time.sleep(0.3)  # loading the index
            for piece in ("a", "", "b", "c"):
                relay.token(piece)
            return "done"

        relay = TokenRelay()
        relay.run(worker.submit, work)
        items = [item async for item in relay.items(idle_s=0.1)]
        assert items[0] == (IDLE, None) and items[-4:] == [(TOKEN, "a"), (TOKEN, "b"), (TOKEN, "c"), (RESULT, "done")]
        assert {kind for kind, _ in items[:-4]} == {IDLE}
        assert relay.first_token_at is not None
        worker.close()

    async def test_a_relay_cancelled_before_its_turn_never_runs_its_work(self):
        worker = ModelWorker()
        ran = []
        relay = TokenRelay()
        future = relay.run(worker.submit, lambda relay: ran.append(1))
        relay.cancel()  # the client left before the work started (it may have started already: then it ran)
        items = [item async for item in relay.items()]
        if ran:
            assert items == [(RESULT, None)]
        else:
            assert [kind for kind, _ in items] == [ERROR] and isinstance(items[0][1], Cancelled)
            with pytest.raises(Cancelled):
                future.result(timeout=5)
        worker.close()

    async def test_cancel_mid_generation_stops_it_at_the_next_piece(self):
        worker = ModelWorker()
        written = []

        def work(relay):
            for n in range(10_000):
                relay.token(f"{n} ")
                written.append(n)
                time.sleep(0.001)
            return "all of it"

        relay = TokenRelay()
        future = relay.run(worker.submit, work)
        async for kind, _ in relay.items():
            if kind == TOKEN:
                relay.cancel()
                break
        with pytest.raises(Cancelled):
            future.result(timeout=5)
        assert len(written) < 100

    async def test_a_failure_arrives_classified_with_its_traceback_in_the_log(self, caplog):
        worker = ModelWorker()

        def work(relay):
            relay.token("half an answer")
            raise RuntimeError("the model broke")

        relay = TokenRelay(log=logging.getLogger("test.relay"))
        with caplog.at_level(logging.ERROR, logger="test.relay"):
            future = relay.run(worker.submit, work)
            items = [item async for item in relay.items()]
        assert [kind for kind, _ in items] == [TOKEN, ERROR]
        error = items[-1][1]
        assert isinstance(error, ServingError) and error.kind == "internal" and error.status == 500
        assert "RuntimeError" in error.message and "the model broke" not in error.message  # no internals to clients
        assert "the model broke" in caplog.text and "Traceback" in caplog.text  # they are in the server's log
        with pytest.raises(ServingError):
            future.result(timeout=5)
        worker.close()

    async def test_a_failed_generation_is_not_kept_alive(self):
        worker = ModelWorker()

        class Stream:  # stands for the model's half-read stream (it holds the model's lock)
            pass

        streams = []

        def work(relay):
            stream = Stream()
            streams.append(weakref.ref(stream))
            relay.token("half an answer")
            raise RuntimeError("the model broke")

        quiet = logging.getLogger("test.relay.quiet")  # a server's log handler writes the record and lets go
        quiet.propagate = False
        quiet.addHandler(logging.NullHandler())
        relay = TokenRelay(log=quiet)
        future = relay.run(worker.submit, work)
        items = [item async for item in relay.items()]
        assert isinstance(items[-1][1], ServingError) and isinstance(future.exception(timeout=5), ServingError)
        gc.collect()
        assert streams[0]() is None  # neither the queued error nor the future holds its frames
        worker.close()

    async def test_a_whole_answer_has_a_time_limit(self):
        worker = ModelWorker()
        stopped = threading.Event()

        def work(relay):
            try:
                while True:
                    time.sleep(0.05)
                    relay.token(".")
            except Cancelled:
                stopped.set()
                raise

        relay = TokenRelay()
        relay.run(worker.submit, work)
        kinds = [kind async for kind, _ in relay.items(idle_s=10, timeout_s=0.3)]
        assert kinds[-1] == TIMEOUT and set(kinds[:-1]) == {TOKEN}
        assert stopped.wait(5)  # the generation stopped at its next piece
        worker.close()

    async def test_a_worker_closed_under_a_waiting_answer_still_ends_its_items(self):
        worker = ModelWorker()
        release = threading.Event()
        worker.submit(release.wait, 5)  # the model is busy
        relay = TokenRelay()
        relay.run(worker.submit, lambda relay: "never")
        worker.close()
        items = await asyncio.wait_for(_all(relay.items()), 5)
        assert [kind for kind, _ in items] == [ERROR] and isinstance(items[0][1], Cancelled)
        release.set()


async def _all(iterator) -> list:
    return [item async for item in iterator]


class TestClassify:
    @pytest.mark.parametrize("exc, kind, status", [
        (BadRequest("the request body is not JSON"), "invalid_request", 422),
        (InvalidQuery("question too long"), "invalid_request", 422),
        (LLMError("cannot reach the model server"), "llm_unavailable", 503),
        (IndexNotFound("no index"), "index_unavailable", 503),
        (MolsysAIError("no code for this task"), "bad_request", 400),
        (ServingError("busy", "the model has 64 answers to give"), "busy", 503),
        (KeyError("x"), "internal", 500),
    ])
    def test_kind_and_status(self, exc, kind, status):
        assert classify(exc) == (kind, status)
        error = ServingError.from_exception(exc)
        assert (error.kind, error.status) == (kind, status) and error.body()["kind"] == kind

    def test_expected_failures_keep_their_words_and_unknown_kinds_are_refused(self):
        body = ServingError.from_exception(LLMError("cannot reach http://gpu:8000", "is vLLM running?")).body()
        assert body == {"message": "cannot reach http://gpu:8000", "hint": "is vLLM running?", "kind": "llm_unavailable"}
        with pytest.raises(ValueError, match="unknown error kind"):
            ServingError("oops", "x")
        assert set(STATUS.values()) <= {400, 401, 403, 404, 405, 413, 422, 429, 500, 503}


class TestPayload:
    def test_answer_payload_is_the_answer_and_its_linked_markdown(self):
        answer = SimpleNamespace(to_dict=lambda: {"text": "t [1]", "sources": []}, markdown="t [1]\n\n**Sources**")
        assert answer_payload(answer) == {"text": "t [1]", "sources": [], "markdown": "t [1]\n\n**Sources**"}

    def test_describe_model_loads_nothing(self, mini_index, tmp_path):
        assert describe_model(mini_index, SimpleNamespace(name="openai", model="m")) == ("openai", "m")
        assert describe_model(mini_index.with_overrides(llm_url="http://gpu:8000/v1", model="")) == ("openai", None)
        gguf = tmp_path / "model.gguf"
        assert describe_model(mini_index.with_overrides(llm_url="", gguf_path=gguf)) == ("embedded", "model.gguf")


class TestSSE:
    def test_reads_names_json_comments_and_multiline_data_as_they_arrive(self):
        lines = [": comment\r\n", "event: token\r\n", 'data: {"text": "a"}\r\n', "\r\n",
                 "data: line one\n", "data: line two\n", "\n", "event: done\n", "data: {}\n"]
        events = list(sse.read_events(lines))
        assert [(e.name, e.data) for e in events] == [("token", {"text": "a"}), ("message", "line one\nline two"),
                                                      ("done", {})]

    def test_what_is_written_reads_back_one_event_per_message(self):
        text = sse.comment("answering") + sse.event("token", {"text": "a\nb"}) + sse.event("done", {})
        assert text.count("\n\n") == 3 and "data: " + json.dumps({"text": "a\nb"}) in text
        assert [(e.name, e.data) for e in sse.parse(text)] == [("token", {"text": "a\nb"}), ("done", {})]
        assert [(e.name, e.data) for e in sse.parse(text.replace("\n", "\r\n"))] == [("token", {"text": "a\nb"}),
                                                                                  ("done", {})]


# ---------------------------------------------------------------- both servers, one vocabulary

@pytest.fixture
def jp_server_config():
    return server_config()


def _point_jupyter_at(monkeypatch, settings, tmp_path) -> None:
    point_jupyter_at(monkeypatch, settings, tmp_path, llm_url=settings.llm_url, llm_timeout=5)


async def _sidebar(jp_fetch, question: str) -> tuple[str, str, int]:
    """(where, kind, status) of the sidebar's chat: "reply" (refused before the stream,
    its HTTP status) or "stream" (an ``error`` event; the kind's status)."""
    try:
        response = await jp_fetch("molsys-ai", "chat", method="POST", body=json.dumps({"message": question}))
    except HTTPClientError as exc:
        return "reply", json.loads(exc.response.body)["kind"], exc.code
    errors = [e.data for e in sse.parse(response.body.decode()) if e.name == "error"]
    assert len(errors) == 1, response.body
    return "stream", errors[0]["kind"], STATUS[errors[0]["kind"]]


async def _chat_api(url: str, question: str) -> tuple[str, str, int]:
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(f"{url}/v1/chat", json={"question": question, "stream": True}, headers=AUTH)
    if response.status_code != 200:
        return "reply", response.json()["kind"], response.status_code
    errors = [e.data for e in sse.parse(response.text) if e.name == "error"]
    assert len(errors) == 1, response.text
    return "stream", errors[0]["kind"], STATUS[errors[0]["kind"]]


def _crash(self, *args, **kwargs):
    raise RuntimeError("a bug in the assistant")


@pytest.mark.parametrize("failure, expected", [
    ("blank question", ("reply", "invalid_request", 422)),
    ("question over the limit", ("reply", "invalid_request", 422)),
    ("model server down", ("stream", "llm_unavailable", 503)),
    ("no index", ("stream", "index_unavailable", 503)),
    ("a bug", ("stream", "internal", 500)),
])
async def test_both_servers_answer_a_failure_with_the_same_kind_and_status(
        failure, expected, jp_fetch, mini_index, monkeypatch, tmp_path):
    from molsys_ai_jupyter.assistant import Assistant

    with FakeLLM(["Count them with get [1]."] * 2) as fake:
        # the model answers only where the failure is not the model's
        url = f"http://127.0.0.1:{free_port()}/v1" if failure == "model server down" else fake.url
        settings = mini_index.with_overrides(llm_url=url)
        question = {"blank question": " ", "question over the limit": "x" * 4001}.get(failure, "how many waters?")
        if failure == "no index":
            settings = settings.with_overrides(index_name="missing")
        if failure == "a bug":
            monkeypatch.setattr(Assistant, "ask", _crash)
        _point_jupyter_at(monkeypatch, settings, tmp_path)
        sidebar = await _sidebar(jp_fetch, question)
        with serving(options_for(settings, settings.llm_url, tmp_path)) as (api_url, _):
            api = await _chat_api(api_url, question)
    assert sidebar == api == expected


def test_the_sidebar_extensions_settings_are_traits_over_the_environment(monkeypatch, tmp_path):
    """``c.MolsysAIExtension.<setting>`` in the Jupyter server's config wins over the
    environment; an unset trait leaves the environment's value."""
    from molsys_ai_jupyter.serverext.app import MolsysAIExtension
    from molsys_ai_jupyter.serverext.service import SETTINGS_KEY

    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MOLSYS_AI_INDEX", "from-env")
    monkeypatch.setenv("MOLSYS_AI_LLM_URL", "http://from-env:8000/v1")
    app = MolsysAIExtension(config=Config({"MolsysAIExtension": {"index_name": "from-config", "llm_timeout": 7}}))
    app.serverapp = SimpleNamespace(root_dir=str(tmp_path))
    app.initialize_settings()
    settings = app.settings[SETTINGS_KEY].settings()
    assert (settings.index_name, settings.llm_timeout, settings.llm_url) == ("from-config", 7.0,
                                                                            "http://from-env:8000/v1")
    assert "OpenAI-compatible server" in MolsysAIExtension.class_traits()["llm_url"].help
