"""The IPython extension in a real InteractiveShell and a real kernel: instant load,
%config settings, %molsys ask with citations, clear errors for malformed magics."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbclient import NotebookClient

from support.fake_llm import FakeLLM


@pytest.fixture
def shell(monkeypatch, tmp_path):
    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(tmp_path / "none.toml"))
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "molsys_ai_jupyter")
    yield ip
    InteractiveShell.clear_instance()


def _configure(ip, settings, url):
    for name, value in (("data_root", settings.data_root), ("index_root", settings.index_root), ("llm_url", url)):
        ip.run_line_magic("config", f"MolsysAI.{name} = {str(value)!r}")


def test_load_ext_imports_nothing_heavy():
    code = (
        "import sys, json\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "ip.run_line_magic('load_ext', 'molsys_ai_jupyter')\n"
        "heavy = ['torch', 'haystack', 'chromadb', 'sentence_transformers', 'llama_cpp', 'openai', 'numpy',\n"
        "         'ipywidgets', 'nglview', 'mdtraj']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_config_reaches_the_settings(shell):
    from molsys_ai_jupyter.config import load_settings

    shell.run_line_magic("config", "MolsysAI.llm_url = 'http://gpu-node:8000/v1'")
    assert load_settings().llm_url == "http://gpu-node:8000/v1"


def test_ask_streams_and_keeps_the_answer(shell, mini_index, capsys):
    with FakeLLM(["Use the get function [1]."]) as fake:
        _configure(shell, mini_index, fake.url)
        shell.run_line_magic("molsys", "ask how many water molecules are there?")
    out = capsys.readouterr().out
    assert "Use the get function [1]." in out and "Sources:\n[1]" in out
    answer = shell.user_ns["_molsys_last_answer"]
    assert answer.sources[0].url.startswith("https://example.org/mini/content/waters.html")


@pytest.mark.parametrize(
    "line, message",
    [("frobnicate", "unknown subcommand 'frobnicate'"), ("ask", "needs a question"),
     ('export "unclosed', "cannot read the arguments"), ("config llm_url=x", "%config MolsysAI")],
)
def test_malformed_magics_are_usage_errors(shell, line, message, capsys):
    result = shell.run_cell(f"%molsys {line}")
    assert result.error_in_exec is not None and message in str(result.error_in_exec)
    assert "Traceback" not in capsys.readouterr().out


def test_a_question_mark_is_part_of_the_question(shell, mini_index, capsys):
    with FakeLLM(["Use get [1]."]) as fake:
        _configure(shell, mini_index, fake.url)
        shell.run_cell("%molsys ask how many water molecules are there?")
        assert "how many water molecules are there?" in fake.requests[0]["messages"][-1]["content"]
    assert "not found" not in capsys.readouterr().out  # not read as a help request for 'there'


def test_backend_down_is_one_clear_line(shell, mini_index, capsys):
    _configure(shell, mini_index, "http://127.0.0.1:9/v1")
    shell.run_line_magic("config", "MolsysAI.llm_timeout = 2.0")
    result = shell.run_cell("%molsys ask how many water molecules are there?")
    assert "cannot reach the language model server" in str(result.error_in_exec)


def test_real_kernel_renders_the_answer_as_safe_html(mini_index):
    with FakeLLM(["Count them with get [1]. <img src=x onerror=alert(1)>"]) as fake:
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell("%load_ext molsys_ai_jupyter"),
            nbformat.v4.new_code_cell(
                f"%config MolsysAI.data_root = {str(mini_index.data_root)!r}\n"
                f"%config MolsysAI.index_root = {str(mini_index.index_root)!r}\n"
                f"%config MolsysAI.llm_url = {fake.url!r}"
            ),
            nbformat.v4.new_code_cell("%molsys ask how many water molecules are there?"),
            nbformat.v4.new_code_cell("%molsys nonsense"),
        ]
        NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True).execute()
    outputs = nb.cells[2].outputs
    html = [o for o in outputs if o.get("data", {}).get("text/html")]
    assert html and not [o for o in outputs if o.get("data", {}).get("text/markdown")], outputs
    final = html[-1]["data"]
    assert "Count them with get [1]." in final["text/plain"] and "Counting waters" in final["text/plain"]
    assert 'href="https://example.org/mini/content/waters.html' in final["text/html"]
    assert "<img" not in final["text/html"] and "&lt;img" in final["text/html"]  # the model's tag is text
    error = "".join(o.get("text", "") for o in nb.cells[3].outputs)
    assert "UsageError: unknown subcommand 'nonsense'" in error and "Traceback" not in error


def test_cell_magic_runs_a_task_in_the_shell(shell, real_settings, tmp_path, monkeypatch, capsys):
    (tmp_path / "1vii.pdb").symlink_to(real_settings.structures / "1vii.pdb")
    monkeypatch.chdir(tmp_path)
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        shell.run_line_magic("config", f"MolsysAI.llm_url = {fake.url!r}")
        shell.run_cell("%%molsys --dry-run\nHow many residues are in 1vii.pdb?")
        assert "answer" not in shell.user_ns and "dry run" in capsys.readouterr().out
        monkeypatch.setattr("builtins.input", lambda prompt: "n")
        shell.run_cell("%%molsys\nHow many residues are in 1vii.pdb?")
        assert "answer" not in shell.user_ns and "not approved" in capsys.readouterr().out
        shell.run_cell("%%molsys --yes\nHow many residues are in 1vii.pdb?")
        assert shell.user_ns["answer"] == 36 and shell.user_ns["_molsys_last"].final_answer == 36
        out = capsys.readouterr().out
        assert "answer: 36" in out and "NGLWidget" not in out  # a terminal gets no 3D view
        # a terminal prints the status lines as they come, the plan in words before anything runs
        assert out.index("reading the request…") < out.index("plan: In 1vii.pdb: count all the residues") \
            < out.index("checking…") < out.index("running…") < out.index("done in")
        assert not fake.requests  # the plans design reads the request itself: the model is not asked


def test_model_option_with_the_embedded_model_is_ignored(shell, monkeypatch, capsys):
    from types import SimpleNamespace

    from molsys_ai_jupyter.magics import MolsysMagics

    embedded = SimpleNamespace(name="embedded", model="SmolLM2-135M")
    monkeypatch.setattr(MolsysMagics, "assistant", lambda self: SimpleNamespace(backend=embedded))
    magics = shell.magics_manager.registry["MolsysMagics"]
    assert magics._backend("big-model") is embedded and magics._backend(None) is embedded
    assert "--model big-model is ignored: the embedded model answers" in capsys.readouterr().out


def test_usage_names_the_options(shell, capsys):
    shell.run_line_magic("molsys", "help")
    usage = capsys.readouterr().out
    assert all(option in usage for option in ("--yes", "-k N", "--model M", "--no-view", "Run / Edit / Cancel"))
    assert "need 0 or more" in str(shell.run_cell("%%molsys -k -1\ntask").error_in_exec)


def test_cell_magic_bad_options_and_empty_task(shell):
    assert "unrecognized arguments" in str(shell.run_cell("%%molsys --frobnicate\ntask").error_in_exec)
    assert "write the task" in str(shell.run_cell("%%molsys --yes\n   ").error_in_exec)


def test_history_and_export_rerun_top_to_bottom(shell, real_settings, tmp_path, monkeypatch, capsys):
    for name in ("1vii.pdb", "181l.pdb"):
        (tmp_path / name).symlink_to(real_settings.structures / name)
    monkeypatch.chdir(tmp_path)
    replies = [json.dumps({"recipe": "count_residues", "file": "1vii.pdb"}),
               json.dumps({"recipe": "sequence", "file": "181l.pdb", "chain_id": "A"})]
    with FakeLLM(replies) as fake:
        shell.run_line_magic("config", f"MolsysAI.llm_url = {fake.url!r}")
        shell.run_cell("%%molsys --yes\nHow many residues are in 1vii.pdb?")
        shell.run_cell("%%molsys --yes\nSequence of chain A of 181l.pdb")
        shell.run_line_magic("molsys", "history")
        assert "1. How many residues are in 1vii.pdb? → answer 36" in capsys.readouterr().out
        for name in ("run.ipynb", "run.py", "run.json"):
            shell.run_line_magic("molsys", f"export {name}")
    assert "got '.txt'" in str(shell.run_cell("%molsys export bad.txt").error_in_exec)
    nb = nbformat.read(str(tmp_path / "run.ipynb"), as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    results = [o["data"]["text/plain"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if o.get("output_type") == "execute_result"]
    assert results[0] == "36" and results[1].startswith("'MNIFEMLRIDEGLRLKIYKDTEGYYTIGIGHL")
    script = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert script.stdout.splitlines()[0] == "1 36"
    runs = json.loads((tmp_path / "run.json").read_text())
    assert [r["final_answer"] for r in runs][0] == 36 and runs[1]["plan"]["steps"][1] == {"op": "compute", "quantity": "sequence", "chain": "A"}
