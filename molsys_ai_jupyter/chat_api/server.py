"""Running the app with uvicorn: one process, or several workers sharing one socket.
Prints ``serving on http://HOST:PORT`` (stdout) once requests are accepted; logs (one
JSON line per request) go to stderr."""

from __future__ import annotations

import logging
import os
import sys
from typing import Callable

from .options import OPTIONS_ENV, TOKENS_ENV, ApiOptions


def configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("molsys_ai.api", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        logger.setLevel(logging.INFO if name == "molsys_ai.api" else logging.WARNING)


def app_from_env():
    """The app of a worker process (``uvicorn --factory``): options from the parent."""
    from . import create_app

    configure_logging()
    return create_app(ApiOptions.from_env())


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(options: ApiOptions, host: str = "127.0.0.1", port: int = 8765, workers: int = 1,
          forwarded_allow_ips: str | None = None, announce: Callable[[str], None] | None = None) -> None:
    import uvicorn

    announce = announce or (lambda line: print(line, flush=True))
    configure_logging()
    common = dict(host=host, port=port, log_config=None, access_log=False, timeout_graceful_shutdown=5,
                  forwarded_allow_ips=forwarded_allow_ips)
    if workers <= 1:
        from . import create_app

        class AnnouncingServer(uvicorn.Server):
            async def startup(self, sockets=None):
                await super().startup(sockets)
                if self.started:
                    announce(f"serving on {_url(host, self.servers[0].sockets[0].getsockname()[1])}")

        AnnouncingServer(uvicorn.Config(create_app(options), **common)).run()
        return
    from uvicorn.supervisors import Multiprocess

    os.environ[OPTIONS_ENV] = options.to_env()
    os.environ[TOKENS_ENV] = ",".join(options.tokens)
    config = uvicorn.Config(f"{__name__}:app_from_env", factory=True, workers=workers, **common)
    sock = config.bind_socket()
    announce(f"serving on {_url(host, sock.getsockname()[1])} ({workers} workers; each loads the index and model)")
    Multiprocess(config, sockets=[sock]).run()
