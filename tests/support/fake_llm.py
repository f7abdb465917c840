"""A scripted OpenAI-compatible chat server for deterministic tests of control flow.

It replays fixed replies (one per request, the last one repeating), streams them
word by word as server-sent events when asked, serves one model name (others get
404 like a real server), and can be told to stall to test timeouts.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:
    def __init__(self, replies: list[str], model: str = "fake-model", delay: float = 0.0, word_delay: float = 0.0):
        self.replies = list(replies)
        self.model = model
        self.delay = delay  # seconds before answering
        self.word_delay = word_delay  # seconds between streamed words (a slow model)
        self.requests: list[dict] = []
        self.aborted = 0  # answers whose client hung up before the end
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> "FakeLLM":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_reply(self) -> str:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": fake.model, "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self):
                try:
                    self._answer()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout, Stop)
                    fake.aborted += 1

            def _answer(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(body)
                if fake.delay:
                    time.sleep(fake.delay)
                if body.get("model") != fake.model:
                    self._json(404, {"error": {"message": f"The model `{body.get('model')}` does not exist."}})
                    return
                reply = fake._next_reply()
                if not body.get("stream"):
                    self._json(200, {"id": "x", "object": "chat.completion", "created": 0, "model": fake.model,
                                     "choices": [{"index": 0, "finish_reason": "stop",
                                                  "message": {"role": "assistant", "content": reply}}],
                                     "usage": {"prompt_tokens": 10, "completion_tokens": len(reply.split()),
                                               "total_tokens": 10 + len(reply.split())}})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                words = reply.split(" ")
                for i, word in enumerate(words):
                    piece = word if i == 0 else " " + word
                    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": fake.model,
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    if fake.word_delay and i:
                        time.sleep(fake.word_delay)
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                usage = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": fake.model,
                         "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": len(words),
                                                  "total_tokens": 10 + len(words)}}
                self.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        return Handler
