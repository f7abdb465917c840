"""One vocabulary of failures for both servers: every error reaches a client as JSON
``{"message", "hint", "kind"}`` with the status of its kind, whichever server answers.

>>> from molsys_ai_jupyter.errors import InvalidQuery
>>> classify(InvalidQuery("question too long"))
('invalid_request', 422)
>>> ServingError.from_exception(ValueError("boom")).body()["kind"]
'internal'
"""

from __future__ import annotations

import logging

from ..errors import CorpusNotFound, IndexCorrupt, IndexNotFound, InvalidQuery, MolsysAIError
from ..llm.base import LLMError

# kind → HTTP status
STATUS: dict[str, int] = {
    "bad_request": 400,  # the core refused the request (e.g. an agent task it could not read)
    "unauthorized": 401,
    "forbidden": 403,  # a Jupyter server's own refusal (XSRF, permissions)
    "not_found": 404,
    "method_not_allowed": 405,
    "too_large": 413,
    "invalid_request": 422,  # the request itself is malformed or out of range
    "rate_limited": 429,
    "internal": 500,
    "llm_unavailable": 503,
    "index_unavailable": 503,
    "busy": 503,
    "timeout": 503,
}


class BadRequest(MolsysAIError):
    """What the client sent cannot be read or is out of range (``invalid_request``, 422)."""


class ServingError(Exception):
    """A failure as the client sees it: ``kind`` (a key of ``STATUS``), a message, a hint
    and extra headers (``Retry-After``). It holds no traceback, so raising it never keeps
    the frames of a failed generation (and the model's lock) alive."""

    def __init__(self, kind: str, message: str, hint: str | None = None, headers: dict[str, str] | None = None):
        if kind not in STATUS:
            raise ValueError(f"unknown error kind {kind!r}; one of {', '.join(STATUS)}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint
        self.headers = dict(headers or {})

    @property
    def status(self) -> int:
        return STATUS[self.kind]

    def body(self) -> dict[str, str | None]:
        return {"message": self.message, "hint": self.hint, "kind": self.kind}

    @classmethod
    def from_exception(cls, exc: BaseException, log: logging.Logger | None = None) -> ServingError:
        """The client's view of ``exc``. An unexpected exception is ``internal``: its
        traceback goes to ``log``, and the client gets one line without it."""
        if isinstance(exc, ServingError):
            return exc
        kind, _status = classify(exc)
        if isinstance(exc, MolsysAIError):
            return cls(kind, exc.message, exc.hint)
        (log or logging.getLogger("molsys_ai.serving")).error("unexpected error", exc_info=exc)
        return cls(kind, f"internal error ({type(exc).__name__})", "the server log has the details; try again")


def kind_of_status(status: int) -> str:
    """The kind of a refusal a web framework made by itself, from its status."""
    by_status = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                 413: "too_large", 422: "invalid_request", 429: "rate_limited"}
    return by_status.get(status, "internal" if status >= 500 else "bad_request")


def classify(exc: BaseException) -> tuple[str, int]:
    """``(kind, status)`` of an exception raised while serving a request."""
    if isinstance(exc, ServingError):
        kind = exc.kind
    elif isinstance(exc, (BadRequest, InvalidQuery)):
        kind = "invalid_request"
    elif isinstance(exc, LLMError):
        kind = "llm_unavailable"
    elif isinstance(exc, (IndexNotFound, IndexCorrupt, CorpusNotFound)):
        kind = "index_unavailable"
    elif isinstance(exc, MolsysAIError):
        kind = "bad_request"
    else:
        kind = "internal"
    return kind, STATUS[kind]
