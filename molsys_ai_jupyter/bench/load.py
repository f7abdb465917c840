"""``molsys-ai bench load``: N streaming chat clients asking at once for S seconds.

Each client asks one question after another (``/v1/chat`` with ``"stream": true``)
until the time is up; the answers still running then are waited for (``wall_s``
says how long the run took in all). A token is one ``token`` event. Report:
n_requests, errors, TTFT and total time at the client (p50/p95 ms), tokens per
second (all streams together, and per stream while it generates), concurrency,
seconds, backend, model."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone

from ..errors import MolsysAIError
from .stats import latency_summary, percentile

DEFAULT_QUESTIONS = [
    "How do I convert 1 nanometer to angstroms with pyunitwizard?",
    "How do I get the RMSD of every frame of a trajectory against frame 0?",
    "How many water molecules are there in a system?",
    "How do I select the CA atoms of a protein?",
    "How do I remove the solvent from a molecular system?",
]
READY_PREFIX = "serving on "


async def ask_streaming(client, url: str, question: str, k: int = 3, headers: dict | None = None) -> dict:
    """One streamed question: what a user would see (status, first token, answer)."""
    started = time.perf_counter()
    row = {"question": question, "ok": False, "status": None, "ttft_ms": None, "total_ms": None, "tokens": 0,
           "error": None, "backend": None, "model": None}
    try:
        async with client.stream("POST", f"{url}/v1/chat", headers=headers,
                                 json={"question": question, "k": k, "stream": True}) as response:
            row["status"] = response.status_code
            if response.status_code != 200:
                body = (await response.aread()).decode(errors="replace")
                row["error"] = _error_kind(body, response.status_code)
                return row
            event, data = None, []
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    continue  # keep-alive comment
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and event:
                    payload = json.loads("\n".join(data) or "{}")
                    if event == "token":
                        row["tokens"] += 1
                        if row["ttft_ms"] is None:
                            row["ttft_ms"] = (time.perf_counter() - started) * 1000.0
                    elif event == "answer":
                        row["ok"] = True
                        row["backend"], row["model"] = payload.get("backend"), payload.get("model")
                    elif event == "error":
                        row["error"] = payload.get("kind", "error")
                    elif event == "done":
                        break
                    event, data = None, []
            if not row["ok"] and row["error"] is None:
                row["error"] = "no answer event"
    except Exception as exc:  # noqa: BLE001 - a failed request is a result here, not a crash
        row["error"] = f"{type(exc).__name__}: {exc}"[:200]
    row["total_ms"] = (time.perf_counter() - started) * 1000.0
    row["ok"] = row["ok"] and row["error"] is None
    return row


def _error_kind(body: str, status: int) -> str:
    try:
        return f"{status} {json.loads(body).get('kind')}"
    except (ValueError, AttributeError):
        return f"{status}"


async def _run(url: str, concurrency: int, seconds: float, questions: list[str], token: str | None, k: int,
               request_timeout: float) -> tuple[list[dict], float]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else None
    rows: list[dict] = []
    limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2)
    async with httpx.AsyncClient(timeout=httpx.Timeout(request_timeout, connect=30.0), limits=limits) as client:
        started = time.perf_counter()
        end = started + seconds

        async def one_client(i: int) -> None:
            n = i  # clients start on different questions
            while time.perf_counter() < end:
                rows.append(await ask_streaming(client, url, questions[n % len(questions)], k, headers))
                n += 1

        await asyncio.gather(*(one_client(i) for i in range(concurrency)))
        wall = time.perf_counter() - started
    return rows, wall


def run_load(url: str, concurrency: int = 20, seconds: float = 30.0, questions: list[str] | None = None,
             token: str | None = None, k: int = 3, request_timeout: float = 3600.0) -> dict:
    url = url.rstrip("/")
    questions = questions or DEFAULT_QUESTIONS
    rows, wall = asyncio.run(_run(url, concurrency, seconds, questions, token, k, request_timeout))
    ok = [r for r in rows if r["ok"]]
    ttft = [r["ttft_ms"] for r in ok if r["ttft_ms"] is not None]
    total = [r["total_ms"] for r in ok]
    per_stream = [r["tokens"] / ((r["total_ms"] - r["ttft_ms"]) / 1000.0)
                  for r in ok if r["ttft_ms"] is not None and r["total_ms"] - r["ttft_ms"] > 1.0 and r["tokens"] > 1]
    errors: dict[str, int] = {}
    for r in rows:
        if not r["ok"]:
            errors[r["error"]] = errors.get(r["error"], 0) + 1
    tokens = sum(r["tokens"] for r in ok)
    return {
        "url": url,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "concurrency": concurrency,
        "seconds": seconds,
        "wall_s": round(wall, 2),
        "n_requests": len(rows),
        "errors": len(rows) - len(ok),
        "error_kinds": errors,
        "backend": next((r["backend"] for r in ok), None),
        "model": next((r["model"] for r in ok), None),
        "ttft_ms": {"p50": round(percentile(ttft, 50), 1), "p95": round(percentile(ttft, 95), 1)},
        "total_ms": {"p50": round(percentile(total, 50), 1), "p95": round(percentile(total, 95), 1)},
        "tokens": tokens,
        "tokens_per_s": round(tokens / wall, 2) if wall else 0.0,
        "tokens_per_s_per_stream": latency_summary(per_stream),
        "answers_per_minute": round(len(ok) / wall * 60.0, 2) if wall else 0.0,
        "requests": [{k: (round(v, 1) if isinstance(v, float) else v) for k, v in r.items()} for r in rows],
    }


@contextmanager
def loopback_server(extra_flags: list[str], start_timeout: float = 300.0):
    """``molsys-ai serve --anonymous`` on a free loopback port (no real rate limit, and
    room for every client in the queue: the benchmark measures waiting, it does not
    time out); yields its URL and stops it afterwards."""
    command = [sys.executable, "-m", "molsys_ai_jupyter.cli.main", "serve", "--anonymous", "--port", "0",
               "--rate-limit", "1000000/minute", "--request-timeout", "3600", "--max-queue", "1000", *extra_flags]
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            url = _wait_ready(proc, start_timeout, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(proc, timeout: float, log) -> str:
    import threading

    found: list[str] = []
    reader = threading.Thread(target=lambda: found.extend(_ready_line(proc.stdout)), daemon=True)
    reader.start()
    reader.join(timeout)
    if found:
        return found[0].removeprefix(READY_PREFIX).split()[0]
    log.seek(0)
    tail = " | ".join(log.read().strip().splitlines()[-3:])
    raise MolsysAIError(f"the loopback chat API did not start within {timeout:g} s: {tail or 'no output'}",
                        "try `molsys-ai serve --anonymous` by hand to see why")


def _ready_line(stream):
    for line in stream:
        if line.startswith(READY_PREFIX):
            return [line.strip()]
    return []
