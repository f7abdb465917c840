"""The verified (request → plan) dataset: every kept plan is well formed and re-executes to
its stored answer, a wrong plan is rejected by verification, held-out templates never
reach train, and both languages are present."""

from __future__ import annotations

import json
import random

import pytest

from molsys_ai_jupyter.agent.plan import Plan, Step, check_shape
from molsys_ai_jupyter.train import plan_dataset as pd

FAMILIES = ["count", "strip", "rg", "distance", "time"]


@pytest.fixture(scope="module")
def small_build(real_settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("plans")
    stats = pd.build_plan_dataset(real_settings.structures, out, seed=3, families=FAMILIES)
    train = [json.loads(line) for line in (out / "plans_train.jsonl").read_text(encoding="utf-8").splitlines()]
    heldout = [json.loads(line) for line in (out / "plans_heldout.jsonl").read_text(encoding="utf-8").splitlines()]
    return stats, train, heldout


def test_small_build_is_well_formed(small_build):
    stats, train, heldout = small_build
    records = train + heldout
    assert stats["pairs"] == len(records) > 200
    assert stats["distinct_verified_plans"] >= 30
    assert set(stats["plans_by_family"]) <= set(FAMILIES) and len(stats["plans_by_family"]) >= 4
    for record in records:
        assert set(record) == {"request", "files", "plan", "answer", "lang", "family", "template"}
        plan = Plan.from_dict(record["plan"])
        check_shape(plan)
        assert plan.file == record["files"][0]
        assert record["request"].strip() and "{" not in record["request"]


def test_templates_are_disjoint_and_both_languages_present(small_build):
    _, train, heldout = small_build
    assert heldout, "some templates are held out"
    assert not {r["template"] for r in train} & {r["template"] for r in heldout}
    for split in (train, heldout):
        assert {r["lang"] for r in split} == {"en", "es"}
    share = sum(r["lang"] == "es" for r in train + heldout) / len(train + heldout)
    assert 0.15 < share < 0.45


def test_a_sample_re_executes_to_its_stored_answer(small_build, real_settings):
    _, train, heldout = small_build
    plans = {json.dumps(r["plan"], sort_keys=True): r for r in train + heldout}
    sample = random.Random(0).sample(sorted(plans), 12)
    files = pd.Files(real_settings.structures)
    try:
        for key in sample:
            record = plans[key]
            assert pd.agree(files.run(Plan.from_dict(record["plan"])), record["answer"]), record
    finally:
        files.close()


def test_a_wrong_plan_is_rejected(real_settings):
    files = pd.Files(real_settings.structures)
    spec = next(s for s in pd.FILES if s.name == "1tcd.pdb")
    try:
        top = files.load(spec).topology
        # the plan counts residues, the request (and its reference) asks for the protein's atoms
        wrong = Plan([Step("load", {"file": "1tcd.pdb"}), Step("select", {"selection": "protein"}),
                      Step("reduce_entities", {"level": "residues", "how": "count"})])
        candidate = pd.Candidate("count", spec, wrong, lambda: pd._count_ref(top, "protein", "atoms"), {})
        verdict = pd.verify(candidate, files)
        assert not verdict.ok and verdict.reason.startswith("mismatch")
        assert verdict.answer == len({top.atom(i).residue.index for i in top.select("protein")})
        # the same plan with its own reference is kept
        right = pd.Candidate("count", spec, wrong, lambda: pd._count_ref(top, "protein", "residues"), {})
        assert pd.verify(right, files).ok
        # a unit left out: Rg in nm where the reference is in Å
        spec_1l2y = next(s for s in pd.FILES if s.name == "1l2y.pdb")
        traj = files.load(spec_1l2y)
        ctx = pd.Context(files, spec_1l2y, traj, random.Random(0))
        no_unit = Plan([Step("load", {"file": "1l2y.pdb"}), Step("frames", {"pick": "last"}),
                        Step("compute", {"quantity": "rg", "selection": "name CA", "weights": "none"})])
        candidate = pd.Candidate("rg", spec_1l2y, no_unit,
                                 lambda: pd._rg_ref(ctx, pd.FrameOpt("last"), "name CA", "none", "Å"), {})
        assert pd.verify(candidate, files, traj).reason.startswith("mismatch")
        # a frame out of range fails validation before anything runs
        out_of_range = Plan([Step("load", {"file": "1l2y.pdb"}), Step("frames", {"pick": "index", "index": 99}),
                             Step("compute", {"quantity": "rg", "selection": "name CA"})])
        candidate = pd.Candidate("rg", spec_1l2y, out_of_range, lambda: 0.0, {})
        assert pd.verify(candidate, files, traj).reason.startswith("validate")
    finally:
        files.close()


def test_agree_tolerances():
    assert pd.agree(3, 3) and not pd.agree(3, 4) and not pd.agree(3.5, 3)
    assert pd.agree(1.0001, 1.0) and not pd.agree(1.01, 1.0) and pd.agree(0.00005, 0.0)
    assert pd.agree([1.0, 2.0], [1.0, 2.0005]) and not pd.agree([1.0], [1.0, 2.0])
    assert pd.agree("ALA1", "ALA1") and not pd.agree("ALA1", "ALA2")


def test_main_prints_the_stats(real_settings, tmp_path, capsys):
    assert pd.main(["--structures", str(real_settings.structures), "--out", str(tmp_path), "--seed", "1",
                    "--families", "time", "topology"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["distinct_verified_plans"] > 5 and stats["pairs_by_language"].keys() == {"en", "es"}
    assert (tmp_path / "plans_train.jsonl").is_file() and (tmp_path / "plans_heldout.jsonl").is_file()
