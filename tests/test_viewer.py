"""The 3D view after a run: an nglview widget of the trajectory the run produced, in
notebook front ends only, off with --no-view, one line when nglview is missing."""

from __future__ import annotations

import json
import sys
import warnings

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from molsys_ai_jupyter.agent.agent import AgentResult
from molsys_ai_jupyter.viewer import show_structure, structure_of
from support.fake_llm import FakeLLM

WIDGET = "application/vnd.jupyter.widget-view+json"
RESIDUES = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})


@pytest.fixture
def shell(monkeypatch, tmp_path, real_settings):
    (tmp_path / "1vii.pdb").symlink_to(real_settings.structures / "1vii.pdb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(tmp_path / "none.toml"))
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "molsys_ai_jupyter")
    yield ip
    InteractiveShell.clear_instance()


@pytest.fixture
def notebook(monkeypatch):
    monkeypatch.setattr("molsys_ai_jupyter.display.in_notebook", lambda shell: True)


def _views(outputs) -> list[dict]:
    """The nglview widgets displayed (nglview's first import also displays a helper widget)."""
    return [o.data for o in outputs if WIDGET in o.data and o.data["text/plain"].startswith("NGLWidget")]


def _run(shell, options: str):
    with FakeLLM([RESIDUES]) as fake:
        shell.run_line_magic("config", f"MolsysAI.llm_url = {fake.url!r}")
        with capture_output() as cell:
            outcome = shell.run_cell(f"%%molsys --yes {options}\nHow many residues are in 1vii.pdb?")
    assert outcome.error_in_exec is None and shell.user_ns["_molsys_last"].ok
    return cell


def test_a_run_that_loads_a_trajectory_shows_it_in_a_notebook(shell, notebook):
    views = _views(_run(shell, "").outputs)
    assert len(views) == 1 and views[0]["text/plain"].startswith("NGLWidget")


def test_no_view_turns_it_off(shell, notebook):
    assert _views(_run(shell, "--no-view").outputs) == []


def test_no_view_in_a_terminal(shell):
    assert _views(_run(shell, "").outputs) == []


def _trajectory(real_settings):
    import mdtraj as md

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return md.load(str(real_settings.structures / "1vii.pdb"))


def test_the_structure_the_code_made_last_is_shown(real_settings):
    traj = _trajectory(real_settings)
    code = "traj = md.load('1vii.pdb')\nstripped = traj.atom_slice(kept)\nanswer = 1\n"
    result = AgentResult(task="t", ok=True, code=code, new_variables=["answer", "stripped", "traj"])
    namespace = {"traj": traj, "stripped": traj.atom_slice(range(10)), "answer": 1}
    assert structure_of(result, namespace) == "stripped"
    result.new_variables = ["answer"]
    assert structure_of(result, namespace) is None  # only what the run made or changed
    result.changed_variables = ["traj"]
    assert structure_of(result, namespace) == "traj"


def test_a_missing_nglview_is_one_line(real_settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "nglview", None)  # import nglview raises ImportError
    result = AgentResult(task="t", ok=True, code="traj = 1", new_variables=["traj"])
    said, shown = [], []
    assert show_structure(result, {"traj": _trajectory(real_settings)}, emit=shown.append, say=said.append) is None
    assert shown == [] and len(said) == 1 and said[0].startswith("no 3D view of traj: nglview cannot be imported")
