"""Any OpenAI-compatible chat server (vLLM in production, llama.cpp's server in tests)
through the official ``openai`` client: timeouts, retries with backoff, streaming."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, Iterator, cast

from .base import ChatBackend, ChatStream, LLMError, Message, Usage

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

DOWN_HINT = "start the server, check MOLSYS_AI_LLM_URL, or unset it to use the embedded model"
MALFORMED_HINT = "is MOLSYS_AI_LLM_URL an OpenAI-compatible chat server? Its log may say more; try again"


class OpenAIBackend(ChatBackend):
    name = "openai"

    def __init__(self, base_url: str, model: str | None = None, api_key: str | None = None,
                 timeout: float = 60.0, retries: int = 2, repeat_penalty: float = 1.1):
        try:
            import openai
        except ImportError:
            raise LLMError("the openai package is not installed", "run `make setup`") from None
        self._openai = openai
        self.base_url = base_url.rstrip("/")
        self.repeat_penalty = repeat_penalty
        self.client = openai.OpenAI(base_url=self.base_url, api_key=api_key or "no-key",
                                    timeout=timeout, max_retries=retries)
        self.timeout = timeout
        self.model = model or self._served_model()

    def _fail(self, exc: Exception) -> LLMError:
        openai = self._openai
        if isinstance(exc, openai.APITimeoutError):
            return LLMError(f"the language model server at {self.base_url} did not answer within {self.timeout:g} s",
                            "raise MOLSYS_AI_LLM_TIMEOUT or check the server load")
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(f"cannot reach the language model server at {self.base_url}", DOWN_HINT)
        if isinstance(exc, openai.AuthenticationError):
            return LLMError(f"the server at {self.base_url} refused the API key", "set MOLSYS_AI_API_KEY")
        if isinstance(exc, openai.NotFoundError):
            return LLMError(f"model '{self.model}' is not served at {self.base_url}",
                            f"set MOLSYS_AI_MODEL to one of: {', '.join(self._model_ids()) or 'none listed'}")
        if isinstance(exc, openai.APIStatusError):
            return LLMError(f"the language model server answered HTTP {exc.status_code}: {_short(exc.message)}")
        return LLMError(f"the language model request failed: {_short(str(exc))}")

    def _model_ids(self) -> list[str]:
        try:
            return [m.id for m in self.client.models.list().data]
        except Exception:  # noqa: BLE001 - only used to enrich an error message
            return []

    def _served_model(self) -> str:
        try:
            models = [m.id for m in self.client.models.list().data]
        except self._openai.OpenAIError as exc:
            self.model = "?"
            raise self._fail(exc) from None
        if not models:
            raise LLMError(f"the server at {self.base_url} serves no model", "check the server's launch command")
        return models[0]

    def stream(self, messages: list[Message], *, max_tokens: int = 384, temperature: float = 0.2,
               json_schema: dict | None = None) -> ChatStream:
        extra = {"repeat_penalty": self.repeat_penalty, "repetition_penalty": self.repeat_penalty}
        formats: list[dict[str, Any] | None] = [None]
        if json_schema is not None:  # OpenAI/vLLM style first, then llama.cpp's server style
            formats = [{"type": "json_schema", "json_schema": {"name": "answer", "schema": json_schema}},
                       {"type": "json_object", "schema": json_schema}]
        for attempt, response_format in enumerate(formats):
            kwargs: dict[str, Any] = {"response_format": response_format} if response_format else {}
            try:
                # a Message is a plain dict of the shape the client's TypedDicts describe
                chat_messages = cast("list[ChatCompletionMessageParam]", messages)
                response = self.client.chat.completions.create(
                    model=self.model, messages=chat_messages, stream=True, max_tokens=max_tokens,
                    temperature=temperature, stream_options={"include_usage": True}, extra_body=extra, **kwargs,
                )
                break
            except self._openai.APIStatusError as exc:
                if attempt + 1 < len(formats) and "response_format" in str(exc.message):
                    continue
                raise self._fail(exc) from None
            except self._openai.OpenAIError as exc:
                raise self._fail(exc) from None
        usage = Usage()
        return ChatStream(self._pieces(response, usage), self.name, self.model, usage)

    def _pieces(self, response, usage: Usage) -> Iterator[str]:
        """The answer's pieces as they stream in. What can go wrong while reading the stream
        is an LLMError: the client's own errors, a data line that is not JSON, a chunk of
        another shape, the connection dropping or timing out mid-answer."""
        try:
            for chunk in response:
                content = self._read_chunk(chunk, usage)
                if content:
                    yield content
        except self._openai.OpenAIError as exc:
            raise self._fail(exc) from None
        except json.JSONDecodeError as exc:
            raise LLMError(f"the language model server at {self.base_url} sent a malformed stream "
                           f"(a data line that is not JSON: {exc.msg})", MALFORMED_HINT) from None
        except _http_errors("TransportError") as exc:  # clients that do not wrap errors raised mid-stream
            raise self._broken(exc) from None
        finally:
            response.close()  # a reader that stopped early hangs up: the server stops generating

    def _read_chunk(self, chunk, usage: Usage) -> str | None:
        """The text of one streamed chunk (None without any); its token counts go to ``usage``."""
        content = None
        try:
            if getattr(chunk, "usage", None):
                usage.prompt_tokens = chunk.usage.prompt_tokens or 0
                usage.completion_tokens = chunk.usage.completion_tokens or 0
            if chunk.choices and chunk.choices[0].delta:
                content = chunk.choices[0].delta.content
            shaped = content is None or isinstance(content, str)
        except (AttributeError, TypeError, IndexError, KeyError):  # not the shape of a chat completion chunk
            shaped = False
        if shaped:
            return content
        raise LLMError(f"the language model server at {self.base_url} sent a malformed stream "
                       f"(a chunk that is not a chat completion: {_short(repr(chunk), 80)})", MALFORMED_HINT)

    def _broken(self, exc: BaseException) -> LLMError:
        if isinstance(exc, _http_errors("TimeoutException")):
            return LLMError(f"the language model server at {self.base_url} stopped answering for more than "
                            f"{self.timeout:g} s mid-answer", "raise MOLSYS_AI_LLM_TIMEOUT or check the server load")
        return LLMError(f"the connection to the language model server at {self.base_url} broke mid-answer "
                        f"({type(exc).__name__})", DOWN_HINT)


def _http_errors(name: str) -> tuple[type[BaseException], ...]:
    """The exception class ``name`` ("TransportError": a connection dropped, a read timed out)
    of the HTTP library the ``openai`` client reads with, httpx or httpx2, where loaded."""
    errors = []
    for library in ("httpx", "httpx2"):
        module = sys.modules.get(library)
        error = getattr(module, name, None) if module is not None else None
        if isinstance(error, type) and issubclass(error, BaseException):
            errors.append(error)
    return tuple(errors)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"
