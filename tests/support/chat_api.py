"""The chat API (`molsys-ai serve`) on a loopback uvicorn, and reading its streams."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import httpx

from molsys_ai_jupyter.chat_api import ApiOptions, create_app

QUESTION = "how many water molecules are there?"
REPLY = "Count them with the get function [1]. It returns the number of waters."
TOKEN = "s3cret-token"
ORIGIN = "http://127.0.0.1:8000"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@contextmanager
def serving(options: ApiOptions, port: int = 0):
    """The app on a loopback uvicorn in a thread; yields (base URL, app)."""
    import uvicorn

    app = create_app(options)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                          timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def options_for(settings, llm_url: str | None, tmp_path, **kwargs) -> ApiOptions:
    settings = settings.with_overrides(llm_url=llm_url, llm_timeout=5, llm_retries=0)
    kwargs.setdefault("tokens", (TOKEN,))
    kwargs.setdefault("warm_up", False)
    return ApiOptions(settings=settings, feedback_db=tmp_path / "feedback.sqlite3", **kwargs)


def parse_sse(raw: str) -> list[tuple[str, dict]]:
    """Events of a stream, checking the framing first: blocks ``event: NAME\\ndata: JSON``
    split by a blank line (``:`` comment blocks are keep-alives)."""
    from molsys_ai_jupyter.serving import sse

    assert raw.endswith("\n\n"), raw[-80:]
    for block in raw[:-2].split("\n\n"):
        lines = block.split("\n")
        assert all(line.startswith(":") for line in lines) or (
            len(lines) == 2 and lines[0].startswith("event: ") and lines[1].startswith("data: ")), block
    return [(event.name, event.data) for event in sse.parse(raw)]


def stream_chat(url: str, body: dict, headers: dict | None = None, timeout: float = 60) -> tuple[int, str, list]:
    with httpx.stream("POST", f"{url}/v1/chat", json={**body, "stream": True}, headers=headers,
                      timeout=timeout) as response:
        raw = response.read().decode()
    content_type = response.headers.get("content-type", "")
    return response.status_code, content_type, parse_sse(raw) if content_type.startswith("text/event-stream") else raw


