"""``molsys-ai serve`` (the chat API of the GPU node) and ``molsys-ai bench load``."""

from __future__ import annotations

import json
import sys

from ..errors import MolsysAIError
from .common import add_data_flags, add_llm_flags, print_error, setting_flags, settings_from, write_json


def register(sub) -> None:
    """Add ``serve`` to the commands."""
    serve = sub.add_parser("serve", help="the chat API over HTTP (docs widget, JupyterLite, thin installs)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free one)")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes (default 1; each loads the index and, without --llm-url, the model)")
    serve.add_argument("--token", action="append", default=[], metavar="T",
                       help="a bearer token that may call the API (repeatable; env MOLSYS_AI_SERVE_TOKENS, "
                            "comma-separated)")
    serve.add_argument("--anonymous", action="store_true",
                       help="docs mode: requests without a token pass, rate-limited per client address")
    serve.add_argument("--rate-limit", default="30/minute", metavar="N/PERIOD",
                       help="anonymous requests per client address (default 30/minute)")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                       help="a web origin allowed to call from a browser, e.g. https://www.uibcdf.org (repeatable)")
    serve.add_argument("--feedback-db", metavar="PATH", help="SQLite file for ratings (default <cache>/feedback.sqlite3)")
    serve.add_argument("--max-body-bytes", type=int, default=65536, metavar="B",
                       help="larger request bodies get 413 (default 65536)")
    serve.add_argument("--request-timeout", type=float, default=300.0, metavar="S",
                       help="seconds a request may take, waiting for the model included (default 300)")
    serve.add_argument("--max-answer-tokens", type=int, metavar="N",
                       help="tokens the model may write per answer (default: the max_answer_tokens setting, 384)")
    serve.add_argument("--max-queue", type=int, default=64, metavar="N",
                       help="answers waiting for the model beyond this get 503 (default 64)")
    serve.add_argument("--forwarded-allow-ips", metavar="IPS",
                       help="proxies whose X-Forwarded-For is trusted for the client address (default 127.0.0.1)")
    serve.add_argument("--chroma-url", help="a Chroma server holding the index's store, http://HOST:PORT "
                                            "(env MOLSYS_AI_CHROMA_URL; default: the index's own folder)")
    add_llm_flags(serve, timeout_flag="--llm-timeout")
    add_data_flags(serve)
    serve.set_defaults(func=cmd_serve)
    serve.error = _one_line_error  # a bad flag value: one line, exit 2 (as for the other errors)


def register_bench(bench_sub) -> None:
    """Add ``load`` to the benchmarks."""
    load = bench_sub.add_parser("load", help="concurrent streaming chat clients against the chat API")
    load.add_argument("--url", help="the API's base URL (default: start a loopback `serve --anonymous` here)")
    load.add_argument("--concurrency", type=int, default=20, help="clients asking at once (default 20)")
    load.add_argument("--seconds", type=float, default=30.0, help="how long clients start new questions (default 30)")
    load.add_argument("--question", action="append", default=[], metavar="Q",
                      help="a question to ask (repeatable; default: a fixed set about the docs)")
    load.add_argument("--token", help="bearer token for the API (env MOLSYS_AI_SERVE_TOKEN)")
    load.add_argument("-k", type=int, default=3, help="pages per answer (default 3)")
    load.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    add_llm_flags(load, timeout_flag="--llm-timeout")
    add_data_flags(load)
    load.set_defaults(func=cmd_bench_load)


def _one_line_error(message: str):
    print_error(f"{message} — see molsys-ai serve --help")
    raise SystemExit(2)


def _options(args):
    from ..chat_api.options import ApiOptions, parse_rate_limit, tokens_from_env

    settings = common_settings(args)
    return ApiOptions(
        settings=settings, tokens=tuple(dict.fromkeys([*args.token, *tokens_from_env()])), anonymous=args.anonymous,
        rate_limit=parse_rate_limit(args.rate_limit), cors_origins=tuple(args.cors_origin),
        feedback_db=args.feedback_db, max_body_bytes=args.max_body_bytes, request_timeout_s=args.request_timeout,
        max_queue=args.max_queue,
    )


def common_settings(args):
    settings = settings_from(args)
    tokens = getattr(args, "max_answer_tokens", None)
    if tokens is not None and not 16 <= tokens <= 4096:
        raise MolsysAIError(f"--max-answer-tokens must be between 16 and 4096 (got {tokens})")
    return settings.with_overrides(chroma_url=getattr(args, "chroma_url", None), max_answer_tokens=tokens)


def cmd_serve(args) -> int:
    try:
        import fastapi  # noqa: F401
        import sse_starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise MolsysAIError(f"the chat API needs {exc.name}", "pip install 'molsys-ai-jupyter[server]'") from None
    from ..knowledge.index_files import check_index
    from ..knowledge.store import chroma_location

    if not 0 <= args.port <= 65535:
        raise MolsysAIError(f"--port must be between 0 and 65535 (got {args.port})")
    if args.workers < 1:
        raise MolsysAIError(f"--workers must be at least 1 (got {args.workers})")
    options = _options(args)
    check_index(options.settings.index_path)  # no index: one line now, not an error on every request
    chroma_location(options.settings.index_path / "chroma", options.settings.chroma_url)  # a bad URL: one line now
    if options.feedback_db is not None and not options.feedback_path.parent.is_dir():
        raise MolsysAIError(f"folder for --feedback-db not found: {options.feedback_path.parent}", "create it first")
    from ..chat_api.server import serve

    serve(options, host=args.host, port=args.port, workers=args.workers,
          forwarded_allow_ips=args.forwarded_allow_ips)
    return 0


def cmd_bench_load(args) -> int:
    import os

    from ..bench.load import DEFAULT_QUESTIONS, loopback_server, run_load

    if args.concurrency < 1 or args.seconds <= 0:
        raise MolsysAIError("--concurrency must be at least 1 and --seconds more than 0")
    questions = args.question or DEFAULT_QUESTIONS
    token = args.token or os.environ.get("MOLSYS_AI_SERVE_TOKEN")
    if args.url:
        result = run_load(args.url, concurrency=args.concurrency, seconds=args.seconds, questions=questions,
                          token=token, k=args.k)
    else:
        with loopback_server(_loopback_flags(args)) as url:
            print(f"started a loopback server at {url}", file=sys.stderr)
            result = run_load(url, concurrency=args.concurrency, seconds=args.seconds, questions=questions,
                              token=None, k=args.k)
    write_json(result, args.json_out)
    print(json.dumps({k: v for k, v in result.items() if k != "requests"}))
    return 0 if result["errors"] == 0 else 1


def _loopback_flags(args) -> list[str]:
    """`serve` flags for the loopback server: this command's model and data flags."""
    return setting_flags(args, renamed={"llm_timeout": "--llm-timeout"})
