"""The molsysmt rendering of workflow plans (agent/workflow/render_molsysmt.py): where the
kernel has molsysmt, the reader makes molsysmt prepare and build the system, and every call
of that cell is a real molsysmt function with real keyword arguments (the API registry
built from the docs snapshot). What molsysmt cannot do stays PDBFixer and Modeller code.
molsysmt is not installed here, so the molsysmt part is checked, not run."""

from __future__ import annotations

import pytest

from molsys_ai_jupyter.agent.workflow.plan import Build, Prepare, Report, Workflow
from molsys_ai_jupyter.agent.workflow.reader import understand
from molsys_ai_jupyter.agent.workflow.render import code_for
from molsys_ai_jupyter.agent.workflow.render_molsysmt import prepare_and_build, unsupported
from molsys_ai_jupyter.knowledge.registry import SymbolRegistry
from molsys_ai_jupyter.knowledge.verifier import verify_code

pytest.importorskip("openmm")

# requests that name no tool (one that names PDBFixer or Modeller gets that tool)
REQUESTS = [
    ("Remove heterogens and waters from 181l.pdb, add missing atoms and add hydrogens at pH 7. How many atoms?",
     ["181l.pdb"]),
    ("Add hydrogens to 1vii.pdb at pH 3 and report how many hydrogens were added.", ["1vii.pdb"]),
    ("Solvate 1vii.pdb in a TIP3P truncated octahedron with 1.2 nm padding and 0.15 M NaCl, neutralised. "
     "How many water molecules are there?", ["1vii.pdb"]),
    ("Delete chain B of 1tcd.pdb, then solvate it in a cubic box with 1 nm padding (tip3p). How many atoms?",
     ["1tcd.pdb"]),
    ("Strip the waters from 1tcd.pdb, solvate it in a TIP3P dodecahedron with 1 nm padding, build amber14-all.xml + "
     "amber14/tip3pfb.xml with PME, a 1 nm cutoff and HBonds constraints, minimise, and give the minimised energy.",
     ["1tcd.pdb"]),
]


@pytest.fixture(scope="module")
def registry(real_settings) -> SymbolRegistry:
    return SymbolRegistry.from_corpus(real_settings.corpus)


@pytest.fixture(scope="module")
def understood(real_settings):
    """The requests read for a kernel with molsysmt."""
    return [(request, understand(request, files, real_settings.structures, "molsysmt")) for request, files in REQUESTS]


class TestWorkflowMolsysmt:
    def test_molsysmt_prepares_what_it_can_and_calls_only_real_api(self, understood, registry):
        rendered = [(name, u) for name, u in understood if u.ok and u.plan.engine == "molsysmt"]
        assert len(rendered) == len(REQUESTS), [(u.unaccounted, u.problem) for _, u in understood]
        for name, u in rendered:
            code = code_for(u.plan)
            compile(code, "<cell>", "exec")
            report = verify_code(code, registry)
            assert report.ok, (name, [(i.kind, i.name, i.kwarg) for i in report.issues])
            assert "import molsysmt as msm" in code and "PDBFixer(" not in code and "app.Modeller(" not in code
            assert "to_form='openmm.Modeller'" in code  # the rest is OpenMM's, as everywhere
            assert "with molsysmt" in u.restatement and "'engine': 'molsysmt'" in code  # said, and recorded

    def test_the_checker_would_catch_a_wrong_keyword(self, understood, registry):
        """The check above can fail: a keyword molsysmt's solvate does not take is reported."""
        wf = Workflow(files=["1vii.pdb"], build=Build(solvate=True, padding_nm=1.0), report=Report("atoms"),
                      engine="molsysmt")
        code = code_for(wf)
        assert verify_code(code, registry).ok
        assert not verify_code(code.replace("clearance=", "padding="), registry).ok

    @pytest.mark.parametrize("wf, reason", [
        (Workflow(files=["181l.pdb"], prepare=Prepare(missing_residues="model"), report=Report("atoms")),
         "missing residues"),
        (Workflow(files=["1vii.pdb"], prepare=Prepare(nonstandard=True), report=Report("atoms")), "non-standard"),
        (Workflow(files=["1vii.pdb"], build=Build(solvate=True, box_nm=[4.0, 4.0, 4.0]), report=Report("atoms")),
         "edges"),
        (Workflow(files=["1vii.pdb"], build=Build(solvate=True, padding_nm=1.0, neutralize=False),
                  report=Report("atoms")), "neutralising"),
        (Workflow(files=["1sux.pdb"], prepare=Prepare(missing_atoms=True), report=Report("missing_atoms")),
         "PDBFixer finds"),
        (Workflow(files=["ala3.pdb"], report=Report("atoms")), "no preparation"),
    ])
    def test_what_stays_pdbfixer_and_modeller(self, wf, reason):
        assert reason in unsupported(wf)
        with pytest.raises(ValueError, match="no molsysmt rendering"):
            prepare_and_build(wf, None)

    def test_an_unsupported_request_is_still_answered_with_pdbfixer(self, real_settings):
        request = "Take 181l.pdb, model the missing residues with PDBFixer and add missing atoms. How many atoms?"
        u = understand(request, ["181l.pdb"], real_settings.structures, "molsysmt")
        assert u.ok and u.plan.engine == "openmm"
        assert "PDBFixer(filename='181l.pdb')" in code_for(u.plan) and "with PDBFixer" in u.restatement

    def test_without_molsysmt_nothing_changes(self, real_settings):
        request = "Solvate 1vii.pdb in a cubic TIP3P box with 1 nm padding and neutralise. How many atoms?"
        u = understand(request, ["1vii.pdb"], real_settings.structures)
        assert u.ok and u.plan.engine == "openmm" and "msm." not in code_for(u.plan)
        assert "engine" not in u.plan.to_dict()
