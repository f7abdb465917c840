"""The typed plan and its parts: the plan's checks (plan.py), its code (render.py), its
sentence (restate.py), the reader that builds it from a request and refuses to guess
(reader.py), and the agent's plans design end to end on real files."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from molsys_ai_jupyter.agent.agent import Agent
from molsys_ai_jupyter.agent.plan import Plan, PlanError, Step, check_shape, plan_schema, validate
from molsys_ai_jupyter.agent.reader import understand
from molsys_ai_jupyter.agent.render import render
from molsys_ai_jupyter.agent.restate import restate
from molsys_ai_jupyter.agent.ui import AgentOptions

md = pytest.importorskip("mdtraj")


@pytest.fixture(scope="module")
def structures(real_settings):
    return real_settings.structures


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    yield ip
    InteractiveShell.clear_instance()


def _load(structures, name, top=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return md.load(str(structures / name), top=str(structures / top) if top else None)


def _execute(plan: Plan, folder):
    """The ``answer`` of the plan's rendered code, run in ``folder``."""
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(render(plan), "plan", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace["answer"]


def _run(plan: Plan, structures, tmp_path):
    """Execute the rendered code in a folder holding the plan's files; its ``answer``."""
    for name in (plan.file, plan.arg("load", "topology")):
        if name:
            shutil.copyfile(structures / name, tmp_path / name)
    return _execute(plan, tmp_path)


def _plan(*steps) -> Plan:
    return Plan([Step(op, args) for op, args in steps])


class TestPlan:
    def test_shape_rules(self):
        ok = _plan(("load", {"file": "a.pdb"}), ("select", {"selection": "water"}),
                   ("reduce_entities", {"level": "residues", "how": "count"}))
        check_shape(ok)
        assert Plan.from_dict(json.loads(json.dumps(ok.to_dict()))).to_dict() == ok.to_dict()
        bad = [
            (_plan(("compute", {"quantity": "rg", "selection": "all"})), "starts with a load"),
            (_plan(("load", {"file": "a.pdb"}), ("compute", {"quantity": "rg"})), "rg needs selection"),
            (_plan(("load", {"file": "a.pdb"}), ("compute", {"quantity": "mass", "selection": "all"}),
                   ("reduce_frames", {"how": "mean"})), "no value per frame"),
            (_plan(("load", {"file": "a.pdb"}), ("reduce_frames", {"how": "mean"}),
                   ("compute", {"quantity": "rg", "selection": "all"})), "out of order"),
            (_plan(("load", {"file": "a.pdb"}), ("compute", {"quantity": "rg", "selection": "all"}),
                   ("convert", {"unit": "degrees"})), "converts to degrees"),
            (_plan(("load", {"file": "a.pdb"}), ("compute", {"quantity": "sasa_residue", "selection": "all"})),
             "say how to reduce them"),
        ]
        for plan, why in bad:
            with pytest.raises(PlanError, match=why):
                check_shape(plan)
        with pytest.raises(PlanError, match="unknown step"):
            Plan.from_dict({"steps": [{"op": "load", "file": "a.pdb"}, {"op": "rm -rf"}]})

    def test_validated_against_the_real_topology(self, structures):
        top = _load(structures, "1vii.pdb").topology
        plan = _plan(("load", {"file": "1vii.pdb"}), ("compute", {"quantity": "rg", "selection": "resname HOH"}))
        with pytest.raises(PlanError, match="picks no atom"):
            validate(plan, top, 1)
        plan = _plan(("load", {"file": "1vii.pdb"}), ("compute", {"quantity": "dihedral", "angle": "phi",
                                                                  "residue": 5}))
        with pytest.raises(PlanError, match="no residue number 5"):  # 1vii is numbered 41-76
            validate(plan, top, 1)
        plan = _plan(("load", {"file": "1vii.pdb"}), ("frames", {"pick": "index", "index": 3}),
                     ("compute", {"quantity": "rg", "selection": "all"}))
        with pytest.raises(PlanError, match="out of range"):
            validate(plan, top, 1)

    def test_schema_names_only_the_folder_files(self):
        schema = plan_schema(["1vii.pdb"])
        load = next(s for s in schema["properties"]["steps"]["items"]["anyOf"] if s["properties"]["op"]["const"] == "load")
        assert load["properties"]["file"] == {"enum": ["1vii.pdb"]}


class TestRender:
    """Each rendering against an independent MDTraj computation on a real file."""

    def test_strip_then_mean_rg_in_angstrom(self, structures, tmp_path):
        plan = _plan(("load", {"file": "traj_chicken_villin_HP35_solvated.h5"}), ("strip", {"selection": "water"}),
                     ("compute", {"quantity": "rg", "selection": "protein"}), ("reduce_frames", {"how": "mean"}),
                     ("convert", {"unit": "Å"}))
        traj = _load(structures, "traj_chicken_villin_HP35_solvated.h5")
        expected = md.compute_rg(traj.atom_slice(traj.topology.select("protein"))).mean() * 10
        assert _run(plan, structures, tmp_path) == pytest.approx(expected, rel=1e-6)

    def test_counts_at_each_level(self, structures, tmp_path):
        traj = _load(structures, "traj_chicken_villin_HP35_solvated.h5")
        expected = {"atoms": 3699, "residues": 1233, "molecules": 1233, "chains": 1}
        for level, value in expected.items():
            plan = _plan(("load", {"file": "traj_chicken_villin_HP35_solvated.h5"}), ("select", {"selection": "water"}),
                         ("reduce_entities", {"level": level, "how": "count"}))
            assert _run(plan, structures, tmp_path) == value, level
        all_molecules = _plan(("load", {"file": "traj_chicken_villin_HP35_solvated.h5"}),
                              ("select", {"selection": "all"}), ("reduce_entities", {"level": "molecules", "how": "count"}))
        assert _run(all_molecules, structures, tmp_path) == len(traj.topology.find_molecules())

    def test_rmsf_does_not_depend_on_superposing_in_place(self, structures, tmp_path):
        plan = _plan(("load", {"file": "1l2y.pdb"}), ("compute", {"quantity": "rmsf", "selection": "name CA"}),
                     ("reduce_entities", {"level": "atoms", "how": "max"}))
        traj = _load(structures, "1l2y.pdb").atom_slice(_load(structures, "1l2y.pdb").topology.select("name CA"))
        traj.superpose(traj, 0)
        mean = traj.xyz.mean(axis=0)
        traj.superpose(md.Trajectory(mean[None], traj.topology))  # about the average structure, as md.rmsf does
        expected = max(((traj.xyz - traj.xyz.mean(axis=0)) ** 2).sum(axis=2).mean(axis=0) ** 0.5)
        assert _run(plan, structures, tmp_path) == pytest.approx(expected, rel=2e-2)

    def test_contacts_with_sequence_separation(self, structures, tmp_path):
        import itertools

        import numpy as np

        plan = _plan(("load", {"file": "1vii.pdb"}), ("compute", {"quantity": "contacts", "selection": "name CA",
                                                                  "cutoff_nm": 0.8, "min_separation": 3}))
        traj = _load(structures, "1vii.pdb")
        ca = [a for a in traj.topology.atoms if a.name == "CA"]
        pairs = [(a.index, b.index) for a, b in itertools.combinations(ca, 2)
                 if abs(a.residue.index - b.residue.index) >= 3]
        expected = int((md.compute_distances(traj, np.array(pairs)) < 0.8).sum())
        assert _run(plan, structures, tmp_path) == expected

    def test_the_frame_where_a_value_is_largest(self, structures, tmp_path):
        import numpy as np

        traj = _load(structures, "1l2y.pdb")
        ca = traj.topology.select("name CA")
        rmsd = md.rmsd(traj, traj, 0, atom_indices=ca)
        plan = _plan(("load", {"file": "1l2y.pdb"}), ("superpose", {"selection": "name CA", "reference_frame": 0}),
                     ("compute", {"quantity": "rmsd", "selection": "name CA", "reference_frame": 0}),
                     ("reduce_frames", {"how": "argmax", "report": "model"}))
        assert _run(plan, structures, tmp_path) == int(np.argmax(rmsd)) + 1  # models count from 1
        rg = md.compute_rg(traj)
        plan = _plan(("load", {"file": "1l2y.pdb"}), ("compute", {"quantity": "rg", "selection": "all"}),
                     ("reduce_frames", {"how": "argmin", "report": "frame"}))
        assert _run(plan, structures, tmp_path) == int(np.argmin(rg))
        xtc = _load(structures, "md_1u19.xtc", "md_1u19.pdb")
        expected = float(xtc.time[np.argmax(md.compute_rg(xtc))]) / 1000.0
        plan = _plan(("load", {"file": "md_1u19.xtc", "topology": "md_1u19.pdb"}),
                     ("compute", {"quantity": "rg", "selection": "all"}),
                     ("reduce_frames", {"how": "argmax", "report": "time"}), ("convert", {"unit": "ns"}))
        assert plan.unit == "ns"
        assert _run(plan, structures, tmp_path) == pytest.approx(expected)
        with pytest.raises(PlanError, match="report a frame"):
            check_shape(_plan(("load", {"file": "a.h5"}), ("compute", {"quantity": "rg", "selection": "all"}),
                              ("reduce_frames", {"how": "mean", "report": "time"})))
        with pytest.raises(PlanError, match="no times"):
            validate(_plan(("load", {"file": "a.dcd", "topology": "a.h5"}),
                           ("compute", {"quantity": "rg", "selection": "all"}),
                           ("reduce_frames", {"how": "argmax", "report": "time"})), traj.topology, 38)

    def test_values_enter_as_literals(self):
        plan = _plan(("load", {"file": "a.pdb"}), ("select", {"selection": "name CA') + __import__('os').system('x"}),
                     ("reduce_entities", {"level": "atoms", "how": "count"}))
        code = render(plan)
        compile(code, "plan", "exec")
        assert "__import__('os')" not in code.replace(repr(plan.arg("select", "selection")), "")


class TestRestate:
    def test_one_plain_sentence(self):
        plan = _plan(("load", {"file": "traj_x.h5"}), ("frames", {"pick": "first"}), ("select", {"selection": "water"}),
                     ("reduce_entities", {"level": "residues", "how": "count"}))
        assert restate(plan) == "In traj_x.h5: count the water molecules in the first frame."
        plan = _plan(("load", {"file": "x.h5"}), ("compute", {"quantity": "hbonds", "method": "baker_hubbard"}),
                     ("reduce_frames", {"how": "max"}))
        assert restate(plan).endswith("its maximum over all frames.")


class TestReader:
    FILES = ["1tcd.pdb"]

    def test_builds_multi_step_plans(self, structures):
        traj = _load(structures, "traj_chicken_villin_HP35_solvated.h5")
        u = understand("Remove the waters first, then give me the average radius of gyration of the protein "
                       "over all frames of traj_chicken_villin_HP35_solvated.h5, in angstrom",
                       ["traj_chicken_villin_HP35_solvated.h5"], topology=traj.topology, n_frames=traj.n_frames)
        assert u.ok, u.message()
        assert [s.op for s in u.plan.steps] == ["load", "strip", "compute", "reduce_frames", "convert"]
        assert u.plan.arg("strip", "selection") == "water" and u.plan.arg("reduce_frames", "how") == "mean"

    def test_spanish(self, structures):
        top = _load(structures, "1tcd.pdb").topology
        u = understand("¿Cuántas moléculas de agua hay en 1tcd.pdb?", self.FILES, topology=top, n_frames=1)
        assert u.ok and u.plan.arg("select", "selection") == "water"
        u = understand("Radio de giro promedio de los carbonos alfa en 1l2y.pdb, en nm", ["1l2y.pdb"],
                       topology=_load(structures, "1l2y.pdb").topology, n_frames=38)
        assert u.ok and u.plan.arg("reduce_frames", "how") == "mean" and u.plan.arg("compute", "selection") == "name CA"

    def test_a_range_of_frames_is_sliced_and_reduced(self, structures, tmp_path):
        traj = _load(structures, "traj_pentalanine.h5")
        u = understand("mean Rg of all atoms over the last 1000 frames of traj_pentalanine.h5, in nm",
                       ["traj_pentalanine.h5"], topology=traj.topology, n_frames=traj.n_frames)
        assert u.ok, u.message()
        assert (u.plan.arg("frames", "pick"), u.plan.arg("frames", "start"), u.plan.arg("frames", "stop")) == \
            ("range", 4000, 5000)
        assert "over frames 4000 to 4999" in u.restatement
        assert _run(u.plan, structures, tmp_path) == pytest.approx(float(md.compute_rg(traj[-1000:]).mean()), rel=1e-6)

    def test_models_of_a_range_count_from_one_and_what_is_left_out_is_checked(self, structures, tmp_path):
        traj = _load(structures, "1l2y.pdb")
        ask = "mean CA RMSD to model 1 over models {} of 1l2y.pdb after superposition ({}), in Å"
        u = understand(ask.format("2–38", "leave model 1 out"), ["1l2y.pdb"], topology=traj.topology, n_frames=38)
        assert u.ok, u.message()
        ca = traj.topology.select("name CA")
        expected = float(md.rmsd(traj, traj, 0, atom_indices=ca)[1:].mean()) * 10
        assert _run(u.plan, structures, tmp_path) == pytest.approx(expected, rel=1e-5)
        held = understand(ask.format("1–38", "leave model 1 out"), ["1l2y.pdb"], topology=traj.topology, n_frames=38)
        assert not held.ok and "the range holds it" in held.message()
        beyond = understand(ask.format("2–40", "all of them"), ["1l2y.pdb"], topology=traj.topology, n_frames=38)
        assert not beyond.ok and "are not in 1l2y.pdb" in beyond.message()

    def test_a_count_stated_in_passing_must_be_the_files(self, structures):
        top = _load(structures, "1l2y.pdb").topology
        ask = "radius of gyration of the CA atoms averaged over all {} models of 1l2y.pdb, in nm"
        assert understand(ask.format(38), ["1l2y.pdb"], topology=top, n_frames=38).ok
        wrong = understand(ask.format(40), ["1l2y.pdb"], topology=top, n_frames=38)
        assert not wrong.ok and "the number 40" in wrong.unaccounted

    def test_which_residue_has_the_largest_value(self, structures, tmp_path):
        traj = _load(structures, "met_enkephalin.pdb")
        u = understand("¿qué residuo de met_enkephalin.pdb tiene la mayor SASA? responde como TYR1",
                       ["met_enkephalin.pdb"], topology=traj.topology, n_frames=1)
        assert u.ok, u.message()
        per_residue = md.shrake_rupley(traj, mode="residue")[0]
        top = list(traj.topology.residues)[int(per_residue.argmax())]
        assert _run(u.plan, structures, tmp_path) == f"{top.name}{top.resSeq}"
        number = understand("Which residue of met_enkephalin.pdb has the largest per-residue SASA? Answer with its "
                            "residue number.", ["met_enkephalin.pdb"], topology=traj.topology, n_frames=1)
        assert number.ok and _run(number.plan, structures, tmp_path) == top.resSeq

    def test_rmsf_needs_frames(self, structures):
        top = _load(structures, "1vii.pdb").topology
        u = understand("RMSF of the CA atoms of 1vii.pdb about their mean positions, largest, in Å", ["1vii.pdb"],
                       topology=top, n_frames=1)
        assert not u.ok and "has one frame" in u.message()

    def test_removed_ligands_are_every_ligand_residue(self, structures):
        top = _load(structures, "181l.pdb").topology
        u = understand("Remove waters, ions and ligands from 181l.pdb and count the atoms left", ["181l.pdb"],
                       topology=top, n_frames=1)
        assert u.ok, u.message()
        assert "resname BNZ" in u.plan.arg("strip", "selection") and "resname HED" in u.plan.arg("strip", "selection")

    def test_residues_of_one_chain_near_the_other(self, structures, tmp_path):
        traj = _load(structures, "1tcd.pdb")
        ask = "how many residues of {}chain A have at least one heavy atom within 4 Å of any heavy atom of {}chain B? " \
              "no periodic images"
        u = understand(ask.format("protein ", "protein "), ["1tcd.pdb"], topology=traj.topology, n_frames=1)
        assert u.ok, u.message()
        top = traj.topology
        a, b = top.select("chainid 0 and protein and not element H"), top.select("chainid 1 and protein and not element H")
        near = md.compute_neighbors(traj, 0.4, b, haystack_indices=a, periodic=False)[0]
        assert _run(u.plan, structures, tmp_path) == len({top.atom(i).residue.index for i in near})
        # chain A of the file holds waters too: which residues are meant is not said
        bare = understand(ask.format("", ""), ["1tcd.pdb"], topology=top, n_frames=1)
        assert not bare.ok and "holds waters or other groups besides the protein" in bare.message()

    def test_lists_the_residues_near_a_ligand(self, structures, tmp_path):
        traj = _load(structures, "181l.pdb")
        top = traj.topology
        near = md.compute_neighbors(traj, 0.45, top.select("resname BNZ"), haystack_indices=top.select("protein"),
                                    periodic=False)[0]
        residues = sorted({top.atom(i).residue.index for i in near})
        u = understand("which protein residues have any atom within 4.5 Å of the benzene ligand (BNZ)? no periodic "
                       "images", ["181l.pdb"], topology=top, n_frames=1)
        assert u.ok, u.message()
        assert _run(u.plan, structures, tmp_path) == [f"{top.residue(k).name}{top.residue(k).resSeq}" for k in residues]
        numbers = understand("list the residue numbers of the protein residues within 4.5 Å of BNZ in 181l.pdb, no "
                             "periodic images", ["181l.pdb"], topology=top, n_frames=1)
        assert numbers.ok and _run(numbers.plan, structures, tmp_path) == [top.residue(k).resSeq for k in residues]
        counted = understand("how many protein residues are within 4.5 Å of BNZ in 181l.pdb? no periodic images",
                             ["181l.pdb"], topology=top, n_frames=1)
        assert counted.ok and _run(counted.plan, structures, tmp_path) == len(residues)

    def test_parts_defined_by_position(self, structures, tmp_path):
        traj = _load(structures, "barnase_barstar.pdb")
        top = traj.topology
        ask = ("barnase_barstar.pdb: barnase = the first 110 residues ({}), barstar = the last 89 residues. How many "
               "barnase residues have a heavy atom within 4.5 Å of any barstar heavy atom? No periodic images.")
        u = understand(ask.format("Ala1–Arg110"), ["barnase_barstar.pdb"], topology=top, n_frames=1)
        assert u.ok, u.message()
        assert "barnase: the first 110 residues, ALA1–ARG110" in u.restatement
        one, other = top.select("resid 0 to 109 and not element H"), top.select("resid 110 to 198 and not element H")
        near = md.compute_neighbors(traj, 0.45, other, haystack_indices=one, periodic=False)[0]
        assert _run(u.plan, structures, tmp_path) == len({top.atom(i).residue.index for i in near})
        # what the request says of the part is checked against the file
        wrong = understand(ask.format("Ala1–Gly110"), ["barnase_barstar.pdb"], topology=top, n_frames=1)
        assert not wrong.ok and "not Ala1–Gly110" in wrong.message()
        beyond = understand("Rg of the first 300 residues of barnase_barstar.pdb, in nm", ["barnase_barstar.pdb"],
                            topology=top, n_frames=1)
        assert not beyond.ok and "199 residues" in beyond.message()
        # red team C: a part defined and then called "its" is not read as the whole file
        unnamed = understand("Barnase is the last 110 residues of barnase_barstar.pdb. What is the radius of gyration "
                             "of its CA atoms in nm?", ["barnase_barstar.pdb"], topology=top, n_frames=1)
        assert not unnamed.ok and "does not name it" in unnamed.message()
        waters = understand("Rg of the last 10 residues of 1tcd.pdb, in nm", ["1tcd.pdb"],
                            topology=_load(structures, "1tcd.pdb").topology, n_frames=1)
        assert not waters.ok and "not all protein" in waters.message()

    def test_hydrogen_bonds_between_two_groups(self, structures, tmp_path):
        traj = _load(structures, "barnase_barstar.pdb")
        top = traj.topology
        u = understand("How many Baker-Hubbard H-bonds connect barnase (first 110 residues) and barstar (last 89 "
                       "residues) in barnase_barstar.pdb? No periodic images.", ["barnase_barstar.pdb"], topology=top,
                       n_frames=1)
        assert u.ok, u.message()
        one, other = set(top.select("resid 0 to 109")), set(top.select("resid 110 to 198"))
        expected = sum(1 for d, _, a in md.baker_hubbard(traj, periodic=False)
                       if (d in one and a in other) or (d in other and a in one))
        assert _run(u.plan, structures, tmp_path) == expected
        part = understand("How many Baker-Hubbard hydrogen bonds of the first 110 residues of barnase_barstar.pdb? "
                          "No periodic images.", ["barnase_barstar.pdb"], topology=top, n_frames=1)
        assert not part.ok and "say between which two groups, or within which one" in part.message()

    def test_two_angles_asked_as_a_list(self, structures, tmp_path):
        traj = _load(structures, "ala3.pdb")
        u = understand("ala3.pdb: backbone phi and psi of the middle alanine (Ala2), degrees, as [phi, psi]",
                       ["ala3.pdb"], topology=traj.topology, n_frames=1)
        assert u.ok, u.message()
        phi = float(np.degrees(md.compute_phi(traj)[1][0][0]))
        psi = float(np.degrees(md.compute_psi(traj)[1][0][1]))
        assert _run(u.plan, structures, tmp_path) == pytest.approx([phi, psi], rel=1e-5)
        one = understand("ala3.pdb: backbone phi of Ala2, degrees, as [phi, psi]", ["ala3.pdb"], topology=traj.topology,
                         n_frames=1)
        assert not one.ok and "asked as a list of 2 values" in one.message()

    def test_a_pair_of_models_is_not_a_range(self, structures):
        top = _load(structures, "1l2y.pdb").topology
        u = understand("CA RMSD between model 1 and model 38 of 1l2y.pdb after superposition, in Å", ["1l2y.pdb"],
                       topology=top, n_frames=38)
        assert u.plan is not None and u.plan.arg("frames", "pick") != "range"

    def test_density_and_the_largest_distance(self, structures, tmp_path):
        water = _load(structures, "spc216.gro")
        u = understand("density of the water box in spc216.gro in kg/m^3", ["spc216.gro"], topology=water.topology,
                       n_frames=1)
        assert u.ok, u.message()
        grams = sum(a.element.mass for a in water.topology.atoms) / 6.02214076e23
        assert _run(u.plan, structures, tmp_path) == pytest.approx(grams / (water.unitcell_volumes[0] * 1e-21) * 1000,
                                                                   rel=1e-6)
        caffeine = _load(structures, "caffeine.mol2")
        u = understand("caffeine.mol2: largest distance between any two heavy (non-hydrogen) atoms, Å.",
                       ["caffeine.mol2"], topology=caffeine.topology, n_frames=1)
        assert u.ok, u.message()
        xyz = caffeine.xyz[0, caffeine.topology.select("not element H")]
        expected = max(np.linalg.norm(a - b) for a in xyz for b in xyz) * 10
        assert _run(u.plan, structures, tmp_path) == pytest.approx(expected, rel=1e-5)
        no_box = understand("density of 1vii.pdb in g/cm3", ["1vii.pdb"], topology=_load(structures, "1vii.pdb").topology,
                            n_frames=1)
        assert no_box.ok  # the cell says so when it runs: the file has no periodic box
        with pytest.raises(ValueError, match="no periodic box"):
            _run(no_box.plan, structures, tmp_path)

    def test_molsysmt_files_are_read_without_molsysmt(self, structures, tmp_path):
        from molsys_ai_jupyter.agent.observe import read_topology

        found = read_topology(structures / "barnase_barstar.h5msm")
        u = understand("How many atoms are in barnase_barstar.h5msm?", ["barnase_barstar.h5msm"],
                       topology=found.topology, n_frames=1)
        assert u.ok, u.message()
        assert "load_h5msm('barnase_barstar.h5msm')" in render(u.plan)
        assert _run(u.plan, structures, tmp_path) == 3159

    def test_what_is_said_in_passing_about_the_box_or_defaults(self, structures, tmp_path):
        traj = _load(structures, "5zmz.pdb")
        for ask in ("5zmz.pdb has a monoclinic cell in its CRYST1 record. What is the unit-cell volume, in nm³?",
                    "unit cell volume of 5zmz.pdb (it's monoclinic, beta != 90) in cubic angstroms"):
            u = understand(ask, ["5zmz.pdb"], topology=traj.topology, n_frames=1)
            assert u.ok, u.message()
            scale = 1000 if "angstroms" in ask else 1
            assert _run(u.plan, structures, tmp_path) == pytest.approx(float(traj.unitcell_volumes[0]) * scale, rel=1e-6)

    def test_the_time_of_a_frame(self, structures, tmp_path):
        traj = _load(structures, "traj_pentalanine.h5")
        u = understand("traj_pentalanine.h5: what's the time step between frames (ps) and the time of the last frame "
                       "in ns? [dt_ps, t_last_ns]", ["traj_pentalanine.h5"], topology=traj.topology, n_frames=traj.n_frames)
        assert u.ok, u.message()
        assert _run(u.plan, structures, tmp_path) == pytest.approx([float(traj.timestep), float(traj.time[-1]) / 1000])
        pdb = understand("time of the last frame of 1l2y.pdb in ps", ["1l2y.pdb"],
                         topology=_load(structures, "1l2y.pdb").topology, n_frames=38)
        assert not pdb.ok and "holds no times" in pdb.message()

    def test_a_reference_frame_the_file_does_not_have(self, structures):
        top = _load(structures, "1vii.pdb").topology
        u = understand("CA RMSD between model 1 and model 5 of 1vii.pdb after superposition, in Å", ["1vii.pdb"],
                       topology=top, n_frames=1)
        assert not u.ok and "out of range" in u.message()

    def test_the_fraction_of_frames_where_a_value_passes_a_test(self, structures, tmp_path):
        traj = _load(structures, "traj_pentalanine.h5")
        psi = np.degrees(md.compute_psi(traj)[1][:, 2])  # ALA4's psi (the third of ACE-ALA5-NME's psi angles)
        u = understand("In traj_pentalanine.h5, in what percentage of the 5000 frames is the psi dihedral of ALA4 greater "
                       "than +90°?", ["traj_pentalanine.h5"], topology=traj.topology, n_frames=traj.n_frames)
        assert u.ok, u.message()
        assert _run(u.plan, structures, tmp_path) == pytest.approx(float(np.mean(psi > 90)) * 100)
        top = traj.topology
        pair = [[top.select("resSeq 2 and name O")[0], top.select("resSeq 6 and name H")[0]]]
        near = float(np.mean(md.compute_distances(traj, pair, periodic=False)[:, 0] < 0.25))
        u = understand("In traj_pentalanine.h5, in what fraction of frames is the distance between the O of ALA2 and "
                       "the H of ALA6 shorter than 2.5 Å (direct distance, no minimum image)?", ["traj_pentalanine.h5"],
                       topology=top, n_frames=traj.n_frames)
        assert u.ok, u.message()
        assert "(no periodic images)" in u.restatement
        assert _run(u.plan, structures, tmp_path) == pytest.approx(near)
        # red team C: a threshold without its unit is not guessed
        bare = understand("in what fraction of frames of traj_pentalanine.h5 is the radius of gyration of all atoms "
                          "above 0.5?", ["traj_pentalanine.h5"], topology=top, n_frames=traj.n_frames)
        assert not bare.ok and "say the unit of 0.5" in bare.message()
        two = understand("in what fraction of frames of traj_pentalanine.h5 is psi of ALA4 greater than 0° and smaller "
                         "than 50°?", ["traj_pentalanine.h5"], topology=top, n_frames=traj.n_frames)
        assert not two.ok and "several conditions" in two.message()

    @pytest.mark.parametrize("said, periodic", [("don't apply PBC", False), ("no minimum image", False),
                                                ("not taking periodic images into account", False),
                                                ("taking periodic images into account", True),
                                                ("minimum image convention", True)])
    def test_periodic_images_and_their_negations(self, structures, said, periodic):
        traj = _load(structures, "traj_pentalanine.h5")
        u = understand(f"distance between the O of ALA2 and the H of ALA6 in the last frame of traj_pentalanine.h5, "
                       f"{said}, in nm", ["traj_pentalanine.h5"], topology=traj.topology, n_frames=traj.n_frames)
        assert u.ok and u.plan.arg("compute", "periodic") is periodic

    def test_the_temperature_an_hdf5_file_stores(self, structures, tmp_path):
        traj = _load(structures, "traj_pentalanine.h5")
        u = understand("traj_pentalanine.h5 also stores the instantaneous temperature of every frame. What is its "
                       "average over all frames, in kelvin?", ["traj_pentalanine.h5"], topology=traj.topology,
                       n_frames=traj.n_frames)
        assert u.ok, u.message()
        with md.formats.HDF5TrajectoryFile(str(structures / "traj_pentalanine.h5")) as handle:
            expected = float(np.mean(handle.read().temperature))
        assert _run(u.plan, structures, tmp_path) == pytest.approx(expected)
        xtc = understand("average temperature (K) over md_1u19.xtc", ["md_1u19.xtc", "md_1u19.pdb"],
                         topology=_load(structures, "md_1u19.pdb").topology, n_frames=51)
        assert not xtc.ok and "stores no temperatures" in xtc.message()

    def test_chemistry_said_beside_an_explicit_atom(self, structures):
        top = _load(structures, "met_enkephalin.pdb").topology
        ask = "met_enkephalin.pdb: distance between the {} of Tyr1 and the CZ of Phe4, nm"
        assert understand(ask.format("hydroxyl oxygen OH"), ["met_enkephalin.pdb"], topology=top, n_frames=1).ok
        # an element that is not the atom's is not read past
        wrong = understand(ask.format("hydroxyl nitrogen OH"), ["met_enkephalin.pdb"], topology=top, n_frames=1)
        assert not wrong.ok and "nitrogen" in wrong.unaccounted
        # a descriptor before a class of atoms is a constraint, not a description: not read past
        for constraint in ("count the hydroxyl O atoms of met_enkephalin.pdb",
                           "radius of gyration of the (non-hydrogen) atoms of met_enkephalin.pdb in nm"):
            assert not understand(constraint, ["met_enkephalin.pdb"], topology=top, n_frames=1).ok

    def test_hydrogens_said_to_be_included_are_kept(self, structures):
        top = _load(structures, "met_enkephalin.pdb").topology
        ok = understand("radius of gyration of met_enkephalin.pdb, all atoms, hydrogens included, in nm",
                        ["met_enkephalin.pdb"], topology=top, n_frames=1)
        assert ok.ok, ok.message()
        clash = understand("radius of gyration of the heavy atoms of met_enkephalin.pdb, hydrogens included, in nm",
                           ["met_enkephalin.pdb"], topology=top, n_frames=1)
        assert not clash.ok and "hydrogens are to be included" in clash.message()

    def test_the_two_of_a_kind(self, structures, tmp_path):
        traj = _load(structures, "traj_chicken_villin_HP35_solvated.h5")
        u = understand("distance between the two chloride ions in the last frame of "
                       "traj_chicken_villin_HP35_solvated.h5, minimum image convention, in nm",
                       ["traj_chicken_villin_HP35_solvated.h5"], topology=traj.topology, n_frames=traj.n_frames)
        assert u.ok, u.message()
        pair = [list(traj.topology.select("resname CL"))]
        assert _run(u.plan, structures, tmp_path) == pytest.approx(
            float(md.compute_distances(traj[-1], pair, periodic=True)[0, 0]), rel=1e-5)
        many = understand("distance between the two CA atoms of 1vii.pdb in nm", ["1vii.pdb"],
                          topology=_load(structures, "1vii.pdb").topology, n_frames=1)
        assert not many.ok and "not two atoms" in many.message()

    @pytest.mark.parametrize("ask", [
        "Backbone RMSD of the last frame of md_1u19.xtc relative to its first frame, after least-squares fitting. "
        "Topology is md_1u19.pdb. Give it in nm.",
        "Backbone RMSD (atoms N, CA, C, O) of the last frame of md_1u19.xtc relative to its first frame, after "
        "least-squares fitting on those same atoms. Topology is md_1u19.pdb. Give it in nm."])
    def test_a_selection_word_before_a_quantity_is_not_a_descriptor(self, structures, ask):
        """An atom-like word after "backbone" ("Backbone RMSD") once made the backbone a descriptor: all atoms."""
        u = understand(ask, ["md_1u19.xtc", "md_1u19.pdb"], topology=_load(structures, "md_1u19.pdb").topology,
                       n_frames=51)
        assert u.ok and u.plan.arg("compute", "selection") == "backbone"

    def test_what_the_system_is_called_must_fit_the_file(self, structures, tmp_path):
        """Red team D: "T4 lysozyme in 1tcd.pdb" was read past as a nickname, and the Rg of TIM was given."""
        from molsys_ai_jupyter.agent.observe import observe
        from molsys_ai_jupyter.agent.task_plan import understand_task

        shutil.copyfile(structures / "1tcd.pdb", tmp_path / "1tcd.pdb")
        wrong = understand_task("Radius of gyration (all atoms) of T4 lysozyme in 1tcd.pdb, in nm", observe(tmp_path))
        assert not wrong.ok and "speaks of T4 lysozyme" in wrong.message()
        right = understand_task("Radius of gyration (all atoms) of TcTIM in 1tcd.pdb, in nm", observe(tmp_path))
        assert right.ok, right.message()  # its PDB title: TRYPANOSOMA CRUZI TRIOSEPHOSPHATE ISOMERASE
        # "either chain" is not read past either: which chain is not said
        either = understand_task("Radius of gyration of either chain of TcTIM (1tcd.pdb), CA atoms, nm", observe(tmp_path))
        assert not either.ok
        # …but "any protein atom (either chain)" says no chain is singled out
        waters = understand_task("Count the water molecules in 1tcd.pdb whose oxygen lies within 3.5 Å of any protein atom "
                                 "(either chain). No periodic images.", observe(tmp_path))
        assert waters.ok, waters.message()

    def test_says_what_it_did_not_understand(self, structures):
        top = _load(structures, "1tcd.pdb").topology
        u = understand("What is the pKa of His 95 in 1tcd.pdb?", self.FILES, topology=top, n_frames=1)
        assert not u.ok and u.unaccounted == ["pKa"]
        assert u.message().startswith("I did not understand “pKa”")

    def test_asks_which_frames_instead_of_guessing(self, structures):
        traj = _load(structures, "traj_chicken_villin_HP35_solvated.h5")
        u = understand("radius of gyration of the protein in traj_chicken_villin_HP35_solvated.h5",
                       ["traj_chicken_villin_HP35_solvated.h5"], topology=traj.topology, n_frames=traj.n_frames)
        assert not u.ok and "20 frames: say which frame" in u.message()

    def test_which_model_or_when_the_value_is_largest(self, structures):
        top = _load(structures, "1l2y.pdb").topology
        u = understand("which model of 1l2y.pdb has the largest CA RMSD to model 1 after superposition?", ["1l2y.pdb"],
                       topology=top, n_frames=38)
        assert u.ok, u.message()
        assert u.plan.arg("compute", "reference_frame") == 0 and u.plan.step("frames") is None
        assert u.plan.step("reduce_frames").args == {"how": "argmax", "report": "model"}
        u = understand("¿qué modelo de 1l2y.pdb tiene el menor radio de giro?", ["1l2y.pdb"], topology=top, n_frames=38)
        assert u.ok and u.plan.step("reduce_frames").args == {"how": "argmin", "report": "model"}
        xtc = _load(structures, "md_1u19.xtc", "md_1u19.pdb")
        u = understand("at what time, in ps, does the radius of gyration of md_1u19.xtc (top md_1u19.pdb) reach "
                       "its maximum?", ["md_1u19.xtc", "md_1u19.pdb"], topology=xtc.topology, n_frames=xtc.n_frames)
        assert u.ok and u.plan.step("reduce_frames").args == {"how": "argmax", "report": "time"}
        assert u.plan.unit == "ps"
        u = understand("which frame of 1l2y.pdb has the radius of gyration?", ["1l2y.pdb"], topology=top, n_frames=38)
        assert not u.ok and "largest or the smallest" in u.message()

    def test_what_red_team_b_drew_out_is_refused(self, structures, tmp_path):
        """Each of these gave a wrong number before (benchmarks/agent_redteam_b.jsonl)."""
        l2y = _load(structures, "1l2y.pdb").topology
        for request in ("radius of gyration of model 0 of 1l2y.pdb",  # was model 38
                        "RMSD of model 5 relative to model 0 of 1l2y.pdb after superposition"):
            u = understand(request, ["1l2y.pdb"], topology=l2y, n_frames=38)
            assert not u.ok and "no model 0" in u.message(), request
        u = understand("Which structure of 1l2y.pdb has the largest radius of gyration?", ["1l2y.pdb"], topology=l2y,
                       n_frames=38)  # was the value, not the structure
        assert u.ok and u.plan.step("reduce_frames").args == {"how": "argmax", "report": "model"}
        tcd = _load(structures, "1tcd.pdb").topology  # residues 10-20 exist in chains A and B
        u = understand("radius of gyration of residues 10 to 20 of 1tcd.pdb", ["1tcd.pdb"], topology=tcd, n_frames=1)
        assert not u.ok and "appear more than once" in u.message()
        u = understand("radius of gyration of residues 10 to 20 of chain A of 1tcd.pdb", ["1tcd.pdb"], topology=tcd,
                       n_frames=1)
        assert u.ok, u.message()
        villin = _load(structures, "traj_chicken_villin_HP35_solvated.h5")  # waters reuse numbers 41-76
        u = understand("how many atoms are in residues 41 to 50 of traj_chicken_villin_HP35_solvated.h5",
                       ["traj_chicken_villin_HP35_solvated.h5"], topology=villin.topology, n_frames=20)
        assert not u.ok and "appear more than once" in u.message()
        u = understand("which model of traj_chicken_villin_HP35_solvated.h5 has the largest radius of gyration?",
                       ["traj_chicken_villin_HP35_solvated.h5"], topology=villin.topology, n_frames=20)
        assert not u.ok and "frames, not models" in u.message()  # was the frame index + 1
        u = understand("radius of gyration of model 3 of traj_chicken_villin_HP35_solvated.h5",
                       ["traj_chicken_villin_HP35_solvated.h5"], topology=villin.topology, n_frames=20)
        assert not u.ok and "frames, not models" in u.message()
        u = understand("rg of md_1u19.xtc at 100 ps", ["md_1u19.xtc"], topology=None, n_frames=51)
        assert not u.ok and "name its topology file" in u.message()  # rendered md.load without it before
        # a time between saved frames, and a tie for the largest value, stop the code instead of answering
        between = _plan(("load", {"file": "md_1u19.xtc", "topology": "md_1u19.pdb"}),
                        ("frames", {"pick": "time", "time_ps": 110.0}), ("compute", {"quantity": "rg", "selection": "all"}))
        with pytest.raises(ValueError, match="no saved frame at 110 ps"):
            _run(between, structures, tmp_path)
        constant = _plan(("load", {"file": "traj_pentalanine.h5"}), ("compute", {"quantity": "box_volume"}),
                         ("reduce_frames", {"how": "argmax", "report": "frame"}))
        with pytest.raises(ValueError, match="frames share that value"):
            _run(constant, structures, tmp_path)
        xtc = _load(structures, "md_1u19.xtc", "md_1u19.pdb")
        u = understand("At what time does the radius of gyration of md_1u19.xtc (top md_1u19.pdb) peak? Answer in "
                       "frames.", ["md_1u19.xtc", "md_1u19.pdb"], topology=xtc.topology, n_frames=xtc.n_frames)
        assert not u.ok and "time and frame were asked" in u.message()  # was the time, 100.0
        spanned = _plan(("load", {"file": "traj_chicken_villin_HP35_solvated.h5"}), ("compute", {"quantity": "total_time"}))
        with pytest.raises(ValueError, match="first saved frame is at 100 ps"):  # 1900 or 2000 ps: asked, not guessed
            _run(spanned, structures, tmp_path)
        top = villin.topology
        u = understand("What is the time spanned by the saved frames of traj_chicken_villin_HP35_solvated.h5, in ps?",
                       ["traj_chicken_villin_HP35_solvated.h5"], topology=top, n_frames=20)
        assert u.ok and u.plan.arg("compute", "span") == "saved_frames"  # asked as the frames' span: one answer
        assert _run(u.plan, structures, tmp_path) == pytest.approx(1900.0)

    def test_hetero_groups_are_not_only_ligands(self, structures, tmp_path):
        """Blind D's one wrong answer: "hetero groups other than water" was read as the ligands
        (BNZ, HED) and left out the chloride ions."""
        top = _load(structures, "181l.pdb").topology
        u = understand("Give me the residue names of all hetero groups in 181l.pdb other than water, as an "
                       "alphabetical list", ["181l.pdb"], topology=top, n_frames=1)
        assert u.ok, u.message()
        assert sorted(_run(u.plan, structures, tmp_path)) == ["BNZ", "CL", "HED"]
        u = understand("how many hetero atoms are in 181l.pdb?", ["181l.pdb"], topology=top, n_frames=1)
        assert not u.ok and "hetero atoms" in u.unaccounted  # HETATM records, or atoms other than C and H?

    def test_atoms_named_with_their_residues(self, structures):
        top = _load(structures, "1vii.pdb").topology
        u = understand("distance between the CZ atoms of Phe47 and Phe58 in 1vii.pdb, in Å", ["1vii.pdb"],
                       topology=top, n_frames=1)
        assert u.ok, u.message()
        assert [u.plan.arg("compute", n) for n in ("selection", "selection_2")] == [
            "resname PHE and resSeq 47 and name CZ", "resname PHE and resSeq 58 and name CZ"]
        top = _load(structures, "met_enkephalin.pdb").topology
        u = understand("distance between Tyr1 N and Met5 C in met_enkephalin.pdb, in nm", ["met_enkephalin.pdb"],
                       topology=top, n_frames=1)
        assert u.ok and u.plan.arg("compute", "selection_2") == "resname MET and resSeq 5 and name C"
        u = understand("distance between Tyr1 XX and Met5 C in met_enkephalin.pdb", ["met_enkephalin.pdb"],
                       topology=top, n_frames=1)
        assert not u.ok and "XX" in u.unaccounted  # not an atom name of the file: not read as one
        top = _load(structures, "ala3.pdb").topology
        u = understand("ala3.pdb: ángulo de enlace N–CA–C de la Ala2, en grados", ["ala3.pdb"], topology=top,
                       n_frames=1)
        assert u.ok, u.message()
        assert u.plan.quantity == "angle" and u.plan.arg("compute", "selection_2") == "resname ALA and resSeq 2 and name CA"

    def test_neither_nor_and_no_water_in_the_file(self, structures):
        top = _load(structures, "181l.pdb").topology
        u = understand("How many atoms are neither water nor protein in 181l.pdb?", ["181l.pdb"], topology=top,
                       n_frames=1)
        assert u.ok and u.plan.arg("strip", "selection") == "water or protein"

    @pytest.mark.parametrize("request_text", [
        "How many ligands are there in 181l.pdb?",  # crashed the old task reader ('ligands' vs r'\bligand\b')
        "", "   ", "??", "1tcd.pdb 1tcd.pdb", "(((", "residue 99999999999999999999 of 1tcd.pdb",
        "<script>alert(1)</script> in 1tcd.pdb", "\x00\x01 1tcd.pdb", "frame -3 of 1tcd.pdb rg",
    ])
    def test_never_raises(self, structures, request_text):
        top = _load(structures, "181l.pdb").topology
        u = understand(request_text, ["181l.pdb"], topology=top, n_frames=1)
        assert isinstance(u.message(), str)
        assert u.ok == (request_text.startswith("How many ligands"))

    def test_residues_named_by_kind_and_position(self, structures, tmp_path):
        traj = _load(structures, "traj_pentalanine.h5")
        top = traj.topology
        psi = np.degrees(md.compute_psi(traj[0])[1][0, 2])  # ACE1 ALA2…ALA6 NME7: the third alanine, ALA4
        for request in ("psi of the third alanine in traj_pentalanine.h5, frame 0, in degrees",
                        "psi of the middle alanine in traj_pentalanine.h5, frame 0, in degrees",
                        "¿ángulo psi de la alanina central en traj_pentalanine.h5, frame 0, en grados?"):
            u = understand(request, ["traj_pentalanine.h5"], topology=top, n_frames=traj.n_frames)
            assert u.ok, u.message()
            assert "= ALA4" in u.restatement  # what the words became is shown before anything runs
            assert _run(u.plan, structures, tmp_path) == pytest.approx(psi, abs=1e-3)
        # what the file does not bear out is a problem in words, never a guess
        for request, problem in (("psi of the sixth alanine in traj_pentalanine.h5, frame 0", "has 5 ALA"),
                                 ("psi of the middle alanine (Ala3) in traj_pentalanine.h5, frame 0", "is ALA4")):
            u = understand(request, ["traj_pentalanine.h5"], topology=top, n_frames=traj.n_frames)
            assert not u.ok and problem in u.message()
        tim = _load(structures, "1tcd.pdb").topology
        u = understand("the CA of the first tryptophan in 1tcd.pdb: its distance to the CA of Lys14, in Å", ["1tcd.pdb"],
                       topology=tim, n_frames=1)
        assert not u.ok and "several chains" in u.message()

    def test_atoms_of_a_residue_the_file_has_once_and_gromacs_water_names(self, structures, tmp_path):
        traj = _load(structures, "traj_pentalanine.h5")
        top = traj.topology
        pair = [[top.select("resname ACE and name CH3")[0], top.select("resname NME and name C")[0]]]
        expected = float(md.compute_distances(traj, pair, periodic=False).mean())
        for request in ("mean end-to-end distance between the CH3 carbon of the ACE cap and the C of NME in "
                        "traj_pentalanine.h5, all frames, nm, no periodic images",
                        "average distance ACE CH3 to NME C in traj_pentalanine.h5 over all frames, nm, no PBC"):
            u = understand(request, ["traj_pentalanine.h5"], topology=top, n_frames=traj.n_frames)
            assert u.ok, u.message()
            assert _run(u.plan, structures, tmp_path) == pytest.approx(expected, rel=1e-5)
        # "the N carbon of ACE": a chemistry word that contradicts the atom is not read past
        u = understand("distance between the CH3 nitrogen of ACE and the C of NME in traj_pentalanine.h5, frame 0, nm, "
                       "no PBC", ["traj_pentalanine.h5"], topology=top, n_frames=traj.n_frames)
        assert not u.ok
        water = _load(structures, "spc216.gro")
        oxygens = [water.topology.select("resSeq 1 and name O")[0], water.topology.select("resSeq 100 and name O")[0]]
        u = understand("distance between the OW of water 1 and the OW of water 100 in spc216.gro, minimum image, in nm",
                       ["spc216.gro"], topology=water.topology, n_frames=1)
        assert u.ok, u.message()
        assert "OW = O" in u.restatement
        assert _run(u.plan, structures, tmp_path) == pytest.approx(
            float(md.compute_distances(water, [oxygens], periodic=True)[0, 0]), rel=1e-5)
        u = understand("distance between the OW of water 1 and the OW of water 900 in spc216.gro, minimum image, in nm",
                       ["spc216.gro"], topology=water.topology, n_frames=1)
        assert not u.ok and "no water residue(s) numbered 900" in u.message()

    def test_first_and_last_frames_as_a_pair_or_a_change(self, structures, tmp_path):
        traj = _load(structures, "md_1u19.xtc", "md_1u19.pdb")
        rg = md.compute_rg(traj.atom_slice(traj.topology.select("name CA")))
        files = ["md_1u19.xtc", "md_1u19.pdb"]
        u = understand("Rg of the CA atoms of md_1u19.xtc in the first and last frames, nm, as [first, last]", files,
                       topology=traj.topology, n_frames=traj.n_frames)
        assert u.ok, u.message()
        assert _run(u.plan.parts[0], structures, tmp_path) == pytest.approx(float(rg[0]), rel=1e-5)
        assert _execute(u.plan, tmp_path) == pytest.approx([float(rg[0]), float(rg[-1])], rel=1e-5)
        u = understand("change in the CA radius of gyration of md_1u19.xtc between the first and the last frame "
                       "(last minus first), in nm", files, topology=traj.topology, n_frames=traj.n_frames)
        assert u.ok, u.message()
        assert "last minus first" in u.restatement
        assert _execute(u.plan, tmp_path) == pytest.approx(float(rg[-1] - rg[0]), rel=1e-4)
        for request in ("difference of the CA Rg of md_1u19.xtc, in nm",  # between which frames?
                        "Rg of the CA atoms of md_1u19.xtc in the first and last frames, nm"):  # one number, or two?
            assert not understand(request, files, topology=traj.topology, n_frames=traj.n_frames).ok


class TestPlansDesign:
    """The agent's default design in a real IPython shell on real files (no model is asked)."""

    def test_answers_with_its_plan_and_abstains_without_a_number(self, shell, real_settings, tmp_path):
        (tmp_path / "1tcd.pdb").symlink_to(real_settings.structures / "1tcd.pdb")
        backend = SimpleNamespace(name="unused", model="unused")  # the plans design reads the request itself
        agent = Agent(backend, AgentOptions(design="plans", k=0))
        result = agent.run("Count the water molecules in 1tcd.pdb", shell, workdir=tmp_path, show=False)
        assert result.ok and result.final_answer == 165 and result.outcome == "answered"
        assert result.restatement == "In 1tcd.pdb: count the water molecules."
        assert shell.user_ns["_molsys_last"].plan["steps"][1] == {"op": "select", "selection": "water"}
        shell.user_ns.pop("answer")
        result = agent.run("What is the pKa of His 95 in 1tcd.pdb?", shell, workdir=tmp_path, show=False)
        assert not result.ok and result.outcome == "not understood" and result.final_answer is None
        assert result.message.startswith("I did not understand “pKa”") and not result.code
        assert "answer" not in shell.user_ns and result.unaccounted == ["pKa"]


def test_mass_weighted_rg_is_about_the_centre_of_mass(real_settings, tmp_path):
    """MDTraj's compute_rg(masses=…) weights the squared distances but measures them from the
    geometric centre; the rendering measures them from the centre of mass."""
    import numpy as np

    structures = real_settings.structures
    plan = _plan(("load", {"file": "1l2y.pdb"}), ("frames", {"pick": "last"}),
                 ("compute", {"quantity": "rg", "selection": "all", "weights": "mass"}))
    traj = _load(structures, "1l2y.pdb")[-1]
    masses = np.array([a.element.mass for a in traj.topology.atoms])
    com = (traj.xyz[0] * masses[:, None]).sum(axis=0) / masses.sum()
    expected = np.sqrt((masses * ((traj.xyz[0] - com) ** 2).sum(axis=1)).sum() / masses.sum())
    assert _run(plan, structures, tmp_path) == pytest.approx(expected, rel=1e-5)


class TestRedTeam:
    """benchmarks/agent_redteam.jsonl: requests a red team wrote to draw wrong numbers or crashes
    out of the reader (each with an independent reference). Every one must now be answered
    right or refused — never answered wrong, never a crash of the reader."""

    def test_no_wrong_number(self, real_settings, tmp_path):
        import json
        from pathlib import Path

        from molsys_ai_jupyter.agent.scoring import within
        from molsys_ai_jupyter.agent.task_plan import count_frames

        path = Path(__file__).resolve().parents[1] / "benchmarks" / "agent_redteam.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert len(rows) >= 40
        structures = real_settings.structures
        wrong, answered = [], 0
        for row in rows:
            folder = tmp_path / row["id"]
            folder.mkdir()
            for name in row["files"]:
                (folder / name).symlink_to(structures / row.get("copies", {}).get(name, name))
            main = [f for f in row["files"] if not f.endswith((".xtc", ".dcd"))][0]
            coordinates = [f for f in row["files"] if f.endswith((".xtc", ".dcd"))]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                top = md.load_topology(str(structures / row.get("copies", {}).get(main, main)))
            frames = count_frames(folder / (coordinates[0] if coordinates else main),
                                  folder / main if coordinates else None)
            u = understand(row["task"], row["files"], topology=top, n_frames=frames)
            if not u.ok:
                continue
            try:
                answer = _execute(u.plan, folder)
            except Exception:  # noqa: BLE001 - a runtime refusal (no frame at that time, no box) is no answer
                continue
            answered += 1
            if row["answer"] is None or not within(answer, row["answer"], row["tolerance"]):
                wrong.append((row["id"], u.restatement, answer, row["answer"]))
        assert not wrong, wrong
        assert answered >= 10  # the fixes did not simply refuse everything


class TestCoverage:
    def test_the_readers_own_plans_cover_their_requests(self, real_settings):
        """The explicit check (used for a model's plans) agrees with the reader's phrase-by-phrase
        bookkeeping on every request of the public dev set it understands."""
        import json

        from molsys_ai_jupyter.agent.coverage import uncovered, ungrounded
        from molsys_ai_jupyter.agent.task_plan import topology_and_frames

        rows = [json.loads(line) for line in (real_settings.bench / "dev_agent_tasks.jsonl").read_text().splitlines()
                if line.strip()]
        checked = 0
        for row in rows:
            found, frames = topology_and_frames(real_settings.structures, row["files"])
            u = understand(row["task"], row["files"], topology=found.topology, n_frames=frames)
            if u.ok and not u.plan.parts:
                checked += 1
                assert uncovered(u.plan, u.phrases, u.facts) == [], row["task"]
                assert ungrounded(u.plan, u.facts, u.phrases) == [], row["task"]
        assert checked >= 10
        # a plan that drops the request's removal, unit or cutoff is caught
        u = understand("Remove the waters from 181l.pdb and give the Rg of the protein in Å", ["181l.pdb"],
                       topology=_load(real_settings.structures, "181l.pdb").topology, n_frames=1)
        bare = Plan([Step("load", {"file": "181l.pdb"}), Step("compute", {"quantity": "rg", "selection": "protein"})])
        assert set(uncovered(bare, u.phrases, u.facts)) >= {"in Å", "waters"}
        u = understand("How many waters are within 5 Å of the HED ligand in 181l.pdb?", ["181l.pdb"],
                       topology=_load(real_settings.structures, "181l.pdb").topology, n_frames=1)
        assert u.ok and uncovered(u.plan, u.phrases, u.facts) == []
        u.plan.step("compute").args["cutoff_nm"] = 0.35
        assert "5 Å" in uncovered(u.plan, u.phrases, u.facts)

    def test_a_model_plan_may_not_add_selections_of_its_own(self, real_settings):
        """"How many residues" planned as the residues of ``resSeq 1`` (a fine-tuned planner's
        real mistake on the dev set) is refused: the request names no residue 1."""
        from molsys_ai_jupyter.agent.coverage import uncovered, ungrounded
        from molsys_ai_jupyter.agent.model_planner import plan_with_model
        from molsys_ai_jupyter.llm.base import ChatResult

        top = _load(real_settings.structures, "1vii.pdb").topology
        u = understand("How many residues are in 1vii.pdb?", ["1vii.pdb"], topology=top, n_frames=1)
        assert u.ok and ungrounded(u.plan, u.facts) == []
        added = Plan([Step("load", {"file": "1vii.pdb"}), Step("select", {"selection": "resSeq 1"}),
                      Step("reduce_entities", {"level": "residues", "how": "count"})])
        assert ungrounded(added, u.facts) == ["resSeq 1"]

        class Planner:
            def complete(self, messages, **kwargs):
                return ChatResult(text=json.dumps(added.to_dict()), backend="scripted", model="planner")

        result = plan_with_model(u, ["1vii.pdb"], Planner(), top, 1)
        assert not result.ok and "'resSeq 1', which the request does not name" in result.message()
        # one value where the request asks for two ("first vs last → [first, last]", blind A's ba70), and a
        # two-question request (blind A's ba57: the reader's two plans stand, the model is not asked)
        xtc = _load(real_settings.structures, "md_1u19.xtc", "md_1u19.pdb")
        u = understand("md_1u19.xtc: box volume in the first frame vs the last frame, nm^3 -> [first, last]",
                       ["md_1u19.xtc", "md_1u19.pdb"], topology=xtc.topology, n_frames=xtc.n_frames)
        last = Plan([Step("load", {"file": "md_1u19.xtc", "topology": "md_1u19.pdb"}), Step("frames", {"pick": "last"}),
                     Step("compute", {"quantity": "box_volume"})])
        assert {"-> [first, last]", "frame 0"} <= set(uncovered(last, u.phrases, u.facts))
        u = understand("Quita las aguas y los iones sulfato de 1sux.pdb. ¿Cuántos átomos y cuántos residuos quedan? "
                       "Responde [n_atomos, n_residuos].", ["1sux.pdb"],
                       topology=_load(real_settings.structures, "1sux.pdb").topology, n_frames=1)
        assert u.ok and len(u.plan.parts) == 2

        class Unused:
            def complete(self, messages, **kwargs):
                raise AssertionError("the model is not asked")

        assert plan_with_model(u, ["1sux.pdb"], Unused(), None, 1) is u
        # "how many methionines" counted as atoms (its real mistake on blind set C: 272 for 8)
        top = _load(real_settings.structures, "md_1u19.pdb").topology
        u = understand("¿cuántas metioninas tiene md_1u19.pdb?", ["md_1u19.pdb"], topology=top, n_frames=1)
        assert u.ok and ungrounded(u.plan, u.facts, u.phrases) == []
        atoms = Plan([Step("load", {"file": "md_1u19.pdb"}), Step("select", {"selection": "resname MET"}),
                      Step("reduce_entities", {"level": "atoms", "how": "count"})])
        assert ungrounded(atoms, u.facts, u.phrases) == ["counting atoms"]
        u = understand("How many atoms do the methionines of md_1u19.pdb have?", ["md_1u19.pdb"], topology=top,
                       n_frames=1)
        assert ungrounded(atoms, u.facts, u.phrases) == []  # asked for: not added
        top = _load(real_settings.structures, "traj_chicken_villin_HP35_solvated.h5").topology
        u = understand("How many chloride ions are in traj_chicken_villin_HP35_solvated.h5?",
                       ["traj_chicken_villin_HP35_solvated.h5"], topology=top, n_frames=20)
        ions = Plan([Step("load", {"file": "traj_chicken_villin_HP35_solvated.h5"}),
                     Step("select", {"selection": "resname CL"}), Step("reduce_entities", {"level": "atoms", "how": "count"})])
        assert ungrounded(ions, u.facts, u.phrases) == ["counting atoms"]
        assert ungrounded(ions, u.facts, u.phrases, top) == []  # one atom per ion: the same count


