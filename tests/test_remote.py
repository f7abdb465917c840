"""The chat API client (molsys_ai_jupyter.remote) against a real HTTP server on loopback
that speaks the chat API's wire format: streamed answers, errors before and inside the
stream, 429 / 503 in words, feedback, and %molsys ask routed to it without importing
anything heavy."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from molsys_ai_jupyter import remote
from molsys_ai_jupyter.errors import MolsysAIError
from molsys_ai_jupyter.remote import ChatClient, RemoteError

ANSWER = {
    # as the assistant writes it: the verified text, then its sources (`Answer.text`)
    "text": "Use `msm.get` with `n_waters=True` [1].\n\nSources:\n[1] Get — https://www.uibcdf.org/molsysmt/get.html",
    "markdown": "Use `msm.get` with `n_waters=True` [1].\n\n**Sources**\n\n1. [Get](https://www.uibcdf.org/molsysmt/get.html)",
    "sources": [{"number": 1, "title": "Get", "url": "https://www.uibcdf.org/molsysmt/get.html",
                 "path": "molsysmt/docs/get.md", "project": "molsysmt"}],
    "cited": [1], "backend": "embedded", "model": "SmolLM2-135M", "timings": {"total_ms": 12}, "id": "a-1",
}
TOKENS = ["Use `msm.get` ", "with `n_waters=True` ", "[1]."]


def _sse(name: str, data) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


class ChatAPI(BaseHTTPRequestHandler):
    """Replies chosen by the question: "busy" → 429, "loading" → 503, "broken" → an
    error event inside the stream, "plain" → one JSON answer, anything else → tokens."""

    requests: list = []

    def log_message(self, *args):
        pass

    def _body(self) -> dict:
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")

    def _json(self, status: int, data: dict, headers: dict | None = None) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        if self.path == "/healthz":
            return self._json(200, {"ok": True})
        return self._json(404, {"message": "not found", "hint": None, "kind": "not_found"})

    def do_POST(self):
        body = self._body()
        type(self).requests.append((self.path, dict(self.headers), body))
        if self.path == "/v1/feedback":
            return self._json(201, {"ok": True, "id": "f-1"})
        if self.path != "/v1/chat":
            return self._json(404, {"message": "not found", "hint": None, "kind": "not_found"})
        question = body.get("question", "")
        if "busy" in question:
            return self._json(429, {"message": "rate limit: 2/minute", "hint": None, "kind": "rate_limited"},
                              {"Retry-After": "7"})
        if "loading" in question:
            return self._json(503, {"message": "the index is loading", "hint": "wait a minute", "kind": "loading"})
        if "plain" in question:
            return self._json(200, ANSWER)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b": answering\n\n")
        self.wfile.flush()
        if "broken" in question:
            self.wfile.write(_sse("error", {"message": "the language model server failed", "hint": "ask again",
                                            "kind": "llm"}))
            self.wfile.write(_sse("done", {}))
            return
        for piece in TOKENS:
            self.wfile.write(_sse("token", {"text": piece}))
            self.wfile.flush()
        self.wfile.write(_sse("answer", ANSWER))
        self.wfile.write(_sse("done", {}))


@pytest.fixture(scope="module")
def api_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_streamed_answer_tokens_in_order_then_the_answer(api_url):
    pieces = []
    answer = ChatClient(api_url + "/").chat("how many waters?", k=4, project="molsysmt", on_token=pieces.append)
    assert pieces == TOKENS
    assert answer.text == ANSWER["text"] and answer.id == "a-1" and answer.model == "SmolLM2-135M"
    assert answer.sources[0]["url"].startswith("https://") and answer.cited == [1]
    assert "[Get](https://www.uibcdf.org/molsysmt/get.html)" in answer.markdown
    path, headers, body = ChatAPI.requests[-1]
    assert path == "/v1/chat" and body == {"question": "how many waters?", "stream": True, "k": 4,
                                           "project": "molsysmt"}
    assert headers["Accept"] == "text/event-stream"


def test_a_server_that_does_not_stream_still_answers(api_url):
    answer = ChatClient(api_url).chat("plain question")
    assert answer.text == ANSWER["text"]


def test_429_names_the_wait(api_url):
    with pytest.raises(RemoteError) as info:
        ChatClient(api_url).chat("are you busy?")
    error = info.value
    assert error.status == 429 and error.kind == "rate_limited" and error.retry_after == 7
    assert "too many questions" in str(error) and "try again in 7 s" in str(error)


def test_503_is_readable(api_url):
    with pytest.raises(RemoteError) as info:
        ChatClient(api_url).chat("still loading?")
    assert info.value.status == 503
    assert str(info.value) == "the chat API cannot answer right now: the index is loading — wait a minute"


def test_error_event_inside_the_stream(api_url):
    pieces = []
    with pytest.raises(RemoteError) as info:
        ChatClient(api_url).chat("a broken one", on_token=pieces.append)
    assert pieces == [] and info.value.kind == "llm"
    assert str(info.value) == "the language model server failed — ask again"


def test_unreachable_server_says_where_and_what_to_check():
    from support.servers import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(RemoteError) as info:
        ChatClient(url, timeout=5).chat("anyone there?")
    assert info.value.kind == "unreachable"
    assert f"cannot reach the chat API at {url}/v1/chat" in str(info.value)
    assert "molsys-ai serve" in info.value.hint


def test_feedback_and_health(api_url):
    client = ChatClient(api_url, token="secret")
    assert client.feedback("a-1", "up", question="q", page_url="http://docs/x.html") == {"ok": True, "id": "f-1"}
    path, headers, body = ChatAPI.requests[-1]
    assert path == "/v1/feedback" and body == {"answer_id": "a-1", "rating": "up", "question": "q",
                                               "page_url": "http://docs/x.html"}
    assert headers["Authorization"] == "Bearer secret"
    assert client.health() == {"ok": True}
    with pytest.raises(MolsysAIError):
        client.feedback("a-1", "meh")
    with pytest.raises(MolsysAIError, match="must start with http"):
        ChatClient("gpu-node:8000")


# ---------------------------------------------------------------- %molsys ask


@pytest.fixture
def shell(monkeypatch, tmp_path):
    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("MOLSYS_AI_API_URL", raising=False)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "molsys_ai_jupyter")
    yield ip
    InteractiveShell.clear_instance()


def test_magic_asks_the_chat_api_when_api_url_is_set(shell, api_url, capsys):
    shell.run_line_magic("config", f"MolsysAI.api_url = {api_url!r}")
    shell.run_line_magic("molsys", "ask how many waters?")
    out = capsys.readouterr().out
    assert "".join(TOKENS) in out and "[1] Get — https://www.uibcdf.org/molsysmt/get.html" in out
    assert out.count("".join(TOKENS)) == 2  # the streamed draft, then the answer with its sources
    assert shell.user_ns["_molsys_last_answer"].id == "a-1"


def test_magic_shows_a_rate_limit_as_a_usage_error(shell, api_url):
    shell.run_line_magic("config", f"MolsysAI.api_url = {api_url!r}")
    with pytest.raises(UsageError, match="try again in 7 s"):
        shell.run_line_magic("molsys", "ask are you busy")


def test_without_local_knowledge_base_or_api_url_the_magic_says_what_to_set(shell, monkeypatch):
    monkeypatch.setattr(remote, "local_assistant_available", lambda: False)
    with pytest.raises(UsageError, match=r"no chat API is set .*MolsysAI.api_url"):
        shell.run_line_magic("molsys", "ask how many waters?")


def test_remote_ask_imports_nothing_heavy(api_url, tmp_path):
    """What JupyterLite runs: load the extension, set the URL, ask — no RAG stack, no
    HTTP library besides the standard one."""
    code = (
        "import sys, json\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "ip.run_line_magic('load_ext', 'molsys_ai_jupyter')\n"
        f"ip.run_line_magic('config', {'MolsysAI.api_url = ' + repr(api_url)!r})\n"
        "ip.run_line_magic('molsys', 'ask how many waters?')\n"
        "heavy = ['torch', 'haystack', 'chromadb', 'llama_cpp', 'fastapi', 'httpx', 'requests', 'numpy',\n"
        "         'sentence_transformers', 'openai']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    env = {"MOLSYS_AI_CONFIG": str(tmp_path / "none.toml"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert "[1]." in out.stdout
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
