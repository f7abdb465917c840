"""The chat API of the GPU node (``molsys-ai serve``): the assistant over HTTP for the
docs chat widget, JupyterLite and thin installs.

``POST /v1/chat`` (JSON, or Server-Sent Events with ``"stream": true``),
``POST /v1/retrieve``, ``POST /v1/feedback``, ``GET /healthz``, ``GET /metrics``.
Build the ASGI app in-process with :func:`create_app` (FastAPI is imported then, not
when this package is)."""

from __future__ import annotations

from .options import ApiOptions, parse_rate_limit

__all__ = ["ApiOptions", "create_app", "parse_rate_limit"]


def create_app(options: ApiOptions):
    """The FastAPI app serving ``options`` (see :mod:`.app`)."""
    from .app import create_app as _create_app

    return _create_app(options)
