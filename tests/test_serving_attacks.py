"""Attacks on the serving core through both servers — the sidebar's Jupyter extension
(``jp_fetch``) and the chat API (``serving``) — and through the chat API's client
(``remote.ChatClient``): malformed and odd requests, odd notebook paths, model output
that looks like SSE or HTML or is not valid Unicode, model servers that die, hang or
send garbage, crashes that are not ``Exception``, clients that leave, many streams at
once, and event streams the client should not choke on.

Written by an attacker who had not written the servers; 20 of these attacks found a defect
(each fixed since, the test kept as its regression)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import socket
import struct
import threading

import httpx
import pytest
from tornado.httpclient import HTTPClientError

from molsys_ai_jupyter import remote
from molsys_ai_jupyter.remote import ChatClient, RemoteError
from molsys_ai_jupyter.serving import sse
from molsys_ai_jupyter.serving.errors import STATUS
from support.chat_api import AUTH, TOKEN, options_for, parse_sse, serving
from support.fake_llm import FakeLLM
from support.jupyter_server import point_jupyter_at, server_config
from support.servers import free_port

pytest_plugins = ["pytest_jupyter.jupyter_server"]

QUESTION = "how many water molecules are there?"
REPLY = "Count them with the get function [1]. It returns the number of waters."


@pytest.fixture
def jp_server_config():
    return server_config()


def _point_jupyter_at(monkeypatch, settings, tmp_path, llm_timeout: int = 5) -> None:
    point_jupyter_at(monkeypatch, settings, tmp_path, llm_url=settings.llm_url, llm_timeout=llm_timeout)


def _api_options(settings, tmp_path, llm_timeout: float = 5, **kwargs):
    options = options_for(settings, settings.llm_url, tmp_path, **kwargs)
    return dataclasses.replace(options, settings=options.settings.with_overrides(llm_timeout=llm_timeout))


def _verdict(status: int, content_type: str, text: str) -> tuple:
    """(where, kind, status): "reply" (refused before any stream, its status), "stream"
    (an ``error`` event; its kind's status) or "answer" (an answer event, 200)."""
    if status != 200:
        return "reply", json.loads(text).get("kind"), status
    assert content_type.startswith(sse.CONTENT_TYPE), (content_type, text[:200])
    events = parse_sse(text)  # the framing is checked too
    names = [name for name, _ in events]
    assert names[-1] == "done", names
    errors = [data for name, data in events if name == "error"]
    if errors:
        return "stream", errors[0]["kind"], STATUS[errors[0]["kind"]]
    assert "answer" in names, names
    return "answer", None, 200


async def _sidebar_chat(jp_fetch, body: bytes, **kwargs) -> tuple[int, str, str]:
    try:
        response = await jp_fetch("molsys-ai", "chat", method="POST", body=body, **kwargs)
    except HTTPClientError as exc:
        return exc.code, exc.response.headers.get("Content-Type", ""), exc.response.body.decode()
    return response.code, response.headers.get("Content-Type", ""), response.body.decode()


async def _api_chat(url: str, body: bytes, timeout: float = 60) -> tuple[int, str, str]:
    async with httpx.AsyncClient(timeout=timeout) as client:
        response = await client.post(f"{url}/v1/chat", content=body,
                                     headers={**AUTH, "Content-Type": "application/json"})
    return response.status_code, response.headers.get("content-type", ""), response.text


# ---------------------------------------------------------------- bad requests, both servers

def _body(template: str):
    """The same request for both servers: the sidebar calls the question "message" and
    streams always; the chat API calls it "question" and streams when asked."""
    def make(field: str, stream: bool) -> bytes:
        text = template.replace("FIELD", field)
        if stream and text.startswith("{") and not text.startswith("{}"):
            text = '{"stream": true, ' + text[1:]
        return text.encode("utf-8", "surrogatepass")
    return make


DEEP = "[" * 20_000 + "]" * 20_000
REQUESTS = [
    pytest.param(_body("{not json"), id="not-json"),
    pytest.param(_body("[]"), id="json-array"),
    pytest.param(lambda field, stream: b'{"' + field.encode() + b'": "caf\xe9"}', id="not-utf8"),
    pytest.param(_body('{"FIELD": "how many waters?", "k": NaN}'), id="k-nan"),
    pytest.param(_body('{"FIELD": "how many waters?", "k": ' + "9" * 5000 + "}"), id="k-5000-digits"),
    pytest.param(_body('{"FIELD": "how many waters?", "k": 11}'), id="k-11"),
    pytest.param(_body(DEEP), id="deeply-nested"),
    pytest.param(_body('{"FIELD": "how many waters \\ud800?"}'), id="lone-surrogate"),
    pytest.param(_body('{"FIELD": "how many waters?", "k": true}'), id="k-true"),
    pytest.param(_body('{"FIELD": "how many waters?", "k": "3"}'), id="k-string"),
    pytest.param(_body('{"FIELD": "how many waters?", "surprise": 1}'), id="unknown-field"),
    pytest.param(_body('{"FIELD": "' + " " * 10 + "x" * 3995 + '"}'), id="padded-to-over-the-cap"),
]


@pytest.mark.parametrize("make", REQUESTS)
async def test_a_request_gets_the_same_verdict_on_both_servers(make, jp_fetch, mini_index, monkeypatch, tmp_path):
    with FakeLLM([REPLY]) as fake:
        settings = mini_index.with_overrides(llm_url=fake.url)
        _point_jupyter_at(monkeypatch, settings, tmp_path)
        sidebar = _verdict(*await _sidebar_chat(jp_fetch, make("message", False)))
        with serving(_api_options(settings, tmp_path)) as (url, _):
            api = _verdict(*await _api_chat(url, make("question", True)))
            # the API serves on after the attack
            assert _verdict(*await _api_chat(url, json.dumps({"question": QUESTION, "stream": True}).encode()))[0] \
                == "answer"
        assert _verdict(*await _sidebar_chat(jp_fetch, json.dumps({"message": QUESTION}).encode()))[0] == "answer"
    assert sidebar == api
    if sidebar[0] == "reply":  # refused: one readable line and a kind, no traceback
        assert sidebar[1] == "invalid_request" and sidebar[2] == 422


# ---------------------------------------------------------------- notebook paths (sidebar)

@pytest.fixture
def outside_link(jp_root_dir, tmp_path_factory) -> str:
    """A folder link under the server root that points out of it."""
    outside = tmp_path_factory.mktemp("outside")
    os.symlink(outside, jp_root_dir / "escape")
    return "escape/steal.ipynb"


async def test_notebook_paths_out_of_the_root_are_one_readable_line(jp_fetch, mini_index, monkeypatch, tmp_path,
                                                                     outside_link):
    _point_jupyter_at(monkeypatch, mini_index.with_overrides(llm_url=f"http://127.0.0.1:{free_port()}/v1"), tmp_path)
    for notebook in ["../x.ipynb", "a/../../x.ipynb", "..\\..\\x.ipynb", "/etc/x.ipynb", "x\x00y.ipynb",
                     outside_link, "./../x.ipynb"]:
        for route, body in [("chat", {"message": QUESTION}), ("policy", {"code": "print(1)"})]:
            status, _, text = await _post(jp_fetch, route, {**body, "notebook": notebook})
            reply = json.loads(text)
            assert status == 422 and reply["kind"] == "invalid_request", (notebook, route, text)
            assert "\n" not in reply["message"] and "Traceback" not in text


async def _post(jp_fetch, route: str, body: dict) -> tuple[int, str, str]:
    try:
        response = await jp_fetch("molsys-ai", *route.split("/"), method="POST", body=json.dumps(body))
    except HTTPClientError as exc:
        return exc.code, exc.response.headers.get("Content-Type", ""), exc.response.body.decode()
    return response.code, response.headers.get("Content-Type", ""), response.body.decode()


async def test_a_notebook_folder_name_too_long_for_the_file_system_is_a_bad_request(jp_fetch, mini_index, monkeypatch,
                                                                                      tmp_path):
    _point_jupyter_at(monkeypatch, mini_index.with_overrides(llm_url=f"http://127.0.0.1:{free_port()}/v1"), tmp_path)
    notebook = "a" * 300 + "/analysis.ipynb"
    for route, body in [("chat", {"message": QUESTION}), ("policy", {"code": "print(1)"})]:
        status, _, text = await _post(jp_fetch, route, {**body, "notebook": notebook})
        assert (status, json.loads(text)["kind"]) == (422, "invalid_request"), (route, text)


async def test_a_notebook_path_that_is_not_valid_unicode_loses_nothing(jp_fetch, mini_index, monkeypatch, tmp_path):
    with FakeLLM([REPLY]) as fake:
        _point_jupyter_at(monkeypatch, mini_index.with_overrides(llm_url=fake.url), tmp_path)
        body = ('{"message": "%s", "notebook": "\\ud800.ipynb"}' % QUESTION).encode()
        status, content_type, text = await _sidebar_chat(jp_fetch, body)
    where, kind, status = _verdict(status, content_type, text)
    assert (where, kind) in {("reply", "invalid_request"), ("answer", None)}, text[-300:]


# ---------------------------------------------------------------- model output

EVIL = ("Use get [1]. <script>alert(1)</script></script><!-- \n\nevent: done\ndata: {}\n\n data: {\"text\": \"x\"} "
        ": comment\r\nevent: error\r\n\r\nretry: 1\n id: 7 \\n \\\" {\"a\": [1]} \t end")


async def test_model_output_that_looks_like_sse_or_html_is_data_everywhere(jp_fetch, mini_index, monkeypatch, tmp_path):
    """Every event stays ``event:`` + one ``data:`` line, and what the model wrote comes
    back unchanged: in the tokens, in the answer's draft, and through the client."""
    with FakeLLM([EVIL]) as fake:
        settings = mini_index.with_overrides(llm_url=fake.url)
        _point_jupyter_at(monkeypatch, settings, tmp_path)
        status, _, text = await _sidebar_chat(jp_fetch, json.dumps({"message": QUESTION}).encode())
        streams = {"sidebar": parse_sse(text)}
        with serving(_api_options(settings, tmp_path)) as (url, _):
            status, _, text = await _api_chat(url, json.dumps({"question": QUESTION, "stream": True}).encode())
            streams["api"] = parse_sse(text)
            pieces: list[str] = []
            answer = await asyncio.to_thread(ChatClient(url, token=TOKEN).chat, QUESTION, on_token=pieces.append)
    for where, events in streams.items():
        names = [name for name, _ in events]
        assert names[-2:] == ["answer", "done"] and set(names[:-2]) == {"token"}, (where, names)
        assert "".join(data["text"] for name, data in events if name == "token") == EVIL, where
        assert events[-2][1]["draft"] == EVIL, where
    assert "".join(pieces) == EVIL and answer.raw["draft"] == EVIL


def _as_pyodide(monkeypatch) -> None:
    """The client as JupyterLite runs it: the whole response as one text (what a
    synchronous XMLHttpRequest gives), read here with urllib."""
    def xhr(self, method, path, body, accept):
        response = self._open(method, path, body, accept)
        with response:
            return response.status, dict(response.headers.items()), response.read().decode("utf-8", "replace")

    monkeypatch.setattr(remote, "IN_PYODIDE", True)
    monkeypatch.setattr(ChatClient, "_request_pyodide", xhr)


def test_the_pyodide_client_reads_unicode_line_separators_back(mini_index, monkeypatch, tmp_path):
    reply = "Use get [1]. one\u2028two\u2029three\x85four"
    with FakeLLM([reply]) as fake:
        with serving(_api_options(mini_index.with_overrides(llm_url=fake.url), tmp_path)) as (url, _):
            _as_pyodide(monkeypatch)
            answer = ChatClient(url, token=TOKEN).chat(QUESTION)
    assert answer.raw["draft"] == reply


async def test_a_lone_surrogate_from_the_model_does_not_break_either_stream(jp_fetch, mini_index, monkeypatch,
                                                                           tmp_path):
    broken = "Count them with the get function [1]. \ud83d"
    with FakeLLM([broken, REPLY, broken, broken, REPLY]) as fake:
        settings = mini_index.with_overrides(llm_url=fake.url)
        _point_jupyter_at(monkeypatch, settings, tmp_path)
        outcomes = {"sidebar": await _sidebar_chat(jp_fetch, json.dumps({"message": QUESTION}).encode())}
        outcomes["sidebar, next"] = await _sidebar_chat(jp_fetch, json.dumps({"message": QUESTION}).encode())
        with serving(_api_options(settings, tmp_path)) as (url, _):
            try:
                outcomes["api"] = await _api_chat(url, json.dumps({"question": QUESTION, "stream": True}).encode())
            except httpx.HTTPError as exc:  # the stream broke mid-body
                outcomes["api"] = (0, "", repr(exc))
            async with httpx.AsyncClient(timeout=60) as client:
                plain = await client.post(f"{url}/v1/chat", json={"question": QUESTION}, headers=AUTH)
            outcomes["api, next"] = await _api_chat(url, json.dumps({"question": QUESTION, "stream": True}).encode())
    for where, (status, content_type, text) in outcomes.items():
        assert status == 200 and _verdict(status, content_type, text)[0] == "answer", (where, text[-300:])
    assert plain.status_code == 200 and plain.json()["draft"].startswith("Count them"), plain.text[:300]


# ---------------------------------------------------------------- the model server misbehaves

def _chunk(text: str) -> str:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": None}
    return "data: " + json.dumps({"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                                  "choices": [choice]}) + "\n\n"


class RawServer:
    """A loopback HTTP server on a bare socket: ``respond(conn, request_head)`` writes
    whatever it likes (half a stream, then a close; nothing at all…)."""

    def __init__(self, respond):
        self.respond = respond
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.closing = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self) -> "RawServer":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.closing.set()
        self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                more = conn.recv(65536)
                if not more:
                    return
                data += more
            head, _, body = data.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(body) < length:  # read it all: closing with unread bytes would reset the connection
                body += conn.recv(65536)
            try:
                self.respond(self, conn, head)
            except OSError:
                pass


def _json_reply(conn, status: str, body: bytes) -> None:
    conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


def _bad_model(behaviour: str):
    def respond(server: RawServer, conn, head: bytes) -> None:
        if head.startswith(b"GET"):  # /v1/models
            return _json_reply(conn, "200 OK", json.dumps({"object": "list", "data": [{"id": "m"}]}).encode())
        if behaviour == "http-500":
            return _json_reply(conn, "500 Internal Server Error", b'{"error": {"message": "CUDA out of memory"}}')
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")

        def send(text: str) -> None:
            raw = text.encode()
            conn.sendall(b"%x\r\n" % len(raw) + raw + b"\r\n")

        for word in ("Count", " them", " with", " get", " [1]."):
            send(_chunk(word))
        if behaviour == "dies":
            return  # no last chunk: the connection closes mid-stream
        if behaviour == "hangs":
            server.closing.wait(30)
            return
        send("data: {this is not JSON\n\n")  # "garbage"
        send("data: [DONE]\n\n")
        conn.sendall(b"0\r\n\r\n")
    return respond


@pytest.mark.parametrize("behaviour", [
    "dies", "hangs", "http-500",
    pytest.param("garbage"),
])
async def test_a_model_server_that_fails_mid_answer_is_llm_unavailable_on_both_servers(
        behaviour, jp_fetch, mini_index, monkeypatch, tmp_path):
    with RawServer(_bad_model(behaviour)) as model:
        settings = mini_index.with_overrides(llm_url=model.url + "/v1")
        _point_jupyter_at(monkeypatch, settings, tmp_path, llm_timeout=1)
        sidebar = _verdict(*await _sidebar_chat(jp_fetch, json.dumps({"message": QUESTION}).encode(),
                                                request_timeout=30))
        with serving(_api_options(settings, tmp_path, llm_timeout=1)) as (url, _):
            api = _verdict(*await _api_chat(url, json.dumps({"question": QUESTION, "stream": True}).encode()))
    assert sidebar == api == ("stream", "llm_unavailable", 503)


async def test_a_crash_that_is_not_an_exception_still_ends_the_answer_as_internal(
        jp_fetch, mini_index, monkeypatch, tmp_path):
    from molsys_ai_jupyter.assistant import Assistant

    def exits(self, *args, **kwargs):
        raise SystemExit("a library called exit()")

    monkeypatch.setattr(Assistant, "ask", exits)
    with FakeLLM([REPLY]) as fake:
        settings = mini_index.with_overrides(llm_url=fake.url)
        _point_jupyter_at(monkeypatch, settings, tmp_path)
        with serving(_api_options(settings, tmp_path, request_timeout_s=3)) as (url, _):
            api = _verdict(*await _api_chat(url, json.dumps({"question": QUESTION, "stream": True}).encode()))
            status, _, text = await _api_chat(url, json.dumps({"question": QUESTION}).encode())
            plain = (status, json.loads(text)["kind"] if text.startswith("{") else text)
        try:
            sidebar = _verdict(*await asyncio.wait_for(
                _sidebar_chat(jp_fetch, json.dumps({"message": QUESTION}).encode()), 3))
        except asyncio.TimeoutError:
            sidebar = ("no end", None, None)
    assert sidebar == api == ("stream", "internal", 500)
    assert plain == (500, "internal")  # the plain reply is starlette's text "Internal Server Error" today


# ---------------------------------------------------------------- refusals the frameworks make

async def test_a_wrong_method_has_the_same_kind_on_both_servers(jp_fetch, mini_index, tmp_path):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("molsys-ai", "chat", method="GET")
    sidebar = (info.value.code, json.loads(info.value.response.body).get("kind"))
    with serving(_api_options(mini_index.with_overrides(llm_url="http://127.0.0.1:9/v1"), tmp_path)) as (url, _):
        response = httpx.get(f"{url}/v1/chat", headers=AUTH)
        api = (response.status_code, response.json().get("kind"))
    assert sidebar == api == (405, "method_not_allowed")


async def test_policy_of_code_the_parser_cannot_hold_is_a_finding(jp_fetch):
    for code in ["1" + "+1" * 90_000, "-" * 100_000 + "1"]:  # the first holds today (RecursionError is caught)
        status, _, text = await _post(jp_fetch, "policy", {"code": code})
        assert status == 200, text[:300]
        verdict = json.loads(text)
        assert verdict["needs_consent"] and verdict["findings"][0]["kind"] == "syntax"


# ---------------------------------------------------------------- clients that leave, many clients

async def test_clients_that_leave_before_their_turn_cost_no_generation(
        jp_fetch, jp_serverapp, http_server_port, mini_index, monkeypatch, tmp_path, answer_outcomes):
    with FakeLLM([REPLY], word_delay=0.1) as fake:
        settings = mini_index.with_overrides(llm_url=fake.url)
        _point_jupyter_at(monkeypatch, settings, tmp_path)
        # the sidebar: one answer is being written; a second client asks, sees the stream open, and leaves
        first = asyncio.ensure_future(_sidebar_chat(jp_fetch, json.dumps({"message": QUESTION}).encode()))
        await asyncio.sleep(0.3)
        body = json.dumps({"message": "and how do I remove them?"}).encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", http_server_port[0].getsockname()[1])
        writer.write(f"POST {jp_serverapp.base_url}molsys-ai/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Authorization: token {jp_serverapp.identity_provider.token}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        assert (await asyncio.wait_for(reader.read(15), 10)).startswith(b"HTTP/1.1 200")
        writer.close()
        assert _verdict(*await first)[0] == "answer"
        await asyncio.sleep(0.3)
        assert answer_outcomes == ["answer"] and len(fake.requests) == 1  # the second never reached the model

        # the API: a stream closed at once, and a plain request whose client gave up while it waited
        with serving(_api_options(settings, tmp_path)) as (url, app):
            async with httpx.AsyncClient(timeout=60) as client:
                first = asyncio.ensure_future(client.post(f"{url}/v1/chat", json={"question": QUESTION, "stream": True},
                                                          headers=AUTH))
                await asyncio.sleep(0.3)
                async with client.stream("POST", f"{url}/v1/chat", headers=AUTH,
                                         json={"question": "and how do I remove them?", "stream": True}) as left:
                    assert left.status_code == 200
                with pytest.raises(httpx.TimeoutException):
                    await client.post(f"{url}/v1/chat", json={"question": "and the ions?"}, headers=AUTH, timeout=0.3)
                assert _verdict(200, "text/event-stream", (await first).text)[0] == "answer"
                await asyncio.sleep(0.5)
                metrics = (await client.get(f"{url}/metrics")).text
            assert answer_outcomes == ["answer", "answer"] and len(fake.requests) == 2
            assert app.state.ctx.engine._pending == 0
            assert "molsys_ai_api_streams_in_flight 0.0" in metrics and "molsys_ai_api_answers_pending 0.0" in metrics


async def test_many_streams_at_once_half_abandoned_leave_nothing_behind(mini_index, tmp_path, answer_outcomes):
    long_reply = "Count them with the get function [1]. " + "More words about waters. " * 60
    with FakeLLM([long_reply], word_delay=0.003) as fake:
        with serving(_api_options(mini_index.with_overrides(llm_url=fake.url), tmp_path, max_queue=64)) as (url, app):
            async def ask(n: int) -> str:
                async with httpx.AsyncClient(timeout=120) as client:
                    async with client.stream("POST", f"{url}/v1/chat", headers=AUTH,
                                             json={"question": f"{QUESTION} ({n})", "stream": True}) as response:
                        text = ""
                        async for line in response.aiter_lines():
                            text += line + "\n"
                            if n % 2 and line.startswith("event: token"):
                                return "left"  # this reader closes the page mid-answer
                return _verdict(200, "text/event-stream", text)[0]

            results = await asyncio.gather(*(ask(n) for n in range(10)))
            async with httpx.AsyncClient(timeout=120) as client:
                after = await client.post(f"{url}/v1/chat", json={"question": QUESTION}, headers=AUTH)
                metrics = (await client.get(f"{url}/metrics")).text
    assert results == ["answer", "left"] * 5
    assert answer_outcomes.count("answer") == 6 and answer_outcomes.count("Cancelled") == 5  # 5 stopped early
    assert after.status_code == 200 and app.state.ctx.engine._pending == 0
    assert "molsys_ai_api_streams_in_flight 0.0" in metrics and "molsys_ai_api_answers_pending 0.0" in metrics


# ---------------------------------------------------------------- the client against odd servers

def _scripted_stream(payload: bytes, chunked: bool = False, then: str = "close"):
    def respond(server: RawServer, conn, head: bytes) -> None:
        framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Connection: close\r\n"
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" + framing + b"\r\n")
        conn.sendall(b"%x\r\n" % len(payload) + payload + b"\r\n" if chunked else payload)
        if then == "hang":
            server.closing.wait(30)
        elif then == "reset":  # the server crashed, or a proxy gave up: RST, not FIN
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return respond


def test_the_client_reads_odd_but_valid_streams(monkeypatch):
    answer = {"text": "t [1]", "markdown": "t", "sources": [], "cited": [1], "id": "a-1"}
    stream = (": a comment first\r\n\r\nretry: 100\r\nid: 1\r\nevent: token\r\ndata:{\"text\": \"a\"}\r\n\r\n"
              "event: surprise\ndata: {\"x\": 1}\n\n: keep-alive\n\nevent: token\ndata: {\"text\": \"b\\n\"}\n\n"
              "event: token\ndata: \"not an object\"\n\nevent: answer\ndata: " + json.dumps(answer) + "\n\n")
    for pyodide in (False, True):
        if pyodide:
            _as_pyodide(monkeypatch)
        with RawServer(_scripted_stream(stream.encode())) as server:
            pieces: list[str] = []
            got = ChatClient(server.url, timeout=5).chat(QUESTION, on_token=pieces.append)  # no done: still answered
        assert pieces == ["a", "b\n"] and got.text == "t [1]" and got.id == "a-1", pyodide




@pytest.mark.parametrize("respond", [
    pytest.param(_scripted_stream(b'event: token\ndata: {"text": "a"}\n\n', chunked=True), id="closes-mid-stream"),
    pytest.param(_scripted_stream(b'event: token\ndata: {"text": "a"}\n\n', chunked=True, then="reset"),
                 id="resets-mid-stream"),
    pytest.param(_scripted_stream(b'event: token\ndata: {"text": "a"}\n\n', chunked=True, then="hang"),
                 id="hangs-mid-stream"),
])
def test_the_client_turns_a_stream_that_breaks_into_a_remote_error(respond):
    with RawServer(respond) as server:
        with pytest.raises(RemoteError) as info:
            ChatClient(server.url, timeout=1).chat(QUESTION)
    assert info.value.kind in ("unreachable", "protocol")


@pytest.mark.parametrize("events, answered", [
    pytest.param('event: answer\ndata: {"text": "x", "sources": 5}\n\n', False, id="sources-a-number"),
    pytest.param('event: answer\ndata: {"text": "x", "timings": [1]}\n\n', False, id="timings-a-list"),
    pytest.param('event: token\ndata: {"text": 5}\n\nevent: answer\ndata: {"text": "x"}\n\n', True,
                 id="token-a-number"),
    pytest.param('event: error\ndata: {"message": null, "kind": null}\n\n', False, id="error-without-words"),
])
def test_the_client_reads_malformed_events_as_one_readable_error(events, answered):
    """A malformed event is RemoteError(kind="protocol" or the server's), in words; a
    token that is not text may also be skipped, the answer still read."""
    with RawServer(_scripted_stream((events + "event: done\ndata: {}\n\n").encode())) as server:
        pieces: list = []
        try:
            answer = ChatClient(server.url, timeout=5).chat(QUESTION, on_token=pieces.append)
        except RemoteError as exc:
            assert "HTTP None" not in str(exc) and " at  " not in str(exc), str(exc)
            return
    assert answered and answer.text == "x" and all(isinstance(piece, str) for piece in pieces), pieces
