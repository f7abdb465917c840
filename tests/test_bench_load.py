"""`molsys-ai bench load`: streaming clients against the chat API — a short run on its own
loopback `serve` with the fake LLM (the report's figures), and failures counted as errors."""

from __future__ import annotations

import json

from molsys_ai_jupyter.bench.load import run_load
from molsys_ai_jupyter.chat_api import parse_rate_limit
from molsys_ai_jupyter.cli.main import main
from support.chat_api import QUESTION, REPLY, options_for, serving
from support.fake_llm import FakeLLM

KEYS = {"url", "created_utc", "concurrency", "seconds", "wall_s", "n_requests", "errors", "error_kinds", "backend",
        "model", "ttft_ms", "total_ms", "tokens", "tokens_per_s", "tokens_per_s_per_stream", "answers_per_minute",
        "requests"}


def test_bench_load_on_its_own_loopback_server(mini_index, tmp_path, capsys):
    out = tmp_path / "load.json"
    with FakeLLM([REPLY]) as fake:
        code = main(["bench", "load", "--concurrency", "4", "--seconds", "5", "--question", QUESTION,
                     "--llm-url", fake.url, "--data", str(mini_index.data_root), "--index-dir",
                     str(mini_index.index_root), "--json", str(out)])
    result = json.loads(out.read_text())
    assert code == 0 and set(result) == KEYS
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["n_requests"] == result["n_requests"]
    assert result["concurrency"] == 4 and result["seconds"] == 5 and 5 <= result["wall_s"] < 30
    assert result["n_requests"] >= 4 and result["errors"] == 0 and result["error_kinds"] == {}
    assert result["backend"] == "openai" and result["model"] == "fake-model"
    assert 0 < result["ttft_ms"]["p50"] <= result["ttft_ms"]["p95"]
    assert result["ttft_ms"]["p50"] <= result["total_ms"]["p50"] <= result["total_ms"]["p95"]
    words = len(REPLY.split(" "))  # the fake streams one word per event
    assert all(r["tokens"] == words and r["ok"] for r in result["requests"])
    assert result["tokens"] == words * result["n_requests"]
    assert result["tokens_per_s"] > 0 and result["tokens_per_s_per_stream"]["p50"] > 0
    assert {r["question"] for r in result["requests"]} == {QUESTION}


def test_refused_requests_are_counted_as_errors(mini_index, tmp_path):
    with FakeLLM([REPLY]) as fake:
        options = options_for(mini_index, fake.url, tmp_path, tokens=(), anonymous=True, warm_up=True,
                              rate_limit=parse_rate_limit("3/minute"))
        with serving(options) as (url, _):
            result = run_load(url, concurrency=2, seconds=1.5, questions=[QUESTION])
    assert result["n_requests"] > 3 and result["n_requests"] - result["errors"] == 3
    assert result["error_kinds"] == {"429 rate_limited": result["errors"]}
