"""Server-Sent Events, written by both servers and read by the client and the tests:
one named event per message, its data one line of JSON (so pieces holding newlines
stay one event); lines starting with ``:`` are comments (keep-alives).

Only the standard library: the client imports this in Pyodide.

>>> text = event("token", {"text": "a\\nb"}) + comment("keep-alive") + event("done", {})
>>> [(e.name, e.data) for e in parse(text)]
[('token', {'text': 'a\\nb'}), ('done', {})]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Iterator

CONTENT_TYPE = "text/event-stream"
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # a reverse proxy (nginx) must not hold the stream back
}


def event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {wire_text(json.dumps(data, ensure_ascii=False))}\n\n"


def wire_text(text: str) -> str:
    """``text`` that UTF-8 can carry: half of a surrogate pair (a model streaming half an
    emoji, JSON's ``"\\ud83d"``) becomes U+FFFD; whole pairs are joined.

    >>> wire_text("a\\ud83d") == "a\\ufffd" and wire_text("\\ud83d\\ude00") == "\\U0001f600"
    True
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def comment(text: str) -> str:
    """A line clients ignore: it opens the stream and keeps idle connections alive."""
    return f": {text}\n\n"


@dataclass
class Event:
    name: str
    data: object


def read_events(lines: Iterable[str]) -> Iterator[Event]:
    """Events of a stream, from its lines (with or without line ends), as they arrive.

    ``event:`` names the event (default "message"), ``data:`` lines are joined with
    newlines and read as JSON (the raw text when it is not JSON), lines starting with
    ``:`` are comments; a blank line ends an event."""
    name: str | None = None
    data: list[str] = []
    for line in lines:
        line = line.rstrip("\r\n")
        if not line:
            if data or name:
                yield _event(name, data)
            name, data = None, []
            continue
        if line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if key == "event":
            name = value
        elif key == "data":
            data.append(value)
    if data or name:
        yield _event(name, data)


def lines_of(text: str) -> list[str]:
    """A stream's text cut at its line ends, ``\\r\\n``, ``\\r`` or ``\\n``, and nowhere else
    (``str.splitlines()`` would also cut the JSON of a data line at U+2028, U+0085…)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse(text: str) -> list[Event]:
    """Every event of a whole stream's text."""
    return list(read_events(lines_of(text)))


def _event(name: str | None, data: list[str]) -> Event:
    text = "\n".join(data)
    try:
        payload = json.loads(text) if text else {}
    except ValueError:
        payload = text
    return Event(name or "message", payload)
