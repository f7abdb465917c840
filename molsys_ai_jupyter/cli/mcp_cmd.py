"""``molsys-ai mcp`` (the project's tools for any MCP client: stdio, or Streamable HTTP with
``--http``) and ``molsys-ai bench mcp`` (start-up and first-search times, as JSON)."""

from __future__ import annotations

import json
import os

from ..config import DATA
from ..errors import MolsysAIError
from .common import add_data_flags, setting_flags, settings_from, write_json

TOKEN_ENV = "MOLSYS_AI_MCP_TOKEN"


def register(sub) -> None:
    """Add ``mcp`` to the commands."""
    mcp = sub.add_parser("mcp", help="an MCP server: docs search, API lookup, code checks, plans, structure facts")
    mcp.add_argument("--http", metavar="HOST:PORT",
                     help="serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio (e.g. 127.0.0.1:8000)")
    mcp.add_argument("--root", action="append", default=[], metavar="FOLDER",
                     help="a folder whose structure files the tools may read (repeatable; default: here)")
    mcp.add_argument("--token", metavar="T",
                     help=f"bearer token HTTP clients must send (env {TOKEN_ENV}); needed off loopback")
    add_data_flags(mcp)
    mcp.set_defaults(func=cmd_mcp)


def register_bench(bench_sub) -> None:
    """Add ``mcp`` to the benchmarks."""
    bench = bench_sub.add_parser("mcp", help="MCP server: time to initialize over stdio, first search_docs (JSON)")
    bench.add_argument("--runs", type=int, default=5, help="server starts timed (default 5; the median is reported)")
    bench.add_argument("--query", default="How do I compute the RMSD of a trajectory?",
                       help="the search_docs query timed")
    bench.add_argument("--json", dest="json_out", help="write the result JSON to this file")
    add_data_flags(bench)
    bench.set_defaults(func=cmd_bench_mcp)


def _need_mcp() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise MolsysAIError("the MCP server needs the mcp package", "pip install 'molsys-ai-jupyter[mcp]'") from None


def cmd_mcp(args) -> int:
    from ..mcp_server.paths import Roots
    from ..mcp_server.tools import Toolbox
    from ..mcp_server.transports import check_exposure, parse_address

    token = args.token or os.environ.get(TOKEN_ENV) or None
    address = parse_address(args.http) if args.http else None
    if address:
        check_exposure(address[0], token)  # one line before anything loads
    toolbox = Toolbox(settings_from(args), Roots(args.root or ["."]))
    _need_mcp()
    from ..mcp_server.server import build_server
    from ..mcp_server.transports import run_http, run_stdio

    server = build_server(toolbox)
    toolbox.warm_up_in_background()  # initialize is answered at once; the index loads meanwhile
    if address:
        run_http(server, *address, token=token)
    else:
        run_stdio(server)
    return 0


def _data_flags(args) -> list[str]:
    return setting_flags(args, groups=(DATA,))


def cmd_bench_mcp(args) -> int:
    from ..bench.mcp import run_mcp_bench

    if args.runs < 1:
        raise MolsysAIError(f"--runs must be at least 1 (got {args.runs})")
    _need_mcp()
    result = run_mcp_bench(_data_flags(args), runs=args.runs, query=args.query)
    write_json(result, args.json_out)
    print(json.dumps(result))
    return 0
