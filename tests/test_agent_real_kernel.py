"""End to end on the real embedded model (no scripted replies, no server): a notebook
with ``%load_ext molsys_ai_jupyter`` and ``%%molsys --yes`` run by a real kernel in a
folder holding a copy of the task's file gets the dev set's answer."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from molsys_ai_jupyter.agent.scoring import within
from molsys_ai_jupyter.config import load_settings
from molsys_ai_jupyter.errors import MolsysAIError

pytestmark = pytest.mark.slow


def _dev_tasks() -> dict:
    path = load_settings().bench / "dev_agent_tasks.jsonl"
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["id"]: row for row in rows}


@pytest.fixture(scope="module")
def embedded_model():
    from molsys_ai_jupyter.llm.embedded import packaged_gguf

    try:
        return packaged_gguf()
    except MolsysAIError as exc:
        pytest.fail(f"the embedded model is missing: {exc}")


@pytest.fixture
def no_server(monkeypatch, tmp_path):
    """The kernel inherits this environment: no server URL, no config file."""
    for name in ("MOLSYS_AI_LLM_URL", "MOLSYS_AI_MODEL", "MOLSYS_AI_API_KEY", "MOLSYS_AI_GGUF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(tmp_path / "none.toml"))


def test_molsys_cells_answer_the_easy_dev_tasks(real_settings, embedded_model, no_server, tmp_path):
    """One notebook, one kernel, a ``%%molsys --yes`` cell per easy dev task, as a user
    would write them one after the other in a folder holding the files."""
    tasks = [t for t in _dev_tasks().values() if t.get("difficulty") == "easy"]
    assert len(tasks) >= 2, f"no easy tasks in {real_settings.bench / 'dev_agent_tasks.jsonl'}"
    folder = tmp_path / "work"
    folder.mkdir()
    for name in {name for task in tasks for name in task["files"]}:
        shutil.copyfile(real_settings.structures / name, folder / name)
    report = ("import json\nprint(json.dumps({'ok': _molsys_last.ok, 'task': _molsys_last.task, "
              "'final_answer': _molsys_last.to_dict()['final_answer'], "
              "'backend': get_ipython().find_cell_magic('molsys').__self__.assistant().backend.name}))")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext molsys_ai_jupyter")]
    for task in tasks:
        nb.cells += [nbformat.v4.new_code_cell(f"%%molsys --yes\n{task['task']}"), nbformat.v4.new_code_cell(report)]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    for number, task in enumerate(tasks):
        cell = nb.cells[2 + 2 * number]
        printed = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        last = json.loads(printed.strip().splitlines()[-1])
        assert last["backend"] == "embedded" and last["task"] == task["task"]
        assert last["ok"] and within(last["final_answer"], task["answer"], task["tolerance"]), \
            (task["id"], last, nb.cells[1 + 2 * number].outputs)


def test_a_request_the_catalogue_cannot_serve_gets_no_number(real_settings, embedded_model, no_server, tmp_path):
    """The default design with the embedded model configured: a request with a word no plan
    accounts for ("pKa") ends in "I did not understand …" — no code runs and no number is
    shown — and a request it does understand, in the same kernel, is answered."""
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copyfile(real_settings.structures / "1tcd.pdb", folder / "1tcd.pdb")
    report = ("import json\nprint(json.dumps({'ok': _molsys_last.ok, 'outcome': _molsys_last.outcome, "
              "'final_answer': _molsys_last.final_answer, 'code': _molsys_last.code, "
              "'answer_set': 'answer' in dir(), "
              "'backend': get_ipython().find_cell_magic('molsys').__self__.assistant().backend.name}))")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (
        "%load_ext molsys_ai_jupyter", "%%molsys --yes\nWhat is the pKa of His 95 in 1tcd.pdb?", report,
        "%%molsys --yes\nHow many water molecules are in 1tcd.pdb?", report)]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()

    def printed(index):
        return "".join(o.get("text", "") for o in nb.cells[index].outputs if o.get("output_type") == "stream")

    assert "I did not understand “pKa”" in printed(1)
    refused = json.loads(printed(2).strip().splitlines()[-1])
    assert refused == {"ok": False, "outcome": "not understood", "final_answer": None, "code": "",
                       "answer_set": False, "backend": "embedded"}
    answered = json.loads(printed(4).strip().splitlines()[-1])
    assert answered["ok"] and answered["final_answer"] == 165 and answered["outcome"] == "answered"
