"""The real models: the embedded SmolLM2 in-process, the same GGUF behind llama.cpp's
OpenAI-compatible server (the protocol vLLM speaks), and end-to-end answers on the
real index — asserting what a user would check."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from molsys_ai_jupyter.assistant import Assistant
from molsys_ai_jupyter.llm.embedded import EmbeddedBackend
from molsys_ai_jupyter.llm.openai_backend import OpenAIBackend

pytestmark = pytest.mark.slow
HELLO = [{"role": "user", "content": "Say hello to a chemist."}]
SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


def test_openai_backend_streams_from_llama_server(llama_server):
    backend = OpenAIBackend(llama_server, timeout=60)
    stream = backend.stream(HELLO, max_tokens=24, temperature=0.0)
    pieces = list(stream)
    assert len(pieces) > 3 and stream.result.text == "".join(pieces)
    assert stream.result.ttft_ms > 0 and stream.result.total_ms >= stream.result.ttft_ms
    assert backend.model.endswith(".gguf")  # the served model was discovered


def test_structured_output_on_both_backends(llama_server):
    prompt = [{"role": "user", "content": "Give a JSON object with a name."}]
    embedded = EmbeddedBackend().complete(prompt, json_schema=SCHEMA, max_tokens=32, temperature=0.0)
    assert isinstance(json.loads(embedded.text)["name"], str)
    served = OpenAIBackend(llama_server).complete(prompt, json_schema=SCHEMA, max_tokens=64, temperature=0.0)
    assert served.text.lstrip().startswith("{")


@pytest.mark.parametrize(
    "question, symbol, page",
    [
        ("How do I get the RMSD of every frame of a trajectory against frame 0?", "molsysmt.structure.get_rmsd",
         "molsysmt/docs/contents/user/tools/structure/get_rmsd.ipynb"),
        ("How do I convert 1 nanometer to angstroms with pyunitwizard?", "pyunitwizard.convert", None),
    ],
)
def test_embedded_answer_is_cited_and_verified(real_index, question, symbol, page):
    settings, _ = real_index
    pieces: list[str] = []
    answer = Assistant(settings).ask(question, on_token=pieces.append)
    assert pieces and "".join(pieces).strip() == answer.draft  # the model's words streamed as they came
    assert answer.backend == "embedded" and answer.verification["ok"]
    assert symbol in answer.text  # the real function, by its full name
    assert answer.cited and all(1 <= n <= len(answer.sources) for n in answer.cited)
    assert all(s.url.startswith("https://") for s in answer.sources)
    if page:
        assert page in [s.path for s in answer.sources]
    assert f"[{answer.cited[0]}] " in answer.text.split("Sources:")[-1]


def test_the_models_own_supported_words_are_kept(real_index):
    """The embedded model's draft contributes: a sentence of it that the passages support is
    in the answer (a model that only says "I do not know" leaves nothing to keep)."""
    settings, _ = real_index
    answer = Assistant(settings).ask("How do I convert units with pyunitwizard?")
    assert answer.grounding["draft_sentences"] >= 1 and not answer.grounding["from_passages"]
    kept = answer.text.split("From the docs:")[0]
    assert "pyunitwizard" in kept.lower() and "`convert`" in kept


def test_off_topic_question_is_not_answered(real_index):
    settings, _ = real_index
    answer = Assistant(settings).ask("What is the capital of France?")
    assert answer.weak_retrieval and "could not find this" in answer.text


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "molsys_ai_jupyter.cli.main", *map(str, args)],
                          capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})})


def test_cli_ask_prints_the_checked_answer_once(real_index, llama_server):
    settings, _ = real_index
    proc = _cli("ask", "How do I select CA atoms with molsysmt?", "--llm-url", llama_server,
                "--data", settings.data_root, "--index-dir", settings.index_root)
    assert proc.returncode == 0, proc.stderr
    assert "Sources:\n[1]" in proc.stdout and "[openai:" in proc.stdout and "verified: all API names exist" in proc.stdout
    body, sources = proc.stdout.split("Sources:", 1)
    from molsys_ai_jupyter.assistant.citations import markers

    assert set(markers(body)) <= {int(n) for n in re.findall(r"^\[(\d+)\]", sources, re.M)}  # every [n] listed
    first = next(line for line in body.splitlines() if line.strip())
    assert proc.stdout.count(first) == 1  # the answer once: no draft printed before it


def test_cli_ask_dead_server_is_one_line(real_index):
    settings, _ = real_index
    proc = _cli("ask", "How do I select CA atoms?", "--llm-url", "http://127.0.0.1:9/v1", "--timeout", "3",
                "--data", settings.data_root, "--index-dir", settings.index_root)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith("error: cannot reach the language model server at http://127.0.0.1:9/v1")


def test_answers_bench_json(real_index, tmp_path):
    settings, _ = real_index
    questions = tmp_path / "q.jsonl"
    rows = [json.loads(line) for line in (settings.bench / "dev_questions.jsonl").read_text().splitlines()[:3]]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "answers.json"
    proc = _cli("bench", "answers", "--questions", questions, "--json", out,
                "--data", settings.data_root, "--index-dir", settings.index_root)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    for key in ("n", "answer_pass_rate", "mention_rate", "symbol_recall", "invented_symbol_rate",
                "citation_validity", "gold_source_cited_rate", "ttft_ms", "total_ms", "backend", "model"):
        assert key in result, key
    assert result["n"] == 3 and result["backend"] == "embedded"
    assert result["invented_symbol_rate"] == 0.0 and result["citation_validity"] == 1.0
    assert {"p50", "p95"} <= set(result["ttft_ms"])


def test_a_stream_closed_early_frees_the_embedded_model():
    """A reader that stops after one piece (a client that left) must not keep the
    model locked: the next generation, from another thread, completes."""
    import threading

    backend = EmbeddedBackend()
    with backend.stream(HELLO, max_tokens=64, temperature=0.0) as stream:
        first = next(iter(stream))
    assert first
    done = []
    worker = threading.Thread(target=lambda: done.append(backend.complete(HELLO, max_tokens=8).text))
    worker.start()
    worker.join(timeout=60)
    assert done and done[0], "the model stayed locked by the abandoned stream"
