"""Server-Sent Events, as the chat endpoint writes them: one named event per
message, its data one line of JSON (so pieces holding newlines stay one event)."""

from __future__ import annotations

import json

CONTENT_TYPE = "text/event-stream"
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # a reverse proxy (nginx) must not hold the stream back
}


def event(name: str, data) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def comment(text: str) -> str:
    """A line clients ignore: it opens the stream and keeps idle connections alive."""
    return f": {text}\n\n"


def parse(text: str) -> list[tuple[str, object]]:
    """``[(event name, decoded data), …]`` of a stream's text (for clients and tests)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:"):].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:"):].lstrip(" "))
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events
