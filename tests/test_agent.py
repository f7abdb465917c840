"""The agent loop with a scripted model (deterministic control flow) and a real IPython
shell running real MDTraj code on the shared structure files."""

from __future__ import annotations

import json

import pytest
from IPython.core.interactiveshell import InteractiveShell

from fake_llm import FakeLLM
from molsys_ai_jupyter.agent.agent import Agent
from molsys_ai_jupyter.agent.planner import clean_params, schema_for, shortlist
from molsys_ai_jupyter.agent.recipes import CATALOGUE
from molsys_ai_jupyter.llm.openai_backend import OpenAIBackend


@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    yield ip
    InteractiveShell.clear_instance()


@pytest.fixture
def folder(tmp_path, real_settings):
    for name in ("1vii.pdb", "181l.pdb"):
        (tmp_path / name).symlink_to(real_settings.structures / name)
    return tmp_path


def _agent(fake, **kwargs):
    return Agent(OpenAIBackend(fake.url, retries=0, timeout=10), **kwargs)


def test_runs_the_chosen_recipe_and_reports(shell, folder):
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        result = _agent(fake).run("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False)
        schema = fake.requests[0]["response_format"]["json_schema"]["schema"]
    assert result.ok and result.final_answer == 36 and len(result.attempts) == 1
    assert shell.user_ns["_molsys_last"] is result and shell.user_ns["answer"] == 36
    assert "answer" in result.new_variables and "md.load('1vii.pdb')" in result.code
    files = {opt["properties"]["file"]["enum"][0] for opt in schema["anyOf"]}
    assert files == {"1vii.pdb"}  # the model may only name the file the task names


def test_repairs_after_an_error(shell, folder):
    bad = json.dumps({"recipe": "count_atoms", "file": "1vii.pdb", "selection": "resname ((("})
    good = json.dumps({"recipe": "count_atoms", "file": "1vii.pdb", "selection": "name CA"})
    with FakeLLM([bad, good]) as fake:
        result = _agent(fake).run("How many CA atoms are in 1vii.pdb?", shell, workdir=folder, show=False)
        second_prompt = fake.requests[1]["messages"][-1]["content"]
    assert result.ok and result.final_answer == 36 and len(result.attempts) == 2
    assert result.attempts[0].error and "previous attempt failed" in second_prompt


def test_gives_up_after_max_repairs(shell, folder):
    with FakeLLM([json.dumps({"recipe": "no_such_recipe", "file": "1vii.pdb"})]) as fake:
        result = _agent(fake, max_repairs=1).run("Count residues of 1vii.pdb", shell, workdir=folder, show=False)
    assert not result.ok and len(result.attempts) == 2 and "unknown recipe" in result.message


def test_user_variables_are_not_overwritten_without_consent(shell, folder):
    shell.user_ns["traj"] = "my precious trajectory"
    reply = json.dumps({"recipe": "count_frames", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        refused = _agent(fake).run("How many frames in 1vii.pdb?", shell, workdir=folder, show=False)
        assert not refused.ok and "replaces your variable 'traj'" in refused.message
        assert shell.user_ns["traj"] == "my precious trajectory"
        allowed = _agent(fake).run("How many frames in 1vii.pdb?", shell, workdir=folder, show=False,
                                   approve=lambda code, findings: True)
    assert allowed.ok and allowed.final_answer == 1 and "traj" in allowed.changed_variables


def test_small_model_noise_is_dropped():
    recipe = CATALOGUE["strip"]
    cleaned = clean_params(recipe, {"file": "a.pdb", "save_as": "new file name in the working folder",
                                    "remove": "water", "colour": "red"})
    assert cleaned == {"file": "a.pdb", "remove": "water"}
    assert clean_params(CATALOGUE["sequence"], {"chain_id": "A,HOH,protein"}) == {}


def test_shortlist_and_schema():
    names = [r.name for r in shortlist("radius of gyration of ala3.pdb")]
    assert names[0] == "radius_of_gyration"
    schema = schema_for([CATALOGUE["count_atoms"]], ["a.pdb"])
    assert schema["anyOf"][0]["properties"]["recipe"] == {"const": "count_atoms"}


def test_freeform_design_runs_the_models_code_and_repairs_syntax(shell, folder):
    broken = "```python\nimport mdtraj as md\nanswer = (\n```"
    good = "Here:\n```python\nimport mdtraj as md\nanswer = md.load('1vii.pdb').n_residues\n```"
    with FakeLLM([broken, good]) as fake:
        result = _agent(fake, design="freeform").run("How many residues in 1vii.pdb?", shell, workdir=folder,
                                                     show=False, approve=lambda code, findings: True)
    assert result.ok and result.final_answer == 36 and len(result.attempts) == 2
    assert result.attempts[0].error.startswith("SyntaxError")


def test_unknown_design_is_refused():
    with pytest.raises(ValueError, match="unknown agent design"):
        Agent(None, design="magic")


def test_running_the_same_task_twice_succeeds_twice(shell, folder):
    reply = json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})
    with FakeLLM([reply]) as fake:
        first = _agent(fake).run("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False)
        again = _agent(fake).run("How many residues are in 1vii.pdb?", shell, workdir=folder, show=False)
    # the agent replaces its own earlier variables without asking, and says so
    assert first.ok and again.ok and again.final_answer == 36 and len(again.attempts) == 1
    assert "traj" in again.changed_variables
    assert shell.user_ns["_molsys_history"] == [first, again]
