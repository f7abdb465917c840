"""Every error is JSON ``{"message", "hint", "kind"}`` with its kind's status
(``serving.errors``, shared with the sidebar's server); here only the FastAPI glue."""

from __future__ import annotations

from ..serving.errors import ServingError, kind_of_status


def json_response(error: ServingError):
    from starlette.responses import JSONResponse

    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def install_handlers(app) -> None:
    """Framework errors (bad JSON, schema, unknown path) in the same shape."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    async def on_api_error(request, exc: ServingError):
        request.state.error_kind = exc.kind
        return json_response(exc)

    async def on_validation(request, exc: RequestValidationError):
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(part) for part in err.get("loc", ()) if part != "body") or "body"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        request.state.error_kind = "invalid_request"
        return json_response(ServingError("invalid_request", "invalid request: " + "; ".join(problems),
                                      "see the request schema at /openapi.json"))

    async def on_http(request, exc: HTTPException):
        from starlette.responses import JSONResponse

        if exc.status_code == 400:  # FastAPI could not read the body (not UTF-8 JSON): malformed, as bad JSON is
            error = ServingError("invalid_request", f"invalid request: {exc.detail}", "send a UTF-8 JSON body")
        else:
            kind = kind_of_status(exc.status_code)
            error = ServingError(kind, str(exc.detail))
        request.state.error_kind = error.kind
        status = error.status if exc.status_code == 400 else exc.status_code
        return JSONResponse(error.body(), status_code=status, headers=dict(exc.headers or {}))

    app.add_exception_handler(ServingError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
