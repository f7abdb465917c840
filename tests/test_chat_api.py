"""The chat API (`molsys-ai serve`) through real HTTP on a loopback uvicorn, with the
scripted fake LLM server: tokens and auth, the anonymous rate limit, CORS, body and
schema errors, the LLM going down and coming back, SSE framing, a client that leaves,
timeouts, feedback in SQLite, metrics, logs and the health check."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from http.server import ThreadingHTTPServer

import httpx
import pytest

from molsys_ai_jupyter.chat_api import ApiOptions, parse_rate_limit
from molsys_ai_jupyter.chat_api.ratelimit import SlidingWindowLimiter
from molsys_ai_jupyter.errors import MolsysAIError
from support.chat_api import AUTH, ORIGIN, QUESTION, REPLY, TOKEN, options_for, serving, stream_chat
from support.fake_llm import FakeLLM
from support.servers import free_port


class FakeLLMOnPort(FakeLLM):
    """The fake server on a fixed port: stopped and started again, it is the same URL."""

    def __init__(self, replies: list[str], port: int):
        super().__init__(replies)
        self._server.server_close()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)


# --- a private server (tokens) with the fake LLM ----------------------------------------

@pytest.fixture(scope="module")
def fake():
    with FakeLLM([REPLY]) as server:
        yield server


@pytest.fixture(scope="module")
def private(mini_index, fake, tmp_path_factory):
    options = options_for(mini_index.with_overrides(max_answer_tokens=200), fake.url,
                          tmp_path_factory.mktemp("private"), cors_origins=(ORIGIN,))
    with serving(options) as (url, app):
        yield url, app


def test_options_refuse_a_server_nobody_can_call_and_bad_values(mini_index):
    with pytest.raises(MolsysAIError, match="needs a token or anonymous"):
        ApiOptions(settings=mini_index)
    with pytest.raises(MolsysAIError, match="bad CORS origin"):
        ApiOptions(settings=mini_index, anonymous=True, cors_origins=("https://x.org/path",))
    assert str(parse_rate_limit("30/minute")) == "30/minute" and parse_rate_limit("5/s").period_s == 1.0
    assert parse_rate_limit(" 100 / hour ").requests == 100
    for bad in ("30", "0/minute", "x/minute", "3/fortnight"):
        with pytest.raises(MolsysAIError, match="bad rate limit"):
            parse_rate_limit(bad)


def test_workers_get_the_same_options_and_tokens_from_the_environment(mini_index, tmp_path, monkeypatch):
    from molsys_ai_jupyter.chat_api.options import OPTIONS_ENV, TOKENS_ENV

    options = ApiOptions(settings=mini_index.with_overrides(llm_url="http://gpu:8000/v1", chroma_url="http://c:8001"),
                         tokens=("a", "b"), anonymous=True, rate_limit=parse_rate_limit("7/hour"),
                         cors_origins=(ORIGIN,), feedback_db=tmp_path / "f.sqlite3", max_body_bytes=1000,
                         request_timeout_s=12.5, max_queue=3)
    monkeypatch.setenv(OPTIONS_ENV, options.to_env())
    monkeypatch.setenv(TOKENS_ENV, "a,b")
    assert "\"a\"" not in options.to_env()  # tokens stay out of the options' JSON
    assert ApiOptions.from_env() == options
    from molsys_ai_jupyter.chat_api.server import app_from_env

    for name in ("molsys_ai.api", "uvicorn.error"):  # the worker sets up its logging: undone after the test
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "handlers", list(logger.handlers))
        monkeypatch.setattr(logger, "propagate", logger.propagate)
        monkeypatch.setattr(logger, "level", logger.level)
    assert app_from_env().state.ctx.options == options  # what each uvicorn worker builds


def test_serve_flags_errors_are_one_line_and_exit_2(capsys, tmp_path, mini_index):
    from molsys_ai_jupyter.cli.main import main

    for argv, message in [(["serve", "--port", "x"], "invalid int value"),
                          (["serve"], "needs a token or anonymous"),
                          (["serve", "--anonymous", "--rate-limit", "lots"], "bad rate limit"),
                          (["serve", "--anonymous", "--port", "70000"], "--port must be"),
                          (["serve", "--anonymous", "--max-answer-tokens", "2"], "--max-answer-tokens must be"),
                          (["serve", "--anonymous", "--cors-origin", "example.org"], "bad CORS origin"),
                          (["serve", "--anonymous", "--index-dir", str(tmp_path)], "no index"),
                          (["serve", "--token", "t", "--chroma-url", "https://c:1", "--data", str(mini_index.data_root),
                           "--index-dir", str(mini_index.index_root)], "Chroma URL")]:
        with pytest.raises(SystemExit) as info:
            raise SystemExit(main(argv))
        err = capsys.readouterr().err.strip()
        assert info.value.code == 2 and len(err.splitlines()) == 1 and message in err, (argv, err)


def test_the_cli_and_the_package_stay_light():
    import subprocess
    import sys

    code = ("import sys, json, molsys_ai_jupyter.chat_api, molsys_ai_jupyter.cli.main as m; m.build_parser();"
            "print(json.dumps([x for x in ('fastapi', 'starlette', 'sse_starlette', 'uvicorn', 'prometheus_client',"
            " 'haystack', 'torch', 'chromadb') if x in sys.modules]))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(loaded) == []


def test_sliding_window_limits_each_client_and_says_when_to_come_back():
    now = [1000.0]
    limiter = SlidingWindowLimiter(parse_rate_limit("2/minute"), clock=lambda: now[0])
    assert limiter.check("a") == 0 and limiter.check("a") == 0
    now[0] += 10
    assert limiter.check("a") == pytest.approx(50.0)  # the first hit leaves the window in 50 s
    assert limiter.check("b") == 0  # another address has its own budget
    now[0] += 50.5
    assert limiter.check("a") == 0


def test_health_and_metrics_need_no_token_and_health_loads_nothing(private):
    url, app = private
    health = httpx.get(f"{url}/healthz").json()
    assert health["status"] == "ok" and health["backend"] == "openai"
    assert health["index"]["name"] == "molsyssuite" and health["index"]["projects"] == ["mini"]
    engine = app.state.ctx.engine
    assert engine.retriever._retriever is None and engine.assistant._backend is None  # cheap: nothing loaded
    metrics = httpx.get(f"{url}/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")


def test_tokens_are_required_and_checked(private):
    url, _ = private
    body = {"answer_id": "abc", "rating": "up"}
    missing = httpx.post(f"{url}/v1/feedback", json=body)
    assert missing.status_code == 401 and missing.json()["kind"] == "unauthorized"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    for header in ("Bearer wrong", "Basic " + TOKEN, "Bearer", TOKEN):
        refused = httpx.post(f"{url}/v1/feedback", json=body, headers={"Authorization": header})
        assert refused.status_code == 401, header
        assert set(refused.json()) == {"message", "hint", "kind"}
    assert httpx.post(f"{url}/v1/feedback", json=body, headers=AUTH).status_code == 201


def test_chat_answers_with_cited_sources_and_an_id_for_feedback(private):
    url, _ = private
    response = httpx.post(f"{url}/v1/chat", json={"question": QUESTION}, headers=AUTH, timeout=60)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["backend"] == "openai" and answer["model"] == "fake-model"
    assert answer["draft"] == REPLY and 1 in answer["cited"]
    assert answer["sources"][0]["url"].startswith("https://example.org/mini/")
    assert f"1. [{answer['sources'][0]['title']}]({answer['sources'][0]['url']})" in answer["markdown"]
    assert len(answer["id"]) == 32 and answer["timings"]["ttft_ms"] > 0


def test_stream_is_token_events_then_the_answer_then_done(private, fake):
    url, _ = private
    history = [{"role": "user", "content": "What is mini?"}, {"role": "assistant", "content": "A toy library."}]
    status, content_type, events = stream_chat(url, {"question": QUESTION, "history": history}, AUTH)
    assert status == 200 and content_type.startswith("text/event-stream")
    names = [name for name, _ in events]
    assert names[-2:] == ["answer", "done"] and set(names[:-2]) == {"token"} and names.count("token") >= 10
    assert "".join(data["text"] for name, data in events if name == "token") == REPLY
    answer = events[-2][1]
    assert answer["draft"] == REPLY and answer["id"] and answer["markdown"] and events[-1][1] == {}
    sent = fake.requests[-1]["messages"]
    assert sent[1:3] == history  # the history reached the model, before the question
    assert fake.requests[-1]["max_tokens"] == 200  # the answer cap (settings.max_answer_tokens)


def test_bodies_and_schemas_are_checked_before_anything_runs(private):
    url, _ = private
    def post(**kw):
        return httpx.post(f"{url}/v1/chat", headers={**AUTH, "Content-Type": "application/json"}, **kw)
    too_big = post(content=json.dumps({"question": "x" * 70_000}))
    assert too_big.status_code == 413 and too_big.json()["kind"] == "too_large"
    chunked = post(content=iter([b'{"question": "', b"x" * 70_000, b'"}']))  # no Content-Length
    assert chunked.status_code == 413
    cases = [b"{not json", b"[]", b'{"k": 3}', b'{"question": "hi", "k": 0}', b'{"question": "hi", "k": 11}',
             b'{"question": "hi", "surprise": 1}', b'{"question": "hi", "history": [{"role": "system", "content": "x"}]}',
             json.dumps({"question": "hi", "history": [{"role": "user", "content": "x"}] * 11}).encode(),
             json.dumps({"question": "x" * 4001}).encode(),  # over the question cap: 422 (the body is small)
             b'{"question": "   "}', b'{"question": "hi", "project": "nope"}']
    for body in cases:
        response = post(content=body)
        assert response.status_code == 422, (body[:60], response.text)
        error = response.json()
        assert error["kind"] == "invalid_request" and error["message"], body[:60]
    assert "unknown project 'nope'" in post(content=b'{"question": "hi", "project": "nope"}').json()["message"]
    assert httpx.get(f"{url}/nowhere", headers=AUTH).json()["kind"] == "not_found"


def test_cors_preflight_answers_allowed_origins_only(private):
    url, _ = private
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
    allowed = httpx.options(f"{url}/v1/chat", headers={"Origin": ORIGIN, **preflight})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    denied = httpx.options(f"{url}/v1/chat", headers={"Origin": "https://evil.example", **preflight})
    assert denied.status_code == 400 and "access-control-allow-origin" not in denied.headers
    refusal = httpx.post(f"{url}/v1/chat", json={"question": QUESTION}, headers={"Origin": ORIGIN})
    assert refusal.status_code == 401 and refusal.headers["access-control-allow-origin"] == ORIGIN  # readable in JS


def test_retrieve_returns_the_pages(private):
    url, _ = private
    response = httpx.post(f"{url}/v1/retrieve", json={"query": "count waters", "k": 2}, headers=AUTH, timeout=60)
    results = response.json()["results"]
    assert response.status_code == 200 and 1 <= len(results) <= 2
    assert results[0]["n"] == 1 and results[0]["url"] == "https://example.org/mini/content/waters.html"
    assert set(results[0]) == {"n", "title", "url", "project", "path", "score", "text"} and results[0]["text"]


def test_feedback_is_a_row_in_sqlite_with_the_answer(private):
    url, app = private
    answer = httpx.post(f"{url}/v1/chat", json={"question": QUESTION}, headers=AUTH, timeout=60).json()
    response = httpx.post(f"{url}/v1/feedback", headers=AUTH, json={
        "answer_id": answer["id"], "rating": "down", "comment": "too short", "page_url": f"{ORIGIN}/guide.html"})
    assert response.status_code == 201 and response.json()["ok"] is True
    with sqlite3.connect(app.state.ctx.options.feedback_path) as db:
        db.row_factory = sqlite3.Row
        row = dict(db.execute("SELECT * FROM feedback WHERE id = ?", (response.json()["id"],)).fetchone())
    assert row["answer_id"] == answer["id"] and row["rating"] == "down" and row["comment"] == "too short"
    assert row["question"] == QUESTION and row["answer"] == answer["text"] and row["model"] == "fake-model"
    bad = httpx.post(f"{url}/v1/feedback", headers=AUTH, json={"answer_id": answer["id"], "rating": "meh"})
    assert bad.status_code == 422


def test_metrics_count_requests_latency_ttft_and_errors(private, caplog):
    url, _ = private
    with caplog.at_level(logging.INFO, logger="molsys_ai.api.access"):
        stream_chat(url, {"question": QUESTION}, AUTH)
        httpx.post(f"{url}/v1/chat", json={"question": QUESTION})  # 401
    text = httpx.get(f"{url}/metrics").text
    assert 'molsys_ai_api_requests_total{method="POST",route="/v1/chat",status="200"}' in text
    assert 'molsys_ai_api_errors_total{kind="unauthorized"}' in text
    assert "molsys_ai_api_ttft_seconds_count" in text and "molsys_ai_api_request_seconds_bucket" in text
    assert "molsys_ai_api_streams_in_flight 0.0" in text and "molsys_ai_api_rate_limited_total 0.0" in text
    ttft_count = next(float(line.split()[-1]) for line in text.splitlines()
                      if line.startswith("molsys_ai_api_ttft_seconds_count"))
    assert ttft_count >= 1
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "molsys_ai.api.access"]
    chat_line = next(line for line in lines if line["path"] == "/v1/chat" and line["status"] == 200)
    assert chat_line["method"] == "POST" and chat_line["client"] == "127.0.0.1" and chat_line["ttft_ms"] > 0
    assert chat_line["ms"] >= chat_line["ttft_ms"]
    assert any(line["status"] == 401 and line["error"] == "unauthorized" for line in lines)


# --- anonymous ("docs") mode -----------------------------------------------------------

def test_anonymous_mode_rate_limits_per_address_and_still_checks_tokens(mini_index, tmp_path):
    options = options_for(mini_index, "http://127.0.0.1:9/v1", tmp_path, anonymous=True,
                          rate_limit=parse_rate_limit("3/minute"))
    with serving(options) as (url, _):
        body = {"answer_id": "a1", "rating": "up"}
        assert [httpx.post(f"{url}/v1/feedback", json=body).status_code for _ in range(3)] == [201] * 3
        limited = httpx.post(f"{url}/v1/feedback", json=body)
        assert limited.status_code == 429 and limited.json()["kind"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert httpx.post(f"{url}/v1/feedback", json=body, headers=AUTH).status_code == 201  # tokens: no limit
        wrong = httpx.post(f"{url}/v1/feedback", json=body, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401  # a wrong token is refused, not treated as anonymous
        assert httpx.get(f"{url}/healthz").status_code == 200  # never limited
        assert "molsys_ai_api_rate_limited_total 1.0" in httpx.get(f"{url}/metrics").text


# --- the model server going away and coming back --------------------------------------

def test_llm_down_is_503_and_the_api_recovers_when_it_is_back(mini_index, tmp_path):
    port = free_port()
    options = options_for(mini_index, f"http://127.0.0.1:{port}/v1", tmp_path)
    def ask(url):
        return httpx.post(f"{url}/v1/chat", json={"question": QUESTION}, headers=AUTH, timeout=60)
    with serving(options) as (url, _):
        down = ask(url)  # down from the start
        assert down.status_code == 503 and down.json()["kind"] == "llm_unavailable"
        assert f"cannot reach the language model server at http://127.0.0.1:{port}/v1" in down.json()["message"]
        with FakeLLMOnPort([REPLY], port):
            assert ask(url).status_code == 200
        down = ask(url)  # went away after answering
        assert down.status_code == 503 and down.json()["kind"] == "llm_unavailable"
        status, _, events = stream_chat(url, {"question": QUESTION}, AUTH)
        assert status == 200 and [name for name, _ in events] == ["error", "done"]
        assert events[0][1]["kind"] == "llm_unavailable" and events[0][1]["hint"]
        with FakeLLMOnPort([REPLY], port):  # back on the same address: no restart needed
            assert ask(url).json()["draft"] == REPLY
        assert 'molsys_ai_api_errors_total{kind="llm_unavailable"} 3.0' in httpx.get(f"{url}/metrics").text


# --- time limits, the queue, and clients that leave -------------------------------------

def test_slow_model_times_out_and_a_full_queue_is_busy(mini_index, tmp_path):
    with FakeLLM([REPLY], delay=2.0) as slow:
        options = options_for(mini_index, slow.url, tmp_path, request_timeout_s=1.0, max_queue=1)
        with serving(options) as (url, _):
            started = time.perf_counter()
            late = httpx.post(f"{url}/v1/chat", json={"question": QUESTION}, headers=AUTH, timeout=30)
            assert late.status_code == 503 and late.json()["kind"] == "timeout"
            assert time.perf_counter() - started < 1.9  # the client is told at the limit, not when the model ends
            # the model thread still waits for the slow server: one more answer fills the queue
            busy = httpx.post(f"{url}/v1/chat", json={"question": QUESTION}, headers=AUTH, timeout=30)
            assert busy.status_code == 503 and busy.json()["kind"] == "busy" and busy.headers["retry-after"]


def test_a_client_that_leaves_mid_stream_stops_the_generation(mini_index, tmp_path, answer_outcomes):
    outcomes = answer_outcomes
    long_reply = "Count them with the get function [1]. " + "More words about waters. " * 3000
    with FakeLLM([long_reply, REPLY]) as fake:
        with serving(options_for(mini_index, fake.url, tmp_path)) as (url, app):
            with httpx.stream("POST", f"{url}/v1/chat", json={"question": QUESTION, "stream": True}, headers=AUTH,
                              timeout=30) as response:
                for line in response.iter_lines():
                    if line.startswith("event: token"):
                        break  # the reader closes the page mid-answer
            deadline = time.monotonic() + 10
            while not outcomes and time.monotonic() < deadline:
                time.sleep(0.05)
            assert outcomes == ["Cancelled"]  # stopped early, not after thousands of tokens
            status, _, events = stream_chat(url, {"question": QUESTION}, AUTH)
            assert status == 200 and events[-2][1]["draft"] == REPLY  # and the server serves on
            assert outcomes == ["Cancelled", "answer"]
            assert "molsys_ai_api_streams_in_flight 0.0" in httpx.get(f"{url}/metrics").text


def test_the_remote_client_speaks_the_api(private):
    """The client that `%molsys ask` uses in JupyterLite against the real app: the
    contract (field names, events) is the same on both sides."""
    from molsys_ai_jupyter.remote import ChatClient, RemoteError

    url, _ = private
    client = ChatClient(url, token=TOKEN)
    pieces: list[str] = []
    answer = client.chat(QUESTION, k=2, on_token=pieces.append)
    assert "".join(pieces).strip() == REPLY and answer.id and answer.sources
    assert all(s["url"] for s in answer.sources) and answer.markdown.startswith(answer.text.split("\nSources:")[0][:20])
    hits = client.retrieve(QUESTION, k=2)["results"]
    assert 1 <= len(hits) <= 2 and all(h["url"] and h["text"] for h in hits)
    assert client.feedback(answer.id, "up", question=QUESTION)["ok"] is True
    assert client.health()["status"] == "ok"
    with pytest.raises(RemoteError) as refused:
        ChatClient(url, token="wrong").chat(QUESTION)
    assert refused.value.status == 401
