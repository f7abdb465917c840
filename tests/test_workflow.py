"""Simulation workflows: the reader (request → Workflow, or "not understood"), the plan's
checks, the rendered OpenMM/PDBFixer cell run for real on small systems, and the run
helper (minimisation, checkpoints, resume, a clean stop)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from molsys_ai_jupyter.agent.workflow.plan import (
    Build,
    Minimise,
    Prepare,
    Report,
    Simulate,
    System,
    Workflow,
    WorkflowError,
    validate,
)
from molsys_ai_jupyter.agent.workflow.reader import is_workflow, understand
from molsys_ai_jupyter.agent.workflow.render import code_for, restate

openmm = pytest.importorskip("openmm")
pytest.importorskip("pdbfixer")

IMPLICIT = ["amber14-all.xml", "implicit/obc2.xml"]


@pytest.fixture
def folder(real_settings, tmp_path, monkeypatch):
    """A working folder holding copies of the small structure files."""
    for name in ("ala3.pdb", "met_enkephalin.pdb", "1tcd.pdb", "5zmz.pdb", "181l.pdb"):
        shutil.copyfile(real_settings.structures / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cell(code: str) -> dict:
    namespace: dict = {}
    exec(compile(code, "<workflow>", "exec"), namespace)  # noqa: S102 - the rendered cell, as the kernel runs it
    return namespace


class TestReader:
    def test_workflow_requests_are_told_from_questions_about_a_file(self):
        assert is_workflow("add hydrogens to 5zmz.pdb at pH 7 with PDBFixer")
        assert is_workflow("Solvata 1vii.pdb con el Modeller de OpenMM")
        assert not is_workflow("what is the radius of gyration of 1l2y.pdb in nm?")

    def test_each_stage_is_read_with_its_numbers(self):
        u = understand("Fix met_enkephalin.pdb with PDBFixer (missing residues/atoms, H at pH 6.5), then amber14-all.xml "
                       "+ implicit/obc2.xml, NoCutoff, HBonds, minimise (tolerance 5 kJ/mol/nm), LangevinMiddleIntegrator "
                       "310 K, friction 2/ps, 1 fs, seed 7, a DCDReporter every 20 steps, 200 steps. How many frames?",
                       ["met_enkephalin.pdb"])
        assert u.ok, u.message()
        wf = u.plan
        assert (wf.prepare.missing_residues, wf.prepare.missing_atoms, wf.prepare.hydrogens_ph) == ("model", True, 6.5)
        assert wf.system.forcefield == IMPLICIT and wf.system.constraints == "HBonds"
        assert wf.minimise.tolerance == 5.0
        m = wf.simulate
        assert (m.temperature_k, m.friction_per_ps, m.step_fs, m.seed, m.dcd_every, m.steps) == (310, 2, 1, 7, 20, 200)
        assert wf.report.quantity == "frames"

    def test_spanish(self):
        u = understand("Solvata ala3.pdb con el Modeller de OpenMM: amber14-all.xml + amber14/tip3pfb.xml, agua TIP3P, "
                       "caja cúbica con padding de 1.2 nm, neutraliza y añade NaCl hasta 0.1 M de fuerza iónica. "
                       "¿Cuántos iones Cl- quedan?", ["ala3.pdb"])
        assert u.ok, u.message()
        b = u.plan.build
        assert (b.padding_nm, b.ionic_strength_molar, b.neutralize) == (1.2, 0.1, True)
        assert u.plan.report.args == {"ion": "Cl-"}

    def test_angstrom_and_millimolar_are_converted(self):
        u = understand("solvate ala3.pdb with amber14-all.xml + amber14/tip3pfb.xml, 12 Å padding and 150 mM NaCl; "
                       "how many waters?", ["ala3.pdb"])
        assert u.ok, u.message()
        assert u.plan.build.padding_nm == pytest.approx(1.2) and u.plan.build.ionic_strength_molar == pytest.approx(0.15)

    def test_a_negated_minimisation_is_not_run(self):
        u = understand("potential energy of ala3.pdb with amber14-all.xml + implicit/obc2.xml, NoCutoff, without any "
                       "minimisation", ["ala3.pdb"])
        assert u.ok and u.plan.minimise is None and "before any minimisation" in u.restatement

    def test_a_number_no_reading_takes_is_not_understood(self):
        u = understand("solvate ala3.pdb with amber14-all.xml + amber14/tip3pfb.xml and 1.0 nm padding, leaving "
                       "3 waters out; how many waters?", ["ala3.pdb"])
        assert not u.ok and u.unaccounted == ["leaving", "3"]
        assert u.message().startswith("I did not understand “leaving”, “3”")

    def test_unknown_operations_are_reported_not_skipped(self):
        u = understand("add hydrogens to 5zmz.pdb at pH 7 with PDBFixer, then mutate residue 2 to alanine; "
                       "how many hydrogens were added?", ["5zmz.pdb"])
        assert not u.ok and "mutate" in u.unaccounted

    def test_removing_heterogens_must_say_what_happens_to_the_waters(self):
        u = understand("remove the heterogens from 181l.pdb with PDBFixer; how many atoms remain?", ["181l.pdb"])
        assert not u.ok and "waters" in u.problem

    def test_two_numbers_asked_at_once_are_refused(self):
        u = understand("with PDBFixer, how many missing residues and how many hydrogens added at pH 7 in 5zmz.pdb?",
                       ["5zmz.pdb"])
        assert not u.ok and "several numbers" in u.problem

    def test_a_system_without_a_force_field_is_not_guessed(self):
        u = understand("how many constraints does the OpenMM system of ala3.pdb have with HBonds?", ["ala3.pdb"])
        assert not u.ok and "force field" in u.problem

    @pytest.mark.parametrize("request_, files, why", [
        ("Load 5zmz.pdb into PDBFixer, don't add hydrogens, find and add missing atoms. How many atoms does the final "
         "structure have?", ["5zmz.pdb"], "don't"),
        ("Sin añadir hidrógenos, carga 5zmz.pdb en PDBFixer y añade los átomos que faltan. ¿Cuántos átomos tiene la "
         "estructura final?", ["5zmz.pdb"], "Sin"),
        ("Relax ala3.pdb with amber14-all.xml + implicit/obc2.xml, NoCutoff; potential energy?", ["ala3.pdb"], "Relax"),
        ("ala3.pdb, amber14-all.xml + implicit/obc2.xml, NoCutoff, HBonds, 1 seed 1; run 1000 steps on the CPU. What "
         "is the kinetic energy at the end?", ["ala3.pdb"], "kinetic"),
        ("Rg of ala3.pdb after minimising with amber14-all.xml + implicit/obc2.xml, NoCutoff, in pm", ["ala3.pdb"], "pm"),
    ])
    def test_a_word_no_reading_takes_stops_the_plan(self, request_, files, why):
        """Red team: each of these gave a wrong number while words were allowed to go unread."""
        u = understand(request_, files)
        assert not u.ok and why in u.unaccounted, u.unaccounted

    def test_a_misspelt_word_is_read_as_the_word_and_said(self):
        u = understand("ala3.pdb with amber14-all.xml + implicit/obc2.xml, NoCutoff, minimze the energy and report the "
                       "potential energy.", ["ala3.pdb"])
        assert u.ok and u.plan.minimise is not None
        assert u.corrections == {"minimze": "minimize"} and "Read “minimze” as “minimize”" in u.restatement

    @pytest.mark.parametrize("request_, problem", [
        ("ala3.pdb with amber14-all.xml, NoCutoff, HBonds, Langevin 300 K, run 1000 steps, DCD every 100 steps, then "
         "run 1000 steps. How many frames?", "more than one run length"),
        ("Add hydrogens to 5zmz.pdb with PDBFixer at pH 7 (or pH 4); how many hydrogens were added?", "two pH values"),
        ("ala3.pdb, amber14-all.xml, NoCutoff, HBonds: how many constraints? And with AllBonds?", "two kinds"),
        ("ala3.pdb with amber14-all.xml in implicit solvent, NoCutoff: potential energy?", "implicit-solvent model"),
        ("In 5zmz.pdb delete the water, then add hydrogens at pH 7 with PDBFixer; how many hydrogens were added?",
         "before the PDBFixer steps"),
        ("Minimise ala3.pdb with amber14-all.xml, NoCutoff, at most 0 iterations; potential energy?", "0 iterations"),
        ("Run ala3.pdb with amber14-all.xml + implicit/obc2.xml at -300 K for 100 steps; how many frames, DCD every "
         "10 steps?", "negative value"),
        ("Gas-phase energy of ala3.pdb with amber14-all.xml + implicit/obc2.xml, NoCutoff?", "vacuum"),
        ("ala3.pdb with amber14-all.xml alone (no water, no implicit solvent) and implicit/gbn2.xml, NoCutoff: potential "
         "energy?", "vacuum"),
        ("With Modeller, delete chain B of 1tcd.pdb so that only chain B is left. How many atoms?", "chain B is left"),
    ])
    def test_conflicts_are_said_not_resolved(self, request_, problem):
        u = understand(request_, [next(f for f in ("ala3.pdb", "1tcd.pdb", "5zmz.pdb") if f in request_)])
        assert not u.ok and problem in u.problem, u.problem

    def test_deleting_waters_first_is_fine_when_only_the_result_is_counted(self):
        """The deleted waters go either way; only what PDBFixer adds on the way depends on the order."""
        u = understand("In 5zmz.pdb delete the water, then add hydrogens at pH 7 with PDBFixer; how many atoms?",
                       ["5zmz.pdb"])
        assert u.ok, u.message()

    def test_an_equilibration_before_the_reporters(self):
        u = understand("ala3.pdb, amber14-all.xml + implicit/obc2.xml, NoCutoff, HBonds, 300 K, seed 3: minimise, run "
                       "1000 steps of equilibration without any reporter, then a StateDataReporter every 50 steps and "
                       "run 4000 more steps. Mean temperature over the production part?", ["ala3.pdb"])
        assert u.ok, u.message()
        assert (u.plan.simulate.equilibration_steps, u.plan.simulate.steps) == (1000, 4000)
        assert "1,000 steps of equilibration with no reporter, then 4,000 steps" in u.restatement

    def test_degrees_of_freedom_with_their_usual_definition(self):
        u = understand("Degrees of freedom of ala3.pdb with amber14-all.xml + implicit/obc2.xml, NoCutoff, HBonds (DOF = "
                       "3 x number of particles - number of constraints - 3)?", ["ala3.pdb"])
        assert u.ok and u.plan.report.quantity == "dof", u.message()
        u = understand("Degrees of freedom of ala3.pdb with amber14-all.xml, NoCutoff, HBonds (DOF = 3 x number of "
                       "particles - number of constraints - 6)?", ["ala3.pdb"])
        assert not u.ok  # another definition is not this one

    @pytest.mark.parametrize("request_, files, check", [
        ("Solvate 1vii.pdb in a cubic TIP3P box with 1 nm padding (amber14-all.xml + amber14/tip3p.xml), neutralise with "
         "0.1 M NaBr. How many Br- ions get added?", ["1vii.pdb"],
         lambda wf: (wf.build.negative_ion, wf.report.args) == ("Br-", {"ion": "Br-", "added": True})),
        ("Solvate ala3.pdb with TIP5P instead of TIP3P: amber14-all.xml + tip5p.xml, model='tip5p', cubic box, 0.8 nm "
         "padding, neutralize=False. How many water molecules?", ["ala3.pdb"],
         lambda wf: (wf.build.water_model, wf.build.neutralize, wf.system.forcefield[-1]) == ("tip5p", False, "tip5p.xml")),
        ("ala3.pdb, amber14-all.xml + implicit/obc2.xml, NoCutoff: energy of just the GB solvation term (the "
         "CustomGBForce)?", ["ala3.pdb"], lambda wf: wf.build is None and wf.report.args == {"force": "CustomGBForce"}),
        ("pentalanine.prmtop/.inpcrd with PME, 0.9 nm cutoff, ewaldErrorTolerance 1e-5, HBonds: initial potential "
         "energy?", ["pentalanine.prmtop", "pentalanine.inpcrd"], lambda wf: wf.system.ewald_tolerance == 1e-5),
        ("pentalanine.prmtop + pentalanine.inpcrd, PME, 1 nm cutoff, HBonds, MonteCarloBarostat at 1 bar and 300 K every "
         "50 steps, Langevin 300 K, seed 3; run 1000 steps, DCD every 100 steps. How many frames?",
         ["pentalanine.prmtop", "pentalanine.inpcrd"], lambda wf: (wf.system.pressure_bar, wf.system.barostat_every) == (1.0, 50)),
        ("ala3.pdb with amber14-all.xml, NoCutoff, constraints=HAngles (not HBonds): how many constraints?", ["ala3.pdb"],
         lambda wf: wf.system.constraints == "HAngles"),
        ("Add hydrogens to 5zmz.pdb with PDBFixer at pH four (4.0). How many hydrogens were added?", ["5zmz.pdb"],
         lambda wf: wf.prepare.hydrogens_ph == 4.0),
        ("Modeller(ala3.pdb).addSolvent(ForceField('amber14-all.xml','amber14/tip3p.xml'), model='tip3p', "
         "boxSize=Vec3(3.0,3.0,3.0)*nanometer, neutralize=True). Number of HOH residues?", ["ala3.pdb"],
         lambda wf: wf.build.box_nm == [3.0, 3.0, 3.0] and wf.report.quantity == "waters"),
        ("AmberPrmtopFile('pentalanine.prmtop').createSystem(nonbondedMethod=PME, nonbondedCutoff=12*angstrom, "
         "constraints=HBonds) -> number of constraints?", ["pentalanine.prmtop"], lambda wf: wf.system.cutoff_nm == 1.2),
        ("Minimise 1vii.pdb with amber14-all.xml + implicit/obc2.xml, no cutoff, bonds to hydrogen constrained, until the "
         "forces are below 5 kJ/mol/nm. Final energy?", ["1vii.pdb"],
         lambda wf: (wf.system.constraints, wf.minimise.tolerance) == ("HBonds", 5.0)),
    ])
    def test_readings(self, request_, files, check):
        u = understand(request_, files)
        assert u.ok and check(u.plan), (u.message(), u.plan and u.plan.to_dict())

    @pytest.mark.parametrize("request_", [
        "Add hydrogens to 5zmz.pdb with PDBFixer at pH four (5.0). How many hydrogens were added?",  # word and digits disagree
        "Solvate ala3.pdb in a cubic box, 1 nm padding, amber14-all.xml + amber14/tip3p.xml, K+ as the cation and 0.1 M "
        "NaBr. How many ions?",  # the salt and the ion named beside it disagree
    ])
    def test_readings_that_disagree_are_not_guessed(self, request_):
        assert not understand(request_, ["5zmz.pdb" if "5zmz" in request_ else "ala3.pdb"]).ok

    def test_seeds_go_to_what_they_are_said_for(self):
        u = understand("ala3.pdb, amber14-all.xml + implicit/obc2.xml, NoCutoff, HBonds, Langevin 300 K; velocities "
                       "with seed 5 and integrator seed 7; run 1000 steps with state data every 100 steps. Mean "
                       "temperature?", ["ala3.pdb"])
        assert u.ok, u.message()
        assert (u.plan.simulate.seed, u.plan.simulate.velocity_seed) == (7, 5)

    @pytest.mark.parametrize("said", ["in kcal/mol?", "in kcal/mol, for the coordinates in the file?", "(kcal/mol)"])
    def test_an_energy_unit_is_never_dropped(self, said):
        """Red team B: "…, in kcal/mol, …" was read out as a filler and the answer came in kJ/mol."""
        u = understand(f"ala3.pdb with amber14-all.xml + implicit/obc2.xml, NoCutoff: initial potential energy {said}",
                       ["ala3.pdb"])
        assert u.ok and u.plan.energy_unit == "kcal/mol", u.message()

    def test_one_force_energy(self):
        u = understand("For ala3.pdb as is, amber14-all.xml in vacuum with NoCutoff and no constraints: what is the "
                       "energy of the HarmonicAngleForce alone (not the total potential energy) for the coordinates in "
                       "the file?", ["ala3.pdb"])
        assert u.ok and u.plan.report.args == {"force": "HarmonicAngleForce"}, u.message()
        assert "HarmonicAngleForce alone" in u.restatement

    def test_lengths_and_volumes_in_angstrom(self):
        u = understand("Rg of ala3.pdb after minimising with amber14-all.xml + implicit/obc2.xml, NoCutoff, in Å",
                       ["ala3.pdb"])
        assert u.ok and u.plan.unit == "Å" and "answer = answer * 10.0" in code_for(u.plan), u.message()

    def test_which_energy_is_reported(self):
        u = understand("Minimise ala3.pdb with amber14-all.xml + implicit/obc2.xml, NoCutoff, and report the initial "
                       "potential energy.", ["ala3.pdb"])
        assert u.ok and u.plan.report.args == {"when": "initial"} and "before any minimisation" in u.restatement
        u = understand("How much does minimisation lower the energy of ala3.pdb with amber14-all.xml + "
                       "implicit/obc2.xml, NoCutoff?", ["ala3.pdb"])
        assert u.ok and u.plan.report.args == {"sign": "drop"}

    def test_reading_never_raises(self):
        for request in ("", "solvate", "solvate ala3.pdb " * 200, "pH pH pH 99 solvate", None):
            u = understand(request, ["ala3.pdb"])
            assert not u.ok


class TestValidate:
    def test_a_force_field_file_openmm_does_not_ship_is_refused(self):
        wf = Workflow(["ala3.pdb"], Report("constraints"), system=System(["../../etc/passwd.xml"]))
        with pytest.raises(WorkflowError, match="no force-field file"):
            validate(wf)

    def test_a_report_needs_its_stage(self):
        with pytest.raises(WorkflowError, match="simulate"):
            validate(Workflow(["ala3.pdb"], Report("frames"), system=System(IMPLICIT)))
        with pytest.raises(WorkflowError, match="trajectory reporter"):
            validate(Workflow(["ala3.pdb"], Report("frames"), system=System(IMPLICIT), simulate=Simulate(100)))

    def test_solvation_needs_exactly_one_size(self):
        with pytest.raises(WorkflowError, match="padding or a box size"):
            validate(Workflow(["ala3.pdb"], Report("waters"), build=Build(solvate=True)))

    def test_the_file_is_checked(self, folder):
        with pytest.raises(WorkflowError, match="no chain Z"):
            validate(Workflow(["1tcd.pdb"], Report("atoms"), build=Build(delete_chains=["Z"])), folder)
        with pytest.raises(WorkflowError, match="no parameters for"):  # 181l's benzene and HED, kept
            validate(Workflow(["181l.pdb"], Report("energy"), system=System(IMPLICIT)), folder)
        with pytest.raises(WorkflowError, match="needs a periodic box"):
            validate(Workflow(["ala3.pdb"], Report("energy"), system=System(IMPLICIT, nonbonded="PME")), folder)

    def test_solvent_and_force_field_must_agree(self):
        build = Build(solvate=True, padding_nm=1.0, water_model="tip4pew")
        with pytest.raises(WorkflowError, match="does not match"):
            validate(Workflow(["ala3.pdb"], Report("waters"), build=build,
                              system=System(["amber14-all.xml", "amber14/tip3pfb.xml"])))

    def test_a_box_volume_needs_a_box(self, folder, real_settings):
        with pytest.raises(WorkflowError, match="no periodic box"):
            validate(Workflow(["met_enkephalin.pdb"], Report("box_volume")), folder)
        shutil.copyfile(real_settings.structures / "1vii.pdb", folder / "1vii.pdb")  # CRYST1 of 1 Å: a placeholder
        with pytest.raises(WorkflowError, match="placeholder"):
            validate(Workflow(["1vii.pdb"], Report("box_volume")), folder)


class TestRender:
    def test_prepare_counts_what_pdbfixer_changed(self, folder):
        wf = Workflow(["5zmz.pdb"], Report("hydrogens_added"),
                      prepare=Prepare("model", heterogens="remove", missing_atoms=True, hydrogens_ph=7.0))
        ns = run_cell(code_for(wf))
        from pdbfixer import PDBFixer

        fixer = PDBFixer(filename="5zmz.pdb")  # the same steps, written out independently
        fixer.removeHeterogens(keepWater=False)
        fixer.findMissingResidues()
        fixer.findMissingAtoms()
        fixer.addMissingAtoms()
        before = sum(a.element.symbol == "H" for a in fixer.topology.atoms())
        fixer.addMissingHydrogens(7.0)
        assert ns["answer"] == sum(a.element.symbol == "H" for a in fixer.topology.atoms()) - before > 0

    def test_modeller_deletes_waters_and_a_chain(self, folder):
        ns = run_cell(code_for(Workflow(["1tcd.pdb"], Report("atoms"), build=Build(delete_water=True,
                                                                                   delete_chains=["B"]))))
        import mdtraj as md

        top = md.load("1tcd.pdb").topology
        assert ns["answer"] == len(top.select("not water and chainid 0"))  # chain A, the first

    def test_minimisation_lowers_the_energy(self, folder):
        wf = Workflow(["ala3.pdb"], Report("energy"), system=System(IMPLICIT), minimise=Minimise(), platform="CPU")
        ns = run_cell(code_for(wf))
        assert ns["answer"] == ns["energy_minimised"] < ns["energy_start"]

    def test_a_short_run_writes_its_frames_rows_and_checkpoint(self, folder):
        wf = Workflow(["ala3.pdb"], Report("rows"), system=System(IMPLICIT, constraints="HBonds"), platform="CPU",
                      simulate=Simulate(200, seed=5, dcd_every=50, state_every=20))
        ns = run_cell(code_for(wf))
        assert ns["answer"] == 10
        assert ns["summary"].finished and ns["summary"].step == 200
        assert {"ala3_md.dcd", "ala3_md.csv", "ala3_md.chk"} <= set(os.listdir(folder))

    def test_a_seeded_run_repeats_exactly(self, folder):
        """Minimisation and dynamics on two CPU threads drift apart from run to run (a blind task's Rg came out
        0.34 or 0.37 nm from the same cell); a seed makes the run repeat to the last bit."""
        wf = Workflow(["ala3.pdb"], Report("mean_energy"), system=System(IMPLICIT, constraints="HBonds"), platform="CPU",
                      minimise=Minimise(), simulate=Simulate(300, seed=11, state_every=50))
        first, second = run_cell(code_for(wf)), run_cell(code_for(wf))
        assert first["answer"] == second["answer"] and first["energy_minimised"] == second["energy_minimised"]
        assert first["run_record"]["platform_properties"] == {"Threads": "1"}

    def test_reporters_start_after_the_equilibration(self, folder):
        wf = Workflow(["ala3.pdb"], Report("rows"), system=System(IMPLICIT, constraints="HBonds"), platform="CPU",
                      simulate=Simulate(200, seed=5, state_every=20, equilibration_steps=100))
        ns = run_cell(code_for(wf))
        assert ns["answer"] == 10 and ns["summary"].step == 300
        assert ns["state_data"].iloc[0, 0] == 120  # the first report comes after the equilibration

    def test_one_force_energy_adds_up_with_the_others(self, folder):
        wf = Workflow(["ala3.pdb"], Report("energy", {"force": "HarmonicAngleForce"}), system=System(IMPLICIT),
                      minimise=Minimise(), platform="CPU")
        wf.report.args["when"] = "minimised"
        ns = run_cell(code_for(wf))
        assert ns["answer"] == ns["terms_minimised"]["HarmonicAngleForce"] > 0
        assert sum(ns["terms_minimised"].values()) == pytest.approx(ns["energy_minimised"], rel=1e-4)

    def test_degrees_of_freedom(self, folder):
        wf = Workflow(["ala3.pdb"], Report("dof"), system=System(IMPLICIT, constraints="HBonds"))
        ns = run_cell(code_for(wf))
        system = ns["system"]
        assert ns["answer"] == 3 * system.getNumParticles() - system.getNumConstraints() - 3

    def test_a_run_cut_short_gives_no_number(self, folder):
        wf = Workflow(["ala3.pdb"], Report("frames"), system=System(IMPLICIT), platform="CPU",
                      simulate=Simulate(400, seed=1, dcd_every=100))
        code = code_for(wf).replace("report_every=100,", "report_every=100, stop_file='ala3.pdb',")
        with pytest.raises(RuntimeError, match="the run stopped"):
            run_cell(code)

    def test_values_enter_the_code_as_literals(self):
        import ast

        odd = "A'); import os\nimport os  # "
        wf = Workflow([odd + ".pdb"], Report("waters"), build=Build(delete_chains=[odd]))
        with pytest.raises(WorkflowError, match="chain"):
            validate(wf)
        imported = {alias.name for node in ast.walk(ast.parse(code_for(wf))) if isinstance(node, ast.Import)
                    for alias in node.names}
        assert imported == {"openmm", "openmm.app", "openmm.unit"}

    def test_restatement_names_every_stage(self):
        wf = Workflow(["ala3.pdb"], Report("mean_temperature"), system=System(IMPLICIT, constraints="HBonds"),
                      minimise=Minimise(), simulate=Simulate(5000, 310.0, 2.0, 2.0, seed=99, state_every=50))
        text = restate(wf)
        for words in ("amber14-all.xml", "HBonds", "minimise", "5,000 steps", "10 ps", "310 K", "seed 99",
                      "every 50 steps", "mean reported temperature"):
            assert words in text


def _small_simulation(platform: str = "CPU"):
    import openmm.app as app
    import openmm.unit as unit

    structure = app.PDBFile("ala3.pdb")
    system = app.ForceField(*IMPLICIT).createSystem(structure.topology, constraints=app.HBonds)
    integrator = openmm.LangevinMiddleIntegrator(300 * unit.kelvin, 1 / unit.picosecond, 0.002 * unit.picoseconds)
    integrator.setRandomNumberSeed(3)
    simulation = app.Simulation(structure.topology, system, integrator, openmm.Platform.getPlatformByName(platform))
    simulation.context.setPositions(structure.positions)
    simulation.context.setVelocitiesToTemperature(300 * unit.kelvin, 3)
    return simulation


class TestSimulationRun:
    def test_a_resumed_run_continues_at_the_checkpoint_step(self, folder):
        from molsys_ai_jupyter.simulation import resume, run

        first = _small_simulation()
        summary = run(first, 300, report_every=50, checkpoint="run.chk", checkpoint_every=100, stop_file="STOP",
                      progress=False)
        assert summary.finished and summary.step == 300 and Path("run.chk").is_file()
        Path("STOP").touch()  # the user asks to stop: the run stops at the next report, with a checkpoint
        stopped = run(first, 1000, report_every=50, checkpoint="run.chk", stop_file="STOP", progress=False)
        assert stopped.stopped == "stop file" and stopped.step == 350 and stopped.checkpoint == "run.chk"
        Path("STOP").unlink()
        again = _small_simulation()
        assert resume(again, "run.chk") == 350
        done = run(again, 1000, report_every=50, progress=False)
        assert done.finished and done.step == 1000 and done.steps_done == 650

    def test_an_interrupt_stops_cleanly_and_leaves_a_checkpoint(self, folder):
        import openmm.app  # noqa: F401 - the reporter below runs inside Simulation.step

        from molsys_ai_jupyter.simulation import run

        class InterruptAt:
            """Raises KeyboardInterrupt (what a kernel interrupt raises) once step 120 is reached."""

            def describeNextReport(self, simulation):  # noqa: N802 - OpenMM's reporter protocol
                return {"steps": 120 - simulation.currentStep % 120, "periodic": None, "include": []}

            def report(self, simulation, state):
                raise KeyboardInterrupt

        simulation = _small_simulation()
        simulation.reporters.append(InterruptAt())
        summary = run(simulation, 1000, report_every=40, checkpoint="cut.chk", progress=False)
        assert summary.stopped == "interrupted" and summary.checkpoint == "cut.chk" and Path("cut.chk").is_file()
        assert 120 <= summary.step < 1000
        fresh = _small_simulation()
        fresh.loadCheckpoint("cut.chk")
        assert fresh.currentStep == summary.step

    def test_a_time_budget_stops_the_run(self, folder):
        from molsys_ai_jupyter.simulation import run

        summary = run(_small_simulation(), 10**9, report_every=10, budget_minutes=1e-9, checkpoint="b.chk",
                      progress=False)
        assert summary.stopped == "time budget" and summary.step == 10 and Path("b.chk").is_file()

    def test_bad_arguments_are_one_clear_error(self, folder):
        from molsys_ai_jupyter.simulation import run

        with pytest.raises(ValueError, match="steps must be positive"):
            run(_small_simulation(), 0, progress=False)
