"""One chat interface over two backends: an OpenAI-compatible HTTP server (vLLM in
production) and the embedded CPU model (SmolLM2-135M GGUF via llama-cpp-python).

``get_backend(settings)`` picks one from the settings; nothing heavy is imported
until a backend is used.
"""

from .base import ChatBackend, ChatResult, ChatStream, LLMError, Usage
from .factory import get_backend

__all__ = ["ChatBackend", "ChatResult", "ChatStream", "LLMError", "Usage", "get_backend"]
