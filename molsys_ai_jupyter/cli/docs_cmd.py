"""``molsys-ai search``, ``molsys-ai ask`` and ``molsys-ai chat``: the documentation, searched
and answered from."""

from __future__ import annotations

import json
import sys
import time

from .common import add_data_flags, add_llm_flags, add_retrieval_flags, settings_from


def register(sub) -> None:
    """Add ``search``, ``ask`` and ``chat`` to the commands."""
    search = sub.add_parser("search", help="search the documentation")
    search.add_argument("query", help="what you are looking for")
    add_retrieval_flags(search, 5, "number of pages")
    search.add_argument("--mode", default="hybrid", help="hybrid (default), dense or bm25")
    search.add_argument("--json", action="store_true", help="machine-readable output")
    add_data_flags(search)
    search.set_defaults(func=cmd_search)

    ask = sub.add_parser("ask", help="ask a question; a cited, API-verified answer from the docs")
    ask.add_argument("question", help="your question")
    add_retrieval_flags(ask, 3, "documentation pages to read")
    ask.add_argument("--json", action="store_true", help="machine-readable answer (no streaming)")
    ask.add_argument("--no-stream", action="store_true",
                     help="print the answer when it is complete (the draft streams only into a terminal)")
    add_llm_flags(ask)
    add_data_flags(ask)
    ask.set_defaults(func=cmd_ask)

    chat = sub.add_parser("chat", help="a multi-turn conversation about the docs")
    add_retrieval_flags(chat, 3, "documentation pages per answer")
    add_llm_flags(chat)
    add_data_flags(chat)
    chat.set_defaults(func=cmd_chat)


def cmd_search(args) -> int:
    from ..knowledge.retrieval import Retriever, validate_query
    from .text_input import require_utf8

    validate_query(require_utf8(args.query, "query"))  # a bad query is reported before anything loads
    started = time.perf_counter()
    retriever = Retriever(settings_from(args))
    retriever.warm_up()
    load_ms = (time.perf_counter() - started) * 1000.0
    result = retriever.search(args.query, k=args.k, project=args.project, mode=args.mode)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    from .render import print_search_result

    print_search_result(result)
    print(f"(search {result.latency_ms:.0f} ms; loading the index and model took {load_ms / 1000:.1f} s)")
    return 0


def cmd_ask(args) -> int:
    from ..assistant import Assistant, validate_question
    from ..knowledge.retrieval import Retriever
    from .text_input import require_utf8

    validate_question(require_utf8(args.question, "question"))
    settings = settings_from(args)
    retriever = Retriever(settings)
    retriever.dense_store()  # a broken index is reported before the language model loads
    assistant = Assistant(settings, retriever=retriever)
    from .render import ask_streaming, print_answer

    def ask(on_token=None):
        return assistant.ask(args.question, k=args.k, project=args.project, on_token=on_token)

    # the draft streams only where it can be replaced in place: a terminal
    streaming = not (args.json or args.no_stream) and sys.stdout.isatty()
    answer = ask_streaming(ask) if streaming else ask()
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2))
        return 0
    print_answer(answer)
    return 0


def cmd_chat(args) -> int:
    from ..assistant import Assistant
    from .chat import run_chat
    from .text_input import read_line

    return run_chat(Assistant(settings_from(args)), k=args.k, project=args.project, read=read_line)
