"""Helpers of the docs-site browser tests: the project's Sphinx site built for a chat API
on loopback, a loopback static HTTP server for it, and a real `molsys-ai serve` (the
embedded model) that allows the site's origin.

The site, the ports and the server are made once per test process (both browser modules
use them, through the `docs_site` and `chat_server` fixtures of conftest.py): building the
site takes ~20 s, loading the model and the index ~15 s.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import REPO
from support.servers import free_port

SERVE_START_S = 240
BUILD_S = 900


@functools.cache
def ports() -> tuple[int, int]:
    """(the chat API's port, the docs site's port), fixed for the process: the site is
    built for that API URL and the API allows that site's origin."""
    return free_port(), free_port()


def api_url() -> str:
    return f"http://127.0.0.1:{ports()[0]}"


def site_url() -> str:
    return f"http://127.0.0.1:{ports()[1]}"


@functools.cache
def built_site(root: Path) -> Path:
    """The docs built into ``root/html`` for :func:`api_url` (build log: ``root/sphinx.log``)."""
    root.mkdir(parents=True, exist_ok=True)
    out = root / "html"
    env = dict(os.environ, MOLSYS_AI_API_URL=api_url(), MOLSYS_AI_DOCS_BUILD=str(root / "build"))
    log = root / "sphinx.log"
    with log.open("w") as handle:
        done = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(REPO / "docs"), str(out)],
                              env=env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT, timeout=BUILD_S)
    if done.returncode != 0:
        pytest.fail(f"the docs build failed; its log ({log}):\n{log.read_text()[-4000:]}", pytrace=False)
    return out


class _Quiet(SimpleHTTPRequestHandler):
    """Serves the site, keeps the paths it was asked for (SERVED), logs nothing."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json"}
    served: list[str] = []

    def do_GET(self):
        type(self).served.append(self.path.split("?")[0])
        super().do_GET()

    def log_message(self, *args):
        pass


SERVED = _Quiet.served


@dataclass
class StaticSite:
    url: str
    server: ThreadingHTTPServer

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


_SITE: StaticSite | None = None


def serve_site(folder: Path) -> StaticSite:
    """The built site on its loopback port (one server per process)."""
    global _SITE
    if _SITE is None:
        server = ThreadingHTTPServer(("127.0.0.1", ports()[1]), functools.partial(_Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        _SITE = StaticSite(site_url(), server)
    return _SITE


@dataclass
class ChatServer:
    url: str
    process: subprocess.Popen
    log: Path
    feedback_db: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


_CHAT: ChatServer | None = None


def start_chat_server(home: Path, log: Path, settings, *, max_answer_tokens: int = 96) -> ChatServer:
    """`molsys-ai serve --anonymous` on the API port with the embedded model and the
    project's index, allowing the site's origin; answers are kept short (the real model,
    fewer tokens) so a test on two busy cores stays within minutes."""
    global _CHAT
    if _CHAT is not None and _CHAT.process.poll() is None:
        return _CHAT
    home.mkdir(parents=True, exist_ok=True)
    config = home / "molsys-ai.toml"
    config.write_text(f"max_answer_tokens = {max_answer_tokens}\n")
    feedback_db = home / "feedback.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLSYS_AI_") or k in ("MOLSYS_AI_CACHE",
                                                                                         "MOLSYS_AI_DATA")}
    env.update({"MOLSYS_AI_CONFIG": str(config), "PYTHONUNBUFFERED": "1",  # the index the tests built
                "MOLSYS_AI_DATA": str(settings.data_root), "MOLSYS_AI_INDEX_DIR": str(settings.index_root),
                "MOLSYS_AI_INDEX": settings.index_name})
    port = ports()[0]
    command = [sys.executable, "-m", "molsys_ai_jupyter.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--anonymous", "--cors-origin", site_url(), "--feedback-db", str(feedback_db)]
    handle = log.open("w")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    server = ChatServer(api_url(), process, log, feedback_db)
    deadline = time.monotonic() + SERVE_START_S
    while "serving on" not in log.read_text(errors="replace"):
        if process.poll() is not None:
            pytest.fail(f"molsys-ai serve exited with code {process.returncode}:\n"
                        + log.read_text(errors="replace")[-3000:], pytrace=False)
        if time.monotonic() > deadline:
            server.stop()
            pytest.fail(f"molsys-ai serve did not say 'serving on' within {SERVE_START_S} s; its log: {log}",
                        pytrace=False)
        time.sleep(0.5)
    _CHAT = server
    return server

