"""Choose the chat backend from the settings: a server URL means the OpenAI-compatible
backend; no URL means the embedded model."""

from __future__ import annotations

from ..config import Settings
from .base import ChatBackend


def get_backend(settings: Settings) -> ChatBackend:
    if settings.llm_url:
        from .openai_backend import OpenAIBackend

        return OpenAIBackend(
            settings.llm_url, model=settings.model, api_key=settings.api_key,
            timeout=settings.llm_timeout, retries=settings.llm_retries, repeat_penalty=settings.repeat_penalty,
        )
    from .embedded import EmbeddedBackend

    return EmbeddedBackend(settings.gguf_path, n_ctx=settings.context_tokens, n_threads=settings.llm_threads,
                           repeat_penalty=settings.repeat_penalty)
