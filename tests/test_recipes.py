"""The recipe catalogue (plan templates): each recipe, with the parameters a selector should
fill for the public dev tasks, reproduces the task's reference answer when its plan's MDTraj
code runs; molsysmt renderings use only real API; parameters can never become code."""

from __future__ import annotations

import json

import pytest

from molsys_ai_jupyter.agent.recipes import CATALOGUE
from molsys_ai_jupyter.agent.scoring import within
from molsys_ai_jupyter.config import load_settings
from molsys_ai_jupyter.knowledge.registry import load_registry
from molsys_ai_jupyter.knowledge.verifier import verify_code
from molsys_ai_jupyter.policy import check_policy
from support.dev_task_plans import DEV_TASK_PLANS


def _tasks():
    settings = load_settings()
    lines = (settings.bench / "dev_agent_tasks.jsonl").read_text().splitlines()
    return {t["id"]: t for t in map(json.loads, lines)}


@pytest.mark.needs_corpus
@pytest.mark.parametrize("task_id", sorted(DEV_TASK_PLANS))
def test_recipe_reproduces_the_reference_answer(task_id, tmp_path, monkeypatch):
    task = _tasks()[task_id]
    name, values = DEV_TASK_PLANS[task_id]
    structures = load_settings().structures
    for key in ("file", "topology"):
        if key in values:
            values = {**values, key: str(structures / values[key])}
    code = CATALOGUE[name].render(values)
    assert check_policy(code, workdir=structures) == []  # the files are read where they are
    monkeypatch.chdir(tmp_path)  # a saved file lands in the working folder
    namespace: dict = {}
    exec(compile(code, f"<{name}>", "exec"), namespace)  # noqa: S102 - our own rendered recipe
    assert within(namespace["answer"], task["answer"], task["tolerance"]), (namespace["answer"], task["answer"])


@pytest.mark.needs_corpus
@pytest.mark.parametrize("name", sorted(n for n, r in CATALOGUE.items() if r.molsysmt))
def test_molsysmt_renderings_use_only_real_api(name):
    registry = load_registry(load_settings().corpus)
    recipe = CATALOGUE[name]
    values = {p: ("x.pdb" if spec.kind == "file" and spec.required else spec.default)
              for p, spec in recipe.all_params().items()}
    report = verify_code(recipe.render(values, engine="molsysmt"), registry)
    assert report.ok, report.issues
    assert any(s.startswith("molsysmt.") for s in report.symbols_used)


def test_parameters_cannot_inject_code(tmp_path):
    hostile = "all'); import os; os.system('rm -rf ~') #"
    code = CATALOGUE["count_atoms"].render({"file": "1vii.pdb", "selection": hostile})
    assert check_policy(code, workdir=tmp_path) == []  # the payload is only a string literal
    assert repr(hostile) in code


def test_bad_parameters_are_clear_errors():
    with pytest.raises(ValueError, match="does not take colour"):
        CATALOGUE["count_atoms"].render({"file": "a.pdb", "colour": "red"})
    with pytest.raises(ValueError, match="needs file"):
        CATALOGUE["count_atoms"].render({})
    with pytest.raises(ValueError, match="no molsysmt implementation"):
        CATALOGUE["hbond_count"].render({"file": "a.pdb"}, engine="molsysmt")


def test_scoring_rules():
    assert within(36, 36, {"abs": 0}) and not within(35, 36, {"abs": 0})
    assert within(3.80, 3.7737, {"rel": 0.01}) and not within(3.9, 3.7737, {"rel": 0.01})
    assert within([20.0, 1.0], [20.0, 1.0005], {"abs": 0.001}) and not within([20.0], [20.0, 1.0], {"abs": 1})
    assert within("MNIF", "MNIF", {"exact": True}) and not within("MNI", "MNIF", {"exact": True})
    assert within(["b", "a"], ["a", "b"], {"set": True})
