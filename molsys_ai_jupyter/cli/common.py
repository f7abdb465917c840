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

from ..config import DATA, LLM, SETTINGS_FIELDS, load_settings, setting_kind


def _add_setting_flags(parser: argparse.ArgumentParser, group_name: str, renamed: dict[str, str] | None = None):
    """The flags of the settings in ``group_name`` (declared on the fields of ``Settings``);
    ``renamed`` gives a setting another flag where the command's own flag has its name."""
    group = parser.add_argument_group(group_name)
    for name, spec in SETTINGS_FIELDS.items():
        if spec.metadata["group"] != group_name:
            continue
        kind = setting_kind(name)
        env = spec.metadata["env"]
        flag = (renamed or {}).get(name, spec.metadata["flag"])
        group.add_argument(flag, dest=name, type=kind if kind in (int, float) else None,
                           metavar="N" if kind is int else flag.lstrip("-").replace("-", "_").upper(),
                           help=spec.metadata["help"] + (f" (env {env})" if env else ""))


def add_data_flags(parser: argparse.ArgumentParser) -> None:
    _add_setting_flags(parser, DATA)


def add_retrieval_flags(parser: argparse.ArgumentParser, k: int, what: str) -> None:
    parser.add_argument("-k", type=int, default=k, help=f"{what} (default {k})")
    parser.add_argument("--project", help="only this project (molsysmt, pyunitwizard, …)")


def add_llm_flags(parser: argparse.ArgumentParser, timeout_flag: str = "--timeout") -> None:
    _add_setting_flags(parser, LLM, {"llm_timeout": timeout_flag})


def settings_from(args: argparse.Namespace):
    """The settings, with what the data, index and model flags of ``args`` override."""
    return load_settings(**{name: getattr(args, name, None) for name, spec in SETTINGS_FIELDS.items()
                            if spec.metadata["flag"]})


def setting_flags(args: argparse.Namespace, groups: tuple[str, ...] = (DATA, LLM),
                  renamed: dict[str, str] | None = None) -> list[str]:
    """The setting flags ``args`` was given, as command-line words (for a command this
    one starts: the loopback ``serve`` of ``bench load``, the ``mcp`` of ``bench mcp``)."""
    words: list[str] = []
    for name, spec in SETTINGS_FIELDS.items():
        value = getattr(args, name, None)
        if spec.metadata["group"] in groups and value is not None:
            words += [(renamed or {}).get(name, spec.metadata["flag"]), str(value)]
    return words


def write_json(result: dict, path: str | None) -> None:
    """``result`` as indented JSON in ``path`` (its folder made), if a path is given."""
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def print_error(message) -> None:
    """The one line ``error: … — how to fix`` on stderr (a :class:`MolsysAIError` prints so)."""
    print(f"error: {message}", file=sys.stderr)
