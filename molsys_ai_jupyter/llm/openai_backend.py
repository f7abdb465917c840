"""Any OpenAI-compatible chat server (vLLM in production, llama.cpp's server in tests)
through the official ``openai`` client: timeouts, retries with backoff, streaming."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, cast

from .base import ChatBackend, ChatStream, LLMError, Message, Usage

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

DOWN_HINT = "start the server, check MOLSYS_AI_LLM_URL, or unset it to use the embedded model"


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
        try:
            for chunk in response:
                if getattr(chunk, "usage", None):
                    usage.prompt_tokens = chunk.usage.prompt_tokens or 0
                    usage.completion_tokens = chunk.usage.completion_tokens or 0
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except self._openai.OpenAIError as exc:
            raise self._fail(exc) from None
        finally:
            response.close()  # a reader that stopped early hangs up: the server stops generating


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"
