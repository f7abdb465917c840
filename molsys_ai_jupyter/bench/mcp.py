"""``molsys-ai bench mcp``: how fast ``molsys-ai mcp`` answers over stdio.

- ``initialize_ms``: from starting the server process to its answer to ``initialize``, each of
  ``runs`` fresh processes timed by the SDK's own client (median, min, max);
- ``first_search_ms``: the first ``search_docs`` call of a fresh server, right after
  ``initialize`` (the index starts loading in the background when the server starts; the call
  waits for what is left), and ``warm_search_ms``: the same call again;
- ``index_load_ms``: what loading the index costs anyway: a fresh ``molsys-ai search`` process
  answering the same query (imports, index and encoder load, one query; median of three), so
  that ``first_search_within_index_load`` tells whether the server's first search costs more.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import anyio


def server_parameters(flags: list[str], root: str):
    from mcp import StdioServerParameters

    args = ["-m", "molsys_ai_jupyter.cli.main", "mcp", "--root", root, *flags]
    return StdioServerParameters(command=sys.executable, args=args, env=dict(os.environ))


async def _one_run(params, query: str | None) -> dict:
    import jsonschema  # noqa: F401 - the client checks each tool result with it: a one-off second of the client's,
    from mcp import Client  # imported before the clock starts so that the server's time is what is measured

    started = time.perf_counter()
    async with Client(params, mode="legacy") as client:
        row = {"initialize_ms": (time.perf_counter() - started) * 1000.0}
        if query:
            for key in ("first_search_ms", "warm_search_ms"):
                began = time.perf_counter()
                result = await client.call_tool("search_docs", {"query": query, "k": 5})
                row[key] = (time.perf_counter() - began) * 1000.0
                if result.is_error:
                    raise RuntimeError(f"search_docs failed: {result.content[0].text}")
                row["top_url"] = result.structured_content["passages"][0]["url"]
    return row


def _index_load_ms(flags: list[str], query: str) -> float:
    command = [sys.executable, "-m", "molsys_ai_jupyter.cli.main", "search", query, "-k", "5", *flags]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"molsys-ai search failed: {done.stderr.strip()[-500:]}")
    return (time.perf_counter() - began) * 1000.0


def run_mcp_bench(flags: list[str], runs: int = 5, query: str = "How do I compute the RMSD of a trajectory?") -> dict:
    with tempfile.TemporaryDirectory(prefix="molsys-mcp-bench-") as root:
        params = server_parameters(flags, root)
        starts = [anyio.run(_one_run, params, None)["initialize_ms"] for _ in range(runs)]
        searched = anyio.run(_one_run, params, query)
    load = statistics.median(_index_load_ms(flags, query) for _ in range(3))
    return {
        "runs": runs,
        "initialize_ms": {"median": round(statistics.median(starts), 1), "min": round(min(starts), 1),
                          "max": round(max(starts), 1)},
        "first_search_ms": round(searched["first_search_ms"], 1),
        "warm_search_ms": round(searched["warm_search_ms"], 1),
        "index_load_ms": round(load, 1),
        "first_search_within_index_load": searched["first_search_ms"] <= load,
        "query": query,
        "top_url": searched["top_url"],
        "python": sys.version.split()[0],
    }
