"""The REST and streaming handlers of the sidebar, behind Jupyter's own login,
token and XSRF rules (``APIHandler`` + ``@tornado.web.authenticated``).

Failures become one readable line with a hint, ``{"message", "hint", "kind"}``, with the
same kinds and statuses as the chat API (``serving.errors``): as JSON, or as an ``error``
event in the chat stream. Unexpected ones are logged with their traceback here."""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.iostream import StreamClosedError

from ..serving import sse
from ..serving.errors import BadRequest, ServingError, kind_of_status
from ..serving.payload import answer_payload
from ..serving.relay import ERROR, IDLE, RESULT, TOKEN, Cancelled, TokenRelay
from .requests import ChatRequest, PolicyRequest, SuggestRequest, folder_of, json_body, notebook_path
from .service import SETTINGS_KEY, Service

AUTH_RESOURCE = "molsys-ai"
NAMESPACE = "molsys-ai"
KEEPALIVE_S = 15.0  # a comment line while the answer is prepared (loading the index, waiting its turn)


class MolsysAIHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def service(self) -> Service:
        return self.settings[SETTINGS_KEY]

    def reply(self, data: dict, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data))

    def write_error(self, status_code: int, **kwargs) -> None:
        """Tornado's own refusals (a wrong method, a missing XSRF token, no login) in the
        shape and with the kinds of every other error."""
        kind = kind_of_status(status_code)
        self.set_header("Content-Type", "application/json")
        try:
            reason = HTTPStatus(status_code).phrase
        except ValueError:  # a status HTTP does not name
            reason = "error"
        self.finish(json.dumps({"message": f"{status_code} {reason}", "hint": None, "kind": kind}))

    def reply_error(self, exc: BaseException) -> None:
        error = ServingError.from_exception(exc, self.log)  # an unexpected one is logged with its traceback
        self.reply(error.body(), error.status)

    def keep(self, notebook: str, reply: dict, append, turn) -> None:
        """Save ``turn`` in the notebook's chat history with ``append``; a failure is
        logged and reported in ``reply["history_error"]``, and the reply goes out anyway."""
        try:
            append(notebook, turn)
        except (OSError, ValueError) as exc:  # ValueError: text the file system cannot hold
            self.log.warning("molsys-ai: cannot save the chat history of %s: %s", notebook, exc)
            reply["history_error"] = str(exc)

    async def in_worker(self, fn, *args):
        """Run blocking work in the model's worker thread."""
        return await asyncio.wrap_future(self.service.worker.submit(fn, *args))

    def folder(self, notebook: str | None):
        """The folder of ``notebook`` under the server root (the root without one)."""
        return folder_of(self.service.root_dir, notebook)


class StatusHandler(MolsysAIHandler):
    @tornado.web.authenticated
    @authorized
    def get(self):
        from .status import status_info

        try:
            settings = self.service.settings()
            self.reply(status_info(settings, self.service.loaded_backend(settings)))
        except Exception as exc:  # noqa: BLE001 - reported as one line
            self.reply_error(exc)


class HistoryHandler(MolsysAIHandler):
    def _notebook(self) -> str:
        notebook = notebook_path(self.get_query_argument("notebook", None))
        if not notebook:
            raise BadRequest("which notebook? add ?notebook=PATH (the path under the server root)")
        return notebook

    @tornado.web.authenticated
    @authorized
    def get(self):
        try:
            notebook = self._notebook()
            self.reply({"notebook": notebook, "turns": self.service.history.turns(notebook)})
        except Exception as exc:  # noqa: BLE001
            self.reply_error(exc)

    @tornado.web.authenticated
    @authorized
    def delete(self):
        try:
            notebook = self._notebook()
            self.reply({"notebook": notebook, "deleted": self.service.history.clear(notebook), "turns": []})
        except Exception as exc:  # noqa: BLE001
            self.reply_error(exc)


class SuggestHandler(MolsysAIHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self):
        from .suggest import suggest

        service = self.service
        try:
            request = SuggestRequest.from_body(json_body(self.request.body))
            workdir = self.folder(request.notebook)
            settings = service.settings()

            def work():
                from ..agent.sources import index_finder

                assistant = service.assistant(settings)
                docs, why = index_finder(settings, lambda: assistant.retriever) if request.k else (None, "")
                reply = suggest(request.task, workdir, assistant.backend, root_dir=service.root_dir,
                                docs=docs, k=request.k, variables=request.variables, design=request.design,
                                corpus=settings.corpus)
                reply["sources_note"] = reply["sources_note"] or why
                return reply

            reply = await self.in_worker(work)
            if request.notebook:
                self.keep(request.notebook, reply, service.history.append_suggestion, reply)
            self.reply(reply)
        except Exception as exc:  # noqa: BLE001
            self.reply_error(exc)


class PolicyHandler(MolsysAIHandler):
    """``POST policy``: whether code the sidebar is about to run in the notebook's kernel
    (Run on an answer's code, Do it) needs the user's consent first, and why."""

    @tornado.web.authenticated
    @authorized
    async def post(self):
        from .policy import policy_verdict

        try:
            request = PolicyRequest.from_body(json_body(self.request.body))
            workdir = self.folder(request.notebook)
            # not in the model's worker: a check must not wait for an answer being written
            self.reply(await asyncio.to_thread(policy_verdict, request.code, request.variables, workdir))
        except Exception as exc:  # noqa: BLE001
            self.reply_error(exc)


class ChatHandler(MolsysAIHandler):
    """Answers as Server-Sent Events: ``token`` (``{"text"}``, as the model writes),
    then ``answer`` (``Answer.to_dict()`` plus ``markdown``, the answer with linked
    sources) or ``error`` (``{"message", "hint", "kind"}``), and ``done`` last."""

    relay: TokenRelay | None = None
    gone = False

    def on_connection_close(self):
        self.gone = True
        if self.relay is not None:
            self.relay.cancel()  # the generation stops at its next piece
        super().on_connection_close()

    async def send(self, name: str, data) -> bool:
        """Write one event; False once the client is gone (then nothing more is written)."""
        return await self._emit(sse.event(name, data))

    async def _emit(self, text: str) -> bool:
        if self.gone:
            return False
        try:
            self.write(text)
            await self.flush()
        except StreamClosedError:
            self.gone = True
            if self.relay is not None:
                self.relay.cancel()
            return False
        return True

    @tornado.web.authenticated
    @authorized
    async def post(self):
        service = self.service
        try:
            request = ChatRequest.from_body(json_body(self.request.body))
            if request.notebook:
                folder_of(service.root_dir, request.notebook)  # inside the root (the file may be unsaved)
            assistant = service.assistant()
            history = service.history.messages(request.notebook)
        except Exception as exc:  # noqa: BLE001 - before the stream: a plain JSON error
            self.reply_error(exc)
            return

        self.set_header("Content-Type", sse.CONTENT_TYPE)
        for name, value in sse.HEADERS.items():
            self.set_header(name, value)
        self.relay = relay = TokenRelay(log=self.log)

        def work(relay: TokenRelay):
            return assistant.ask(request.message, k=request.k, history=history,
                                 notebook_context=request.notebook_context(), on_token=relay.token)

        relay.run(service.worker.submit, work)
        if not await self._emit(sse.comment("answering")):  # the client sees the stream open at once
            return
        async for kind, value in relay.items(idle_s=KEEPALIVE_S):
            if kind == IDLE:
                if not await self._emit(sse.comment("keep-alive")):
                    return
            elif kind == TOKEN:
                if not await self.send("token", {"text": value}):
                    return
            elif kind == RESULT:
                await self._answer(value, request.notebook)
            elif kind == ERROR:
                if isinstance(value, Cancelled):
                    return
                await self.send("error", ServingError.from_exception(value, self.log).body())
        if await self.send("done", {}):
            self.finish(set_content_type=sse.CONTENT_TYPE)

    async def _answer(self, answer, notebook: str | None) -> None:
        data = answer_payload(answer)
        if notebook:
            self.keep(notebook, data, self.service.history.append, answer)
        await self.send("answer", data)


def handlers() -> list[tuple]:
    """The routes, under ``<base_url>/molsys-ai/`` (``ExtensionApp`` adds the base URL)."""

    def route(path: str) -> str:
        return url_path_join(NAMESPACE, path)

    return [
        (route("status"), StatusHandler),
        (route("chat"), ChatHandler),
        (route("history"), HistoryHandler),
        (route("agent/suggest"), SuggestHandler),
        (route("policy"), PolicyHandler),
    ]
