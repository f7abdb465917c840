"""Reading a task's parameters from its words (agent/slots.py) and turning them into a
recipe's parameters (planner.stated_params / merge_params), checked against real
topologies of the shared structure files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from molsys_ai_jupyter.agent.observe import Observation, read_topology
from molsys_ai_jupyter.agent.planner import files_named, merge_params, shortlist, stated_params
from molsys_ai_jupyter.agent.recipes import CATALOGUE
from molsys_ai_jupyter.agent.scoring import within
from molsys_ai_jupyter.agent.slots import read_task
from molsys_ai_jupyter.config import load_settings
from support.dev_task_plans import DEV_TASK_PLANS

STRUCTURES = load_settings().structures


def _topology(name):
    return read_topology(STRUCTURES / name)


@pytest.mark.parametrize("text, residues, expected", [
    ("How many chloride ions are in x.pdb?", {"CL", "HOH"}, ["resname CL"]),
    ("How many chloride ions are in x.pdb?", {"CLA", "TIP3"}, ["resname CLA"]),  # the name the file uses
    ("count the sodium ions", {"SOD"}, ["resname SOD"]),
    ("the backbone N of TYR 1 and the backbone C of MET 5", set(),
     ["resname TYR and resSeq 1 and name N", "resname MET and resSeq 5 and name C"]),
    ("distance between the CA of residue 1 and the CA of residue 20", set(),
     ["resSeq 1 and name CA", "resSeq 20 and name CA"]),
    ("water molecules that have their oxygen within 5 Å of the HED ligand", {"HED", "HOH"},
     ["water and element O", "resname HED"]),
    ("how many water oxygens are near the protein", {"HOH"}, ["water and element O", "protein"]),
    ("RMSD of heavy atoms", set(), ["not element H"]),
    ("pairs of alpha carbons", set(), ["name CA"]),
    ("How many tryptophan residues", set(), ["resname TRP"]),
    ("drop all waters and all sulfate ions (SO4)", {"SO4", "HOH"}, ["water", "resname SO4"]),
    ("How many oxygen atoms are in caffeine.mol2?", set(), ["element O"]),
    ("How many hydrogen bonds are there?", set(), []),  # bonds, not hydrogen atoms
])
def test_selections_read_from_the_words(text, residues, expected):
    assert [m.selection for m in read_task(text, ["x.pdb", "caffeine.mol2"], residues).selections] == expected


def test_numbers_frames_units_and_other_facts():
    facts = read_task("RMSD of the last frame relative to the first one, in Å", [])
    assert facts.frames == [-1, 0] and facts.unit == "Å"
    assert read_task("RMSD between the first and the last frame", []).frames == [0, -1]
    assert read_task("in the first model", []).frames == [0]
    assert read_task("model 3 of the NMR ensemble", []).frames == [2]  # models count from 1
    assert read_task("pairs closer than 1.0 nm", []).cutoff_angstrom == pytest.approx(10.0)
    assert read_task("within 3.5 Å of the ligand", []).cutoff_angstrom == pytest.approx(3.5)
    assert read_task("total SASA in nm^2", []).unit == "nm²"
    assert read_task("SASA in Å^2", []).unit == "Å²"
    assert read_task("sequence of chain B", []).chain_id == "B"
    assert read_task("residues in beta strands (E)", []).dssp_code == "E"
    assert read_task("how many are helical", []).dssp_code == "H"
    assert read_task("write the result to a new PDB file", []).save_as == "edited.pdb"
    assert read_task("save it as dry.pdb", ["181l.pdb"]).save_as == "dry.pdb"
    assert read_task("how many water molecules are near", []).count_molecules
    assert not read_task("how many water oxygens are near", []).count_molecules


def test_joined_mentions_removal_and_inclusion():
    facts = read_task("How many sodium or chloride ions are in x.pdb?", ["x.pdb"], {"CL"})
    assert [g.selection for g in facts.groups] == ["resname NA or resname CL"]
    facts = read_task("remove the waters and show chain A", [], {"HOH"})
    assert [m.removed for m in facts.selections] == [True]
    facts = read_task("show only the protein", [], set())
    assert [m.removed for m in facts.selections] == [False]
    assert read_task("How many atoms are in chain B, waters included?", [], {"HOH"}).selections == []


@pytest.mark.needs_corpus
@pytest.mark.parametrize("task_id", sorted(DEV_TASK_PLANS))
def test_the_words_of_each_dev_task_give_its_plan(task_id):
    """The recipe ranked first and the stated parameters reproduce the plan that gives the
    reference answer (test_recipes runs those plans)."""
    settings = load_settings()
    task = next(t for t in map(json.loads, (settings.bench / "dev_agent_tasks.jsonl").read_text().splitlines())
                if t["id"] == task_id)
    name, plan = DEV_TASK_PLANS[task_id]
    structure = next(f for f in task["files"] if not f.endswith(".xtc"))
    topology = _topology(structure)
    facts = read_task(task["task"], task["files"], topology.residues)
    recipe = shortlist(task["task"], 1, facts)[0]
    assert recipe.name == name
    stated = stated_params(recipe, facts, topology)
    params = merge_params(recipe, {"file": plan["file"]}, stated, topology, prefer_stated=True)
    resolved, wanted = recipe.resolve({**params, **{k: plan[k] for k in ("file", "topology") if k in plan}}), \
        recipe.resolve(plan)
    for key, param in recipe.params.items():
        if param.kind == "selection":  # the same atoms, however the selection is written
            picked = set(topology.topology.select(resolved[key] or "none"))
            assert picked == set(topology.topology.select(wanted[key] or "none")), (key, resolved[key], wanted[key])
        elif key != "save_as":
            assert resolved[key] == wanted[key], (key, resolved[key], wanted[key])


@pytest.mark.needs_corpus
def test_merge_drops_selections_that_fail_and_prefers_the_tasks_words():
    topology = _topology("181l.pdb")
    recipe = CATALOGUE["count_residues"]
    stated = {"selection": "resname CL"}
    # a server model's own valid value is kept; a broken one is replaced by the stated one
    assert merge_params(recipe, {"selection": "water"}, stated, topology, prefer_stated=False)["selection"] == "water"
    assert merge_params(recipe, {"selection": "resname ((("}, stated, topology, False)["selection"] == "resname CL"
    assert "selection" not in merge_params(recipe, {"selection": "resname XYZ"}, {}, topology, False)
    # the embedded model's guesses give way to the task's words
    assert merge_params(recipe, {"selection": "water"}, stated, topology, prefer_stated=True)["selection"] == "resname CL"


def test_files_are_found_by_name_or_by_stem():
    observation = Observation(files=["1tcd.h5msm", "1tcd.pdb", "181l.pdb"])
    assert files_named("load 1tcd, remove the waters and show chain A", observation) == ["1tcd.pdb"]
    assert files_named("compare 181l.pdb with 1tcd.pdb", observation) == ["181l.pdb", "1tcd.pdb"]
    assert files_named("load 2abc", observation) == []


@pytest.mark.needs_corpus
def test_the_flagship_request_shows_chain_a_without_waters(tmp_path):
    topology = _topology("1tcd.pdb")
    task = "load 1tcd, remove the waters and show chain A"
    facts = read_task(task, ["1tcd.pdb"], topology.residues)
    recipe = shortlist(task, 1, facts)[0]
    assert recipe.name == "show"
    params = {"file": str(STRUCTURES / "1tcd.pdb"), **stated_params(recipe, facts, topology)}
    namespace: dict = {}
    exec(compile(recipe.render(params), "show", "exec"), namespace)  # noqa: S102 - our own recipe
    shown = namespace["traj"].topology  # what the plan kept, and shows
    assert {c.chain_id for c in shown.chains} == {"A"}
    assert not any(r.is_water for r in shown.residues) and shown.n_atoms > 1000


EXTRA = Path(__file__).resolve().parents[1] / "benchmarks" / "agent_tasks_extra.jsonl"


@pytest.mark.needs_corpus
@pytest.mark.parametrize("task", [json.loads(line) for line in EXTRA.read_text().splitlines() if line.strip()],
                         ids=lambda t: t["id"])
def test_reading_alone_solves_the_extra_task_set(task, tmp_path, monkeypatch):
    """Without any model: the recipe ranked first and the parameters read from the words
    give the reference answer of each task of the extra set (its own reference code)."""
    for name in task["files"]:
        (tmp_path / name).symlink_to(STRUCTURES / name)
    observation = Observation(files=sorted(task["files"]), workdir=str(tmp_path))
    files = files_named(task["task"], observation)
    structure = next(f for f in files if not f.endswith((".xtc", ".dcd")))
    topology = read_topology(tmp_path / structure)
    facts = read_task(task["task"], files, topology.residues)
    recipe = shortlist(task["task"], 1, facts)[0]
    roles = {"file": files[0]} if len(files) == 1 else {"file": files[0], "topology": files[1]}
    params = merge_params(recipe, {}, {**roles, **stated_params(recipe, facts, topology)}, topology, True)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(recipe.render(params), recipe.name, "exec"), namespace)  # noqa: S102 - our own recipe
    assert within(namespace["answer"], task["answer"], task["tolerance"]), (recipe.name, params, namespace["answer"])
