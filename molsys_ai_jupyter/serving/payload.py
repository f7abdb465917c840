"""What both servers say about an answer and about the model behind it."""

from __future__ import annotations

from typing import Any, Protocol

from ..config import Settings
from ..errors import MolsysAIError
from .sse import wire_text


class AnswerLike(Protocol):
    def to_dict(self) -> dict[str, Any]: ...

    @property
    def markdown(self) -> str: ...


class BackendLike(Protocol):
    name: str
    model: str | None


def answer_payload(answer: AnswerLike) -> dict[str, Any]:
    """An assistant's answer as JSON: ``Answer.to_dict()`` plus ``markdown`` (the text
    with its sources as links), the same in both servers' replies and events."""
    data = answer.to_dict()
    data["markdown"] = answer.markdown
    return _wire_safe(data)


def _wire_safe(value: Any) -> Any:
    """``value`` with every string made UTF-8-safe (see :func:`.sse.wire_text`)."""
    if isinstance(value, str):
        return wire_text(value)
    if isinstance(value, dict):
        return {_wire_safe(k): _wire_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire_safe(v) for v in value]
    return value


def describe_model(settings: Settings, loaded: BackendLike | None = None) -> tuple[str, str | None]:
    """``(backend, model)`` without loading anything or calling the model server:
    the loaded backend's own names, else what the settings point at (``None``: an
    OpenAI-compatible server's first model, found on first use, or no GGUF file)."""
    if loaded is not None:
        return loaded.name, loaded.model
    if settings.llm_url:
        return "openai", settings.model or None
    if settings.gguf_path:
        return "embedded", settings.gguf_path.name
    try:
        from ..llm.embedded import packaged_gguf

        return "embedded", packaged_gguf().name
    except MolsysAIError:
        return "embedded", None
