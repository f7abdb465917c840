"""The chat interface every backend implements."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Iterator

from ..errors import MolsysAIError

Message = dict  # {"role": "system" | "user" | "assistant", "content": str}


class LLMError(MolsysAIError):
    """The language model could not answer (server down, wrong model, timeout…)."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class ChatResult:
    text: str
    backend: str
    model: str
    usage: Usage = field(default_factory=Usage)
    ttft_ms: float = 0.0
    total_ms: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class ChatStream:
    """Iterate to receive text pieces as they come; ``result`` is complete afterwards."""

    def __init__(self, pieces: Iterator[str], backend: str, model: str, usage: Usage):
        self._pieces = pieces
        self._started = time.perf_counter()
        self._text: list[str] = []
        self.result = ChatResult(text="", backend=backend, model=model, usage=usage)

    def __iter__(self) -> Iterator[str]:
        for piece in self._pieces:
            if not piece:
                continue
            if not self._text:
                self.result.ttft_ms = (time.perf_counter() - self._started) * 1000.0
            self._text.append(piece)
            yield piece
        self.result.text = "".join(self._text)
        self.result.total_ms = (time.perf_counter() - self._started) * 1000.0
        if not self.result.usage.completion_tokens:
            self.result.usage.completion_tokens = len(self._text)

    def collect(self) -> ChatResult:
        with self:
            for _ in self:
                pass
        return self.result

    def close(self) -> None:
        """Stop the generation now (a reader that gives up early must call it, or use
        ``with``): the server's connection is closed and the model is free for the
        next request, instead of when the garbage collector gets to it."""
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> "ChatStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ChatBackend:
    """Base class: subclasses implement :meth:`stream`."""

    name = "base"
    model = ""

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 384,
        temperature: float = 0.2,
        json_schema: dict | None = None,
    ) -> ChatStream:
        raise NotImplementedError

    def complete(self, messages: list[Message], **kwargs) -> ChatResult:
        return self.stream(messages, **kwargs).collect()

    def describe(self) -> str:
        return f"{self.name}: {self.model}"
