"""The molsysmt rendering of plans (agent/render_molsysmt.py): every plan it renders calls
only real molsysmt and pyunitwizard functions with real keyword arguments (the API
registry built from the docs snapshot, as for any molsysmt code the assistant writes);
what it does not render stays MDTraj code. molsysmt is not installed here, so the code is
checked, not run."""

from __future__ import annotations

import pytest

from molsys_ai_jupyter.agent.plan import Plan, Step
from molsys_ai_jupyter.agent.render import code_for, render
from molsys_ai_jupyter.agent.render_molsysmt import render_molsysmt, unsupported
from molsys_ai_jupyter.knowledge.registry import SymbolRegistry
from molsys_ai_jupyter.knowledge.verifier import verify_code


def _plan(*steps) -> Plan:
    return Plan([Step(op, args) for op, args in steps])


RENDERED = {
    "count at each level": [_plan(("load", {"file": "1tcd.pdb"}), ("select", {"selection": "water"}),
                                  ("reduce_entities", {"level": level, "how": "count"}))
                            for level in ("atoms", "residues", "molecules", "chains")],
    "strip, then count what is left": [_plan(("load", {"file": "181l.pdb"}), ("strip", {"selection": "water"}))],
    "keep, then show": [_plan(("load", {"file": "1tcd.pdb"}), ("keep", {"selection": "chainid 0"}), ("show", {}))],
    "frames, mass, box": [
        _plan(("load", {"file": "1l2y.pdb"}), ("compute", {"quantity": "n_frames"})),
        _plan(("load", {"file": "1vii.pdb"}), ("compute", {"quantity": "mass", "selection": "protein"})),
        _plan(("load", {"file": "spc216.gro"}), ("compute", {"quantity": "box_volume"}), ("convert", {"unit": "Å³"})),
    ],
    "radius of gyration": [
        _plan(("load", {"file": "181l.pdb"}), ("strip", {"selection": "water"}),
              ("compute", {"quantity": "rg", "selection": "protein"}), ("convert", {"unit": "Å"})),
        _plan(("load", {"file": "1l2y.pdb"}), ("compute", {"quantity": "rg", "selection": "name CA"}),
              ("reduce_frames", {"how": "mean"})),
    ],
    "two answers": [Plan(parts=[
        _plan(("load", {"file": "1tcd.pdb"}), ("select", {"selection": "water"}),
              ("reduce_entities", {"level": "molecules", "how": "count"})),
        _plan(("load", {"file": "1tcd.pdb"}), ("select", {"selection": "protein"}),
              ("reduce_entities", {"level": "atoms", "how": "count"}))])],
}


@pytest.fixture(scope="module")
def registry(real_settings) -> SymbolRegistry:
    return SymbolRegistry.from_corpus(real_settings.corpus)


class TestRenderMolsysmt:
    @pytest.mark.parametrize("case", sorted(RENDERED))
    def test_calls_only_real_api(self, registry, case):
        for plan in RENDERED[case]:
            assert unsupported(plan) is None, case
            code = render_molsysmt(plan)
            compile(code, case, "exec")
            report = verify_code(code, registry)
            assert report.ok, (case, [(i.kind, i.name, i.kwarg) for i in report.issues])
            assert "syntax='MDTraj'" in code or "selection" not in code  # selections stay MDTraj's
            assert code.rstrip().splitlines()[-1].startswith(("answer", "msm.view"))

    def test_the_checker_would_catch_a_wrong_call(self, registry):
        """The check above can fail: a keyword molsysmt does not take is reported."""
        code = render_molsysmt(RENDERED["frames, mass, box"][1]).replace("element='system'", "elemnt='system'")
        assert not verify_code(code, registry).ok

    @pytest.mark.parametrize("plan, reason", [
        (_plan(("load", {"file": "md_1u19.xtc", "topology": "md_1u19.pdb"}), ("compute", {"quantity": "n_frames"})),
         "topology"),
        (_plan(("load", {"file": "1vii.pdb"}), ("compute", {"quantity": "sasa", "selection": "all"})), "sasa"),
        (_plan(("load", {"file": "1l2y.pdb"}), ("compute", {"quantity": "rg", "selection": "all", "weights": "mass"})),
         "mass-weighted"),
        (_plan(("load", {"file": "1l2y.pdb"}), ("compute", {"quantity": "rg", "selection": "all"}),
               ("reduce_frames", {"how": "argmax", "report": "model"})), "per frame"),
        (_plan(("load", {"file": "1tcd.pdb"}), ("select", {"selection": "all"}),
               ("reduce_entities", {"level": "chains", "how": "names"})), "listing"),
    ])
    def test_what_it_leaves_to_mdtraj(self, plan, reason):
        assert reason in unsupported(plan)
        with pytest.raises(ValueError, match="no molsysmt rendering"):
            render_molsysmt(plan)
        assert code_for(plan, "molsysmt") == render(plan)  # the MDTraj cell, as where molsysmt is missing

    def test_the_engine_picks_the_rendering(self):
        plan = RENDERED["count at each level"][0]
        assert code_for(plan, "molsysmt").startswith("import molsysmt as msm")
        assert code_for(plan, "mdtraj") == render(plan)
