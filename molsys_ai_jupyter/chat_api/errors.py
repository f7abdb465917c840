"""Every error is JSON ``{"message", "hint", "kind"}`` with a fitting status code."""

from __future__ import annotations

from ..errors import CorpusNotFound, IndexCorrupt, IndexNotFound, InvalidQuery, MolsysAIError
from ..llm.base import LLMError

# kind → status
STATUS = {
    "bad_request": 400,
    "unauthorized": 401,
    "not_found": 404,
    "method_not_allowed": 405,
    "too_large": 413,
    "invalid_request": 422,
    "rate_limited": 429,
    "internal": 500,
    "llm_unavailable": 503,
    "index_unavailable": 503,
    "busy": 503,
    "timeout": 503,
}


class ApiError(Exception):
    def __init__(self, kind: str, message: str, hint: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint
        self.headers = headers or {}

    @property
    def status(self) -> int:
        return STATUS[self.kind]

    def body(self) -> dict:
        return {"message": self.message, "hint": self.hint, "kind": self.kind}


def from_exception(exc: BaseException) -> ApiError:
    """The API error for an exception raised while answering."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, InvalidQuery):
        return ApiError("invalid_request", exc.message, exc.hint)
    if isinstance(exc, LLMError):
        return ApiError("llm_unavailable", exc.message, exc.hint)
    if isinstance(exc, (IndexNotFound, IndexCorrupt, CorpusNotFound)):
        return ApiError("index_unavailable", exc.message, exc.hint)
    if isinstance(exc, MolsysAIError):
        return ApiError("bad_request", exc.message, exc.hint)
    return ApiError("internal", "internal error while answering", "try again; the server log has the details")


def json_response(error: ApiError):
    from starlette.responses import JSONResponse

    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def install_handlers(app) -> None:
    """Framework errors (bad JSON, schema, unknown path) in the same shape."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    async def on_api_error(request, exc: ApiError):
        request.state.error_kind = exc.kind
        return json_response(exc)

    async def on_validation(request, exc: RequestValidationError):
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(part) for part in err.get("loc", ()) if part != "body") or "body"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        request.state.error_kind = "invalid_request"
        return json_response(ApiError("invalid_request", "invalid request: " + "; ".join(problems),
                                      "see the request schema at /openapi.json"))

    async def on_http(request, exc: HTTPException):
        from starlette.responses import JSONResponse

        if exc.status_code == 400:  # FastAPI could not read the body (not UTF-8 JSON): malformed, as bad JSON is
            error = ApiError("invalid_request", f"invalid request: {exc.detail}", "send a UTF-8 JSON body")
        else:
            kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
            error = ApiError(kind, str(exc.detail))
        request.state.error_kind = error.kind
        status = error.status if exc.status_code == 400 else exc.status_code
        return JSONResponse(error.body(), status_code=status, headers=dict(exc.headers or {}))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
