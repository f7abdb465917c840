"""The command line: working commands, and one-line errors (no traceback) for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def molsys_ai(*args, env=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "molsys_ai_jupyter.cli.main", *map(str, args)],
        capture_output=True, text=True, env=full_env, timeout=300,
    )


def assert_one_line_error(proc, fragment):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert fragment in lines[0]
    assert "Traceback" not in proc.stderr


def _index_flags(settings):
    return ["--data", settings.data_root, "--index-dir", settings.index_root]


def test_search_text_and_json(mini_index):
    proc = molsys_ai("search", "remove the waters", "-k", "2", *_index_flags(mini_index))
    assert proc.returncode == 0, proc.stderr
    assert "[1] mini ›" in proc.stdout and "https://example.org/mini/content/waters.html" in proc.stdout
    proc = molsys_ai("search", "select atoms by name", "--json", *_index_flags(mini_index))
    data = json.loads(proc.stdout)
    assert data["hits"] and data["api"][0]["symbol"] == "mini.select"
    assert {"url", "path", "score", "content", "kind", "title", "headings"} <= set(data["hits"][0])


def test_index_info(mini_index):
    proc = molsys_ai("index", "info", *_index_flags(mini_index))
    assert proc.returncode == 0 and "abc123" in proc.stdout and "chunks" in proc.stdout
    data = json.loads(molsys_ai("index", "info", "--json", *_index_flags(mini_index)).stdout)
    assert data["corpus_commits"] == {"mini": "abc123"}


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["index", "build", "--corpus", "/no/such/corpus"], "corpus folder not found: /no/such/corpus"),
        (["search", "", "--data", "/no/such"], "empty query"),
        (["search", "waters", "--index-dir", "/no/such/indexes"], "no index at /no/such/indexes/molsyssuite"),
        (["index", "build", "--max-tokens", "999"], "--max-tokens must be between"),
        (["bench", "retrieval", "--questions", "/no/such.jsonl", "--index-dir", "/no/such"], "questions file not found"),
    ],
)
def test_one_line_errors(args, fragment):
    assert_one_line_error(molsys_ai(*args), fragment)


def test_unknown_project_and_corrupt_index(mini_index, tmp_path):
    proc = molsys_ai("search", "waters", "--project", "nope", *_index_flags(mini_index))
    assert_one_line_error(proc, "unknown project 'nope'")
    broken = tmp_path / "indexes" / "molsyssuite"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("garbage")
    proc = molsys_ai("search", "waters", "--index-dir", tmp_path / "indexes")
    assert_one_line_error(proc, "is unreadable")


def test_doctor_reports_each_check(mini_index, tmp_path):
    proc = molsys_ai("doctor", "--json", *_index_flags(mini_index))
    checks = {c["name"]: c for c in json.loads(proc.stdout)}
    assert checks["corpus"]["ok"] and checks["index"]["ok"]
    # the toy corpus is not the pinned MolSysSuite snapshot: said, without failing the run
    sources = checks["corpus sources"]
    assert not sources["ok"] and sources["optional"] and "molsysmt missing (pinned 7899b6aeaf23)" in sources["detail"]
    assert proc.returncode == 0, proc.stdout
    proc = molsys_ai("doctor", "--data", tmp_path / "nowhere", "--index-dir", tmp_path / "noindex")
    assert proc.returncode == 1
    assert "corpus" in proc.stdout and "fix:" in proc.stdout


class TestPolicyCommands:
    def test_policy_check_gives_each_reason_and_exit_1(self, tmp_path):
        code = tmp_path / "cell.py"
        code.write_text("import os\nos.system('ls')\n")
        out = subprocess.run([sys.executable, "-m", "molsys_ai_jupyter.cli.main", "policy", "check", str(code),
                              "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=120)
        assert out.returncode == 1 and "line 2: runs a shell command — calls os.system()" in out.stdout

    def test_policy_check_of_safe_code_exit_0(self, tmp_path):
        out = subprocess.run([sys.executable, "-m", "molsys_ai_jupyter.cli.main", "policy", "check", "-",
                              "--workdir", str(tmp_path)], input="import numpy as np\nanswer = np.pi\n",
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0 and "runs without asking" in out.stdout

    def test_bench_policy_scores_a_set(self, tmp_path):
        snippets = tmp_path / "set.json"
        snippets.write_text(json.dumps({"snippets": [{"id": "a", "category": "shell", "code": "!ls"},
                                                     {"id": "b", "category": "shell", "code": "x = 1"}],
                                        "controls": [{"id": "c", "code": "answer = 1"}]}))
        out = subprocess.run([sys.executable, "-m", "molsys_ai_jupyter.cli.main", "bench", "policy", "--snippets",
                              str(snippets), "--json", str(tmp_path / "r.json")], capture_output=True, text=True,
                             timeout=120)
        result = json.loads((tmp_path / "r.json").read_text())
        assert out.returncode == 0 and result["flagged"] == 1 and result["missed"] == ["b"]
        assert result["controls_asked"] == []


def test_a_streamed_draft_is_replaced_by_the_answer():
    """In a terminal the draft streams into a transient view that is erased, then the
    checked answer is printed once (``molsys-ai ask``)."""
    import io

    from rich.console import Console

    from molsys_ai_jupyter.cli.render import ask_streaming

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)

    def ask(on_token):
        for piece in ("The answer ", "is: ", "msm.select [4]"):
            on_token(piece)
        return "checked"

    assert ask_streaming(ask, console=console) == "checked"
    shown = screen.getvalue()
    assert "msm.select [4]" in shown  # the draft was on screen while it streamed
    assert shown.rindex("\x1b[2K") > shown.rindex("[4]")  # and erased after it: only the answer stays
