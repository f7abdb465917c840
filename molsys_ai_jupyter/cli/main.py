"""``molsys-ai``: index, search, bench, doctor.

Expected failures (missing corpus, missing index, bad query, …) print one line
``error: … — how to fix`` and exit with status 2; no traceback.

This module only assembles the commands' parsers and dispatches: each command module
adds its own with ``register(sub)`` (and its benchmarks with ``register_bench``), and
what they share is in :mod:`.common`; none of them imports this module.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..errors import MolsysAIError
from . import bench_cmd, corpus_cmd, docs_cmd, doctor, index_cmd, mcp_cmd, policy_cmd, run_cmd, serve_cmd, train_cmd
from .common import print_error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="molsys-ai", description="MolSys-AI: the MolSysSuite assistant.")
    parser.add_argument("--version", action="version", version=f"molsys-ai {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    # in the order `molsys-ai --help` lists them
    index_cmd.register(sub)  # index build, index info
    docs_cmd.register(sub)  # search, ask, chat
    run_cmd.register(sub)
    benchmarks = bench_cmd.register(sub)  # bench retrieval, answers, agent, md
    for module in (serve_cmd, policy_cmd, mcp_cmd):  # bench load, policy, mcp
        module.register_bench(benchmarks)
    for module in (serve_cmd, train_cmd, corpus_cmd, policy_cmd, mcp_cmd, doctor):
        module.register(sub)
    return parser


def _output_closed() -> int:
    """The reader of stdout left early (``molsys-ai index info | head -2``). Python's recipe
    (docs.python.org, "Note on SIGPIPE"): point stdout at devnull, so that the flush at exit
    does not fail again, and say so in one line."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    try:
        print("error: output closed before it was all written (broken pipe) — "
              "nothing to fix if only the start was wanted (e.g. `| head`)", file=sys.stderr)
    except BrokenPipeError:  # stderr went to the same closed pipe (`2>&1 | head`)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stderr.fileno())
        os.close(devnull)
    return 2


def main(argv: list[str] | None = None) -> int:
    from .text_input import tolerant_stdin

    parser = build_parser()
    args = parser.parse_args(argv)
    tolerant_stdin()  # a line that is not UTF-8 is refused where it is read, in one line
    try:
        status = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the flush at exit
        return status
    except BrokenPipeError:
        return _output_closed()
    except MolsysAIError as exc:
        print_error(exc)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
