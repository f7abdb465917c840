"""What the command modules share: the flag groups, the settings from the parsed flags,
writing a result as JSON, and the one-line error.

Every command module imports from here and none imports another's entry point:
:mod:`.main` only assembles the commands' parsers and dispatches.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import load_settings


def add_data_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data and index locations")
    group.add_argument("--data", help="data root holding corpus/, data/structures/, bench/ (env MOLSYS_AI_DATA)")
    group.add_argument("--corpus", help="documentation corpus folder (default <data>/corpus)")
    group.add_argument("--structures", help="molecular structures folder (default <data>/data/structures)")
    group.add_argument("--index-dir", help="folder holding the indexes (env MOLSYS_AI_INDEX_DIR)")
    group.add_argument("--name", dest="index_name", help="index name (default molsyssuite)")


def add_retrieval_flags(parser: argparse.ArgumentParser, k: int, what: str) -> None:
    parser.add_argument("-k", type=int, default=k, help=f"{what} (default {k})")
    parser.add_argument("--project", help="only this project (molsysmt, pyunitwizard, …)")


def add_llm_flags(parser: argparse.ArgumentParser, timeout_flag: str = "--timeout") -> None:
    group = parser.add_argument_group("language model (default: the embedded offline model)")
    group.add_argument("--llm-url", help="OpenAI-compatible server, e.g. http://gpu-node:8000/v1 (env MOLSYS_AI_LLM_URL)")
    group.add_argument("--model", help="model name on that server (env MOLSYS_AI_MODEL; default: the one it serves)")
    group.add_argument(timeout_flag, dest="timeout", type=float,
                       help="seconds to wait for the server (env MOLSYS_AI_LLM_TIMEOUT)")
    group.add_argument("--llm-threads", type=int, metavar="N",
                       help="CPU threads of the embedded model (env MOLSYS_AI_LLM_THREADS; default: the cores, "
                            "at most 4)")


def settings_from(args):
    """The settings, with what the data, index and model flags of ``args`` override."""
    return load_settings(
        llm_url=getattr(args, "llm_url", None),
        model=getattr(args, "model", None),
        llm_timeout=getattr(args, "timeout", None),
        llm_threads=getattr(args, "llm_threads", None),
        data_root=getattr(args, "data", None),
        corpus_dir=getattr(args, "corpus", None),
        structures_dir=getattr(args, "structures", None),
        index_root=getattr(args, "index_dir", None),
        index_name=getattr(args, "index_name", None),
    )


def write_json(result: dict, path: str | None) -> None:
    """``result`` as indented JSON in ``path`` (its folder made), if a path is given."""
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def print_error(message) -> None:
    """The one line ``error: … — how to fix`` on stderr (a :class:`MolsysAIError` prints so)."""
    print(f"error: {message}", file=sys.stderr)
