"""A client of the chat API (``molsys-ai serve``) over HTTP, for front ends without a
local knowledge index: JupyterLite (Pyodide), thin installs, scripts.

Only the standard library is used: ``urllib`` in CPython, a synchronous
``XMLHttpRequest`` in Pyodide (the kernel runs in a web worker, where synchronous
requests are allowed). Nothing heavy is imported.

    client = ChatClient("http://127.0.0.1:8000")
    answer = client.chat("How do I count the waters of 1tcd?", on_token=print)
    print(answer.markdown)
    client.feedback(answer.id, "up")

``RemoteAssistant`` puts the client behind the local assistant's seam,
``ask(question, on_token) -> answer``, so ``%molsys ask`` shows either the same way.

The protocol: ``POST /v1/chat`` with ``"stream": true`` answers Server-Sent Events
(``token`` {"text"} …, then ``answer`` {the answer}, then ``done``; a failure is an
``error`` {"message", "hint", "kind"} event). Errors before the stream are JSON
``{"message", "hint", "kind"}`` with a 4xx/5xx status; 429 carries ``Retry-After``.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .errors import MolsysAIError
from .serving.sse import lines_of, read_events

DEFAULT_TIMEOUT_S = 300.0
TOKEN_ENV = "MOLSYS_AI_SERVE_TOKEN"
IN_PYODIDE = sys.platform == "emscripten"


class RemoteError(MolsysAIError):
    """The chat API could not answer: ``kind`` names the failure ("unreachable",
    "rate_limited", "unavailable", "http", "protocol" or the server's own kind),
    ``status`` the HTTP status (None without one), ``retry_after`` the seconds to wait
    (429)."""

    def __init__(self, message: str, hint: str | None = None, *, kind: str = "http", status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message, hint)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


@dataclass
class RemoteAnswer:
    """An answer of the chat API (the ``answer`` event, or the non-streamed reply)."""

    question: str
    text: str
    markdown: str
    sources: list[dict] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)
    backend: str = ""
    model: str = ""
    timings: dict = field(default_factory=dict)
    id: str | None = None
    raw: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, question: str, data: dict) -> "RemoteAnswer":
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise RemoteError("the chat API sent an answer without text", "is the URL that of `molsys-ai serve`?",
                              kind="protocol")
        odd = _odd_answer_fields(data)
        if odd:
            raise RemoteError(f"the chat API sent a malformed answer: {odd}", "is the URL that of `molsys-ai serve`?",
                              kind="protocol")
        return cls(question=question, text=data["text"], markdown=data.get("markdown") or data["text"],
                   sources=list(data.get("sources") or []), cited=list(data.get("cited") or []),
                   backend=str(data.get("backend") or ""), model=str(data.get("model") or ""),
                   timings=dict(data.get("timings") or {}), id=data.get("id"), raw=data)


def _odd_answer_fields(data: dict) -> str:
    """What is malformed in an answer's fields ("" when nothing), in words."""
    odd = []
    sources = data.get("sources")
    if sources is not None and not isinstance(sources, list):
        odd.append(f"its sources are {_kind_of(sources)}, not a list")
    elif sources and not all(isinstance(source, dict) for source in sources):
        odd.append("its sources are not all objects")
    if data.get("cited") is not None and not isinstance(data["cited"], list):
        odd.append(f"its cited numbers are {_kind_of(data['cited'])}, not a list")
    if data.get("timings") is not None and not isinstance(data["timings"], dict):
        odd.append(f"its timings are {_kind_of(data['timings'])}, not an object")
    if data.get("markdown") is not None and not isinstance(data["markdown"], str):
        odd.append(f"its markdown is {_kind_of(data['markdown'])}, not text")
    return "; ".join(odd)


def _kind_of(value) -> str:
    """A JSON value's type in words: "a number", "a list"…"""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# ---------------------------------------------------------------- the client


class ChatClient:
    """The chat API at ``api_url`` (e.g. ``https://gpu-node/molsys-ai``; the endpoints
    are ``<api_url>/v1/...``)."""

    def __init__(self, api_url: str, *, token: str | None = None, timeout: float = DEFAULT_TIMEOUT_S):
        if not api_url or not str(api_url).startswith(("http://", "https://")):
            raise MolsysAIError(f"the chat API URL must start with http:// or https://, got {api_url!r}",
                                "e.g. %config MolsysAI.api_url = 'http://127.0.0.1:8000'")
        self.api_url = str(api_url).rstrip("/")
        self.token = token
        self.timeout = timeout

    def endpoint(self, path: str) -> str:
        return f"{self.api_url}/{path.lstrip('/')}"

    # -- public calls

    def chat(self, question: str, *, history: list[dict] | None = None, k: int | None = None,
             project: str | None = None, on_token: Callable[[str], None] | None = None) -> RemoteAnswer:
        """Ask; ``on_token`` gets the answer's pieces as they stream in (in Pyodide they
        arrive together, at the end). Raises RemoteError with a readable message."""
        body: dict = {"question": question, "stream": True}
        if history:
            body["history"] = history
        if k is not None:
            body["k"] = k
        if project:
            body["project"] = project
        answer = None
        for event in read_events(self._stream("v1/chat", body)):
            if event.name == "token" and isinstance(event.data, dict):
                text = event.data.get("text")
                if on_token is not None and text and isinstance(text, str):  # a piece that is not text: skipped
                    on_token(text)
            elif event.name == "answer":
                answer = RemoteAnswer.from_json(question, event.data)
            elif event.name == "error":
                raise _error_from_body(event.data, None, None)
            elif event.name == "done":
                break
        if answer is None:
            raise RemoteError("the chat API closed the stream without an answer",
                              "the server may have restarted: ask again", kind="protocol")
        return answer

    def feedback(self, answer_id: str, rating: str, *, question: str | None = None, comment: str | None = None,
                 page_url: str | None = None) -> dict:
        """Thumbs up or down on an answer (``rating`` "up" or "down")."""
        if rating not in ("up", "down"):
            raise MolsysAIError(f"rating must be 'up' or 'down', got {rating!r}")
        body = {"answer_id": answer_id, "rating": rating}
        for key, value in (("question", question), ("comment", comment), ("page_url", page_url)):
            if value:
                body[key] = value
        return self._json("POST", "v1/feedback", body)

    def retrieve(self, query: str, *, k: int | None = None, project: str | None = None) -> dict:
        body: dict = {"query": query}
        if k is not None:
            body["k"] = k
        if project:
            body["project"] = project
        return self._json("POST", "v1/retrieve", body)

    def health(self) -> dict:
        return self._json("GET", "healthz", None)

    # -- transport

    def _headers(self, accept: str) -> dict:
        headers = {"Accept": accept, "Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _json(self, method: str, path: str, body: dict | None) -> dict:
        status, headers, text = self._request(method, path, body, "application/json")
        if status >= 400:
            raise _http_error(status, headers, text, self.endpoint(path))
        try:
            return json.loads(text) if text else {}
        except ValueError:
            raise RemoteError(f"the chat API sent something that is not JSON (HTTP {status}): {text[:120]!r}",
                              "is the URL that of `molsys-ai serve`?", kind="protocol", status=status) from None

    def _stream(self, path: str, body: dict) -> Iterator[str]:
        if IN_PYODIDE:
            status, headers, text = self._request("POST", path, body, "text/event-stream")
            if status >= 400:
                raise _http_error(status, headers, text, self.endpoint(path))
            yield from lines_of(text)
            return
        response = self._open("POST", path, body, "text/event-stream")
        with response:
            kind = response.headers.get("Content-Type", "")
            if not kind.startswith("text/event-stream"):
                text = self._read(response, path)
                try:  # a server that ignores "stream": one JSON answer
                    data = json.loads(text)
                except ValueError:
                    raise RemoteError(f"the chat API answered {kind or 'no content type'} instead of an event "
                                      f"stream: {text[:120]!r}", "is the URL that of `molsys-ai serve`?",
                                      kind="protocol") from None
                yield "event: answer"
                yield "data: " + json.dumps(data)
                yield ""
                return
            lines = iter(response)
            while True:
                try:
                    raw = next(lines)
                except StopIteration:
                    return
                except _broken_errors() as exc:
                    raise self._broken(path, exc) from None
                yield raw.decode("utf-8", "replace")

    def _read(self, response, path: str) -> str:
        """A response's whole body as text; a connection that breaks is RemoteError."""
        try:
            return response.read().decode("utf-8", "replace")
        except _broken_errors() as exc:
            raise self._broken(path, exc) from None

    def _broken(self, path: str, exc: BaseException) -> RemoteError:
        """A connection that broke while the reply was read (reset, timed out, cut short)."""
        import http.client

        url = self.endpoint(path)
        if isinstance(exc, TimeoutError):
            return RemoteError(f"the chat API at {url} stopped sending for more than {self.timeout:g} s",
                               "the server may be overloaded or stuck: ask again later", kind="unreachable")
        what = "was cut short" if isinstance(exc, http.client.IncompleteRead) else f"broke ({_reason(exc)})"
        return RemoteError(f"the connection to the chat API at {url} {what} before the reply was complete",
                           "the server or a proxy in between may have restarted: ask again", kind="unreachable")

    def _open(self, method: str, path: str, body: dict | None, accept: str):
        """An open urllib response (CPython); HTTP errors become RemoteError."""
        import urllib.error
        import urllib.request

        url = self.endpoint(path)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers=self._headers(accept))
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            with exc:
                text = exc.read().decode("utf-8", "replace")
            raise _http_error(exc.code, exc.headers, text, url) from None
        except (urllib.error.URLError, *_broken_errors()) as exc:  # refused, timed out, not HTTP at all
            reason = getattr(exc, "reason", exc)
            raise _unreachable(url, str(reason)) from None

    def _request(self, method: str, path: str, body: dict | None, accept: str) -> tuple[int, dict, str]:
        if IN_PYODIDE:
            return self._request_pyodide(method, path, body, accept)
        response = self._open(method, path, body, accept)
        with response:
            text = self._read(response, path)
            return response.status, dict(response.headers.items()), text

    def _request_pyodide(self, method: str, path: str, body: dict | None, accept: str) -> tuple[int, dict, str]:
        """A synchronous XMLHttpRequest (allowed in the kernel's web worker)."""
        from js import XMLHttpRequest  # type: ignore[import-not-found]  # Pyodide only

        url = self.endpoint(path)
        xhr = XMLHttpRequest.new()
        try:
            xhr.open(method, url, False)
            for key, value in self._headers(accept).items():
                if body is None and key == "Content-Type":
                    continue
                xhr.setRequestHeader(key, value)
            xhr.send(json.dumps(body) if body is not None else None)
        except Exception as exc:  # noqa: BLE001 - a JsException (NetworkError): refused, CORS, offline
            raise _unreachable(url, f"{exc}".splitlines()[0][:200] or "network error",
                               browser=True) from None
        if xhr.status == 0:
            raise _unreachable(url, "network error", browser=True)
        headers = {}
        retry = xhr.getResponseHeader("Retry-After")
        if retry:
            headers["Retry-After"] = str(retry)
        return int(xhr.status), headers, str(xhr.responseText or "")


def _broken_errors() -> tuple[type[BaseException], ...]:
    """What reading a reply raises when the connection breaks: reset or timed out
    (OSError), cut short (http.client's IncompleteRead and kin)."""
    import http.client

    return (OSError, http.client.HTTPException)


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _unreachable(url: str, reason: str, browser: bool = False) -> RemoteError:
    hint = "is `molsys-ai serve` running there? Check the URL (%config MolsysAI.api_url)"
    if browser:
        hint += ("; from a web page the server must also allow this page's origin "
                 "(molsys-ai serve --cors-origin ORIGIN)")
    return RemoteError(f"cannot reach the chat API at {url} ({reason})", hint, kind="unreachable")


def _header(headers, name: str) -> str | None:
    if headers is None:
        return None
    getter = getattr(headers, "get", None)
    value = getter(name) if getter else None
    if value is None and isinstance(headers, dict):
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value


def _retry_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from datetime import datetime, timezone
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            return None


def _http_error(status: int, headers, text: str, url: str) -> RemoteError:
    try:
        body = json.loads(text) if text else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return _error_from_body(body, status, _retry_seconds(_header(headers, "Retry-After")), url=url, text=text)


def _error_from_body(body, status: int | None, retry_after: float | None, url: str = "",
                     text: str = "") -> RemoteError:
    if not isinstance(body, dict):
        body = {"message": str(body)} if body is not None and body != "" else {}
    message = body.get("message") or body.get("detail")
    hint = str(body["hint"]) if body.get("hint") else None
    kind = body.get("kind") or "http"
    if status == 429:
        kind = "rate_limited"
        wait = f"try again in {retry_after:.0f} s" if retry_after is not None else "try again in a minute"
        message = f"the chat API is busy: too many questions ({message or 'rate limit reached'})"
        hint = hint or wait
        if retry_after is not None and str(int(retry_after)) not in hint:
            hint = f"{hint}; {wait}"
    elif status == 503:
        kind = body.get("kind") or "unavailable"
        message = f"the chat API cannot answer right now: {message or 'service unavailable'}"
        hint = hint or "the model or the index is still loading, or the server is overloaded: try again shortly"
    elif status in (401, 403):
        message = message or "the chat API refused the request (not authorised)"
        hint = hint or "this server needs a token"
    elif message is None and status is None:  # an error event that does not say what went wrong
        message = "the chat API stopped the answer with an error it did not describe"
        hint = hint or "ask again; the server's log may say more"
        kind = body.get("kind") or "protocol"
    elif message is None:
        snippet = " ".join(text.split())[:160]
        message = f"the chat API at {url} answered HTTP {status}" + (f": {snippet}" if snippet else "")
    elif status is not None:
        message = f"{message} (HTTP {status})"
    return RemoteError(str(message), hint, kind=str(kind), status=status, retry_after=retry_after)


def local_assistant_available() -> bool:
    """True when the local knowledge base (the ``rag`` extra) can be imported here."""
    import importlib.util

    if IN_PYODIDE:
        return False
    return all(importlib.util.find_spec(name) is not None for name in ("haystack", "bm25s", "chromadb"))


# ---------------------------------------------------------------- %molsys ask over HTTP


def remote_reason(settings) -> str | None:
    """Whether ``%molsys ask`` goes to the chat API: "api_url" when it is set, None when
    the local assistant answers; without either, a MolsysAIError says what to set."""
    if settings.api_url:
        return "api_url"
    if local_assistant_available():
        return None
    where = "JupyterLite has" if IN_PYODIDE else "this Python has"
    raise MolsysAIError(
        f"no assistant to ask: {where} no local knowledge base (the 'rag' extra) and no chat API is set",
        "point it at a chat API: %config MolsysAI.api_url = 'https://your-server' (molsys-ai serve)"
        + ("" if IN_PYODIDE else ", or install the local one: pip install 'molsys-ai-jupyter[embedded]'"),
    )


class RemoteAssistant:
    """The chat API of the settings (``api_url``) with the local assistant's seam:
    ``ask(question, on_token) -> answer``. A server started with ``--token`` wants it:
    the same variable ``molsys-ai bench load`` reads."""

    def __init__(self, settings, token: str | None = None):
        self.client = ChatClient(settings.api_url, token=token or os.environ.get(TOKEN_ENV) or None,
                                 timeout=max(float(settings.llm_timeout), DEFAULT_TIMEOUT_S))

    @property
    def waiting_note(self) -> str:
        """What a notebook shows until the first piece comes."""
        return f"*asking the chat API at {self.client.api_url} …*"

    def ask(self, question: str, on_token: Callable[[str], None] | None = None) -> RemoteAnswer:
        # in Pyodide the pieces arrive together with the answer: showing them twice helps nobody
        return self.client.chat(question, on_token=None if IN_PYODIDE else on_token)

    def footer(self, answer: RemoteAnswer) -> str:
        """Which model answered, and where (shown under the answer in notebooks)."""
        who = answer.model or answer.backend
        return f"*{who}, via {self.client.api_url}*" if who else ""
