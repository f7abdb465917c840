"""``create_app(options)``: the FastAPI app, its middleware (CORS, logs and metrics, the
token/rate-limit/body-size guard) and its start-up (warm-up) and shutdown."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass

from .. import __version__
from ..serving.errors import ServingError
from .auth import Gate
from .engine import Engine
from .errors import install_handlers, json_response
from .feedback import FeedbackStore
from .guard import GuardMiddleware
from .observe import Metrics, ObserveMiddleware
from .options import ApiOptions

LOG = logging.getLogger("molsys_ai.api")

DESCRIPTION = """Cited answers from the MolSysSuite documentation.

Calls to `/v1/…` need `Authorization: Bearer TOKEN`, unless the server runs in
anonymous ("docs") mode, where requests without a token are rate-limited per client
address (429 with `Retry-After`). A wrong token is always 401. Errors are JSON
`{"message", "hint", "kind"}`."""


@dataclass
class ApiContext:
    options: ApiOptions
    engine: Engine
    feedback: FeedbackStore
    metrics: Metrics


def create_app(options: ApiOptions):
    from fastapi import FastAPI
    from starlette.middleware.cors import CORSMiddleware

    from .routes import router

    metrics = Metrics()
    engine = Engine(options.settings, max_queue=options.max_queue, on_pending=metrics.queue.set)
    ctx = ApiContext(options, engine, FeedbackStore(options.feedback_path), metrics)

    @asynccontextmanager
    async def lifespan(_app):
        if options.warm_up:
            took = await asyncio.wrap_future(engine.warm_up())
            LOG.info("warmed up in %s s", took["seconds"])
        yield
        engine.close()

    app = FastAPI(title="MolSys-AI chat API", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.ctx = ctx
    install_handlers(app)

    async def on_crash(request, exc: Exception):
        return json_response(ServingError.from_exception(exc, LOG))  # logged with its traceback

    app.add_exception_handler(Exception, on_crash)
    app.include_router(router)
    app.add_middleware(GuardMiddleware, gate=Gate(options, on_limited=metrics.rate_limited.inc),
                       max_body_bytes=options.max_body_bytes)
    app.add_middleware(ObserveMiddleware, metrics=metrics)
    if options.cors_origins:  # outermost: refusals (401, 413, 429) carry the CORS headers too
        app.add_middleware(CORSMiddleware, allow_origins=list(options.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"], expose_headers=["Retry-After"],
                           max_age=600)
    return app
