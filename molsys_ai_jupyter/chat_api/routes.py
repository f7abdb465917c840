"""The endpoints. Blocking work (retrieval, generation, SQLite) runs off the event loop."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..assistant import validate_question
from ..serving.errors import ServingError
from ..serving.relay import Cancelled, TokenRelay
from .engine import LOG, AnswerJob
from .schemas import (
    ChatAnswer,
    ChatRequest,
    ErrorBody,
    FeedbackRequest,
    FeedbackSaved,
    Health,
    RetrieveRequest,
    RetrieveResponse,
)

router = APIRouter()

ERRORS = {status: {"model": ErrorBody} for status in (401, 413, 422, 429, 503)}
SSE_EVENT = {  # one server-sent event; ``data`` is one line of JSON
    "type": "object", "required": ["event", "data"],
    "properties": {"event": {"type": "string", "enum": ["token", "answer", "error", "done"]},
                   "data": {"type": "string", "contentMediaType": "application/json",
                            "description": 'token: {"text"}; answer: the answer JSON; '
                                           'error: {"message", "hint", "kind"}; done: {}'}},
}
CHAT_RESPONSES = {**ERRORS, 200: {"model": ChatAnswer, "description": "the answer (JSON), or with "
                                  '"stream": true an event stream of token, answer, done (or error, done)',
                                  "content": {"text/event-stream": {"schema": SSE_EVENT}}}}


def _state(request: Request) -> dict:
    state = request.scope.setdefault("state", {})
    state.setdefault("started", time.perf_counter())
    return state


def _check(call, *args):
    """Run a validation of the core; its errors as API errors."""
    try:
        return call(*args)
    except Exception as exc:  # noqa: BLE001
        raise ServingError.from_exception(exc, LOG) from None


@router.post("/v1/chat", response_model=None, responses=CHAT_RESPONSES, summary="Ask a question about the docs")
async def chat(body: ChatRequest, request: Request):
    ctx = request.app.state.ctx
    state = _state(request)
    job = AnswerJob(_check(validate_question, body.question), k=body.k, project=body.project or None,
                    history=[turn.model_dump() for turn in body.history])
    _check(ctx.engine.retriever.check_project, job.project)
    if body.stream:
        from sse_starlette import EventSourceResponse

        from .streaming import answer_events

        events = answer_events(ctx, job, state)
        return EventSourceResponse(events, ping=ctx.options.sse_ping_s, sep="\n")
    return await _answer(ctx, job, request, state)


async def _answer(ctx, job: AnswerJob, request: Request, state: dict):
    relay = TokenRelay(log=LOG)
    answer = asyncio.ensure_future(asyncio.wrap_future(ctx.engine.submit(job, relay)))
    left = asyncio.ensure_future(_disconnected(request))
    try:
        done, _ = await asyncio.wait({answer, left}, timeout=ctx.options.request_timeout_s,
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        left.cancel()
    if relay.first_token_at is not None:
        state.setdefault("ttft_ms", (relay.first_token_at - state["started"]) * 1000.0)
    if answer not in done:
        relay.cancel()  # timed out, or the client left: the generation stops at its next token
        answer.cancel()
        if left in done:
            return Response(status_code=499)  # nobody reads it
        raise ServingError("timeout", f"no answer within {ctx.options.request_timeout_s:g} s",
                           "the model is busy: try again later")
    try:
        data = answer.result()
    except Cancelled:
        raise ServingError("timeout", "the answer was stopped", "try again") from None
    except Exception as exc:  # noqa: BLE001 - a ServingError already; anything else classified
        raise ServingError.from_exception(exc, LOG) from None
    state.setdefault("ttft_ms", (time.perf_counter() - state["started"]) * 1000.0)
    return JSONResponse(data)


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


@router.post("/v1/retrieve", response_model=RetrieveResponse, responses=ERRORS, summary="Search the docs")
async def retrieve(body: RetrieveRequest, request: Request):
    ctx = request.app.state.ctx
    _check(ctx.engine.retriever.check_project, body.project)
    try:
        result = await asyncio.wait_for(run_in_threadpool(ctx.engine.retriever.search, body.query, body.k,
                                                          body.project or None),
                                        ctx.options.request_timeout_s)
    except asyncio.TimeoutError:
        raise ServingError("timeout", "the search did not finish in time", "try again later") from None
    except Exception as exc:  # noqa: BLE001
        raise ServingError.from_exception(exc, LOG) from None
    return {"results": [{"n": hit.rank, "title": hit.headings or hit.title, "url": hit.url, "project": hit.project,
                         "path": hit.path, "score": hit.score, "text": hit.content} for hit in result.hits]}


@router.post("/v1/feedback", status_code=201, response_model=FeedbackSaved, responses=ERRORS,
             summary="Rate an answer")
def feedback(body: FeedbackRequest, request: Request):
    ctx = request.app.state.ctx
    row = ctx.feedback.add(body.answer_id, body.rating, question=body.question, comment=body.comment,
                           page_url=body.page_url, answer=ctx.engine.recent.get(body.answer_id))
    return {"ok": True, "id": row}


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}}, summary="Liveness and what is served")
def healthz(request: Request):
    ctx = request.app.state.ctx
    backend, model = ctx.engine.describe_model()
    settings = ctx.options.settings
    index = {"name": settings.index_name}
    try:
        manifest = ctx.engine.retriever.manifest
    except Exception as exc:  # noqa: BLE001 - reported, not raised: this is the health check
        index["error"] = str(exc)
        return JSONResponse({"status": "unavailable", "backend": backend, "model": model, "index": index},
                            status_code=503)
    counts = manifest.get("counts", {})
    index.update({"built_utc": manifest.get("created_utc"), "chunks": counts.get("chunks"),
                  "pages": counts.get("pages"), "projects": sorted(counts.get("by_project", {})),
                  "embedding_model": manifest.get("model"),
                  "store": "chroma server" if settings.chroma_url else "embedded chroma"})
    return {"status": "ok", "backend": backend, "model": model, "index": index}


@router.get("/metrics", summary="Prometheus metrics of this process",
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
def metrics(request: Request):
    body, content_type = request.app.state.ctx.metrics.render()
    return Response(body, media_type=content_type)
