"""A workflow's code (one readable OpenMM/PDBFixer cell that ends by setting ``answer``
and says what each step changed) and its one-sentence restatement. Where molsysmt is
importable, its preparation and building are molsysmt calls (:mod:`.render_molsysmt`)."""

from __future__ import annotations

from pathlib import Path

from .plan import ION_RESIDUES, LENGTH_UNITS, REPORTS, WATER_RESIDUES, Workflow

_REPORT_WORDS = {
    "missing_residues": "the number of missing residues PDBFixer finds",
    "missing_atoms": "the number of missing heavy atoms PDBFixer finds",
    "atoms_added": "the number of heavy atoms added",
    "hydrogens_added": "the number of hydrogens added",
    "atoms": "the number of atoms", "residues": "the number of residues", "chains": "the number of chains",
    "waters": "the number of water molecules", "constraints": "the number of constraints",
    "dof": "the number of degrees of freedom (3 per particle with mass, less the constraints, less 3 when the "
           "centre-of-mass motion is removed)",
    "forces": "the number of Force objects", "particles": "the number of particles (virtual sites included)",
    "frames": "the number of frames in the trajectory", "rows": "the number of data rows in the state-data CSV",
    "mean_temperature": "the mean reported temperature", "mean_energy": "the mean reported potential energy",
    "energy_change": "the change of the potential energy on minimising (minimised minus initial)",
    "hydrogens": "the number of hydrogen atoms",
    "box_volume": "the volume of the periodic box",
    "box_edge": "the edge of the cubic periodic box, in nm",
    "charge": "the net charge of the system, in e",
}
SYSTEM_ONLY = ("constraints", "forces", "particles", "charge", "terms", "dof")  # read from the System, no Context
SOLVATION_FORCEFIELD = ("amber14-all.xml", "amber14/tip3pfb.xml")  # to solvate a system that names none
_ATOMS = {"heavy": "heavy atoms", "all": "all atoms", "backbone": "backbone atoms", "CA": "Cα atoms"}
_MDTRAJ_ATOMS = {"heavy": "not element H", "all": "all", "backbone": "backbone", "CA": "name CA"}


def _num(value: float) -> str:
    return f"{value:g}"


def restate(wf: Workflow) -> str:
    """One plain sentence: what will be done, in order, and what is reported."""
    parts = [f"Load {' with '.join(wf.files)}"]
    p = wf.prepare
    if p:
        fixes = []
        if p.missing_residues == "model":
            fixes.append("model the missing residues")
        elif p.missing_residues == "ignore":
            fixes.append("find the missing residues without modelling them")
        if p.nonstandard:
            fixes.append("replace non-standard residues")
        if p.heterogens == "remove":
            fixes.append("remove heterogens and waters")
        elif p.heterogens == "remove_keep_water":
            fixes.append("remove heterogens but keep the waters")
        if p.missing_atoms:
            fixes.append("add missing heavy atoms")
        if p.hydrogens_ph is not None:
            fixes.append(f"add hydrogens at pH {_num(p.hydrogens_ph)}")
        tool = "molsysmt" if wf.engine == "molsysmt" else "PDBFixer"
        parts.append(f"with {tool} " + (", ".join(fixes) if fixes else "read it"))
    b = wf.build
    if b:
        if b.delete_water:
            parts.append("delete the waters")
        if b.delete_chains:
            parts.append(f"delete chain{'s' if len(b.delete_chains) > 1 else ''} {', '.join(b.delete_chains)}")
        if b.keep_chains:
            parts.append(f"keep only chain{'s' if len(b.keep_chains) > 1 else ''} {', '.join(b.keep_chains)}")
        if b.solvate:
            size = (f"{_num(b.padding_nm)} nm padding" if b.padding_nm is not None
                    else f"a {' × '.join(_num(x) for x in b.box_nm)} nm box" if b.box_nm is not None else "no box size")
            ions = "neutralised" if b.neutralize else "not neutralised"
            if b.ionic_strength_molar:
                ions += f", {_num(b.ionic_strength_molar)} M {b.positive_ion}/{b.negative_ion}"
            shape = "" if b.box_shape == "cube" else f" {b.box_shape}"
            tool = " with molsysmt" if wf.engine == "molsysmt" else ""
            parts.append(f"solvate{tool} in {b.water_model.upper()} ({size}{shape}, {ions})")
    s = wf.system
    if s:
        source = "the Amber topology" + (f" with {s.implicit} implicit solvent" if s.implicit else "") \
            if wf.from_amber else " + ".join(s.forcefield)
        extra = [s.nonbonded + (f" {_num(s.cutoff_nm)} nm" if s.cutoff_nm else ""),
                 f"{s.constraints} constraints" if s.constraints else "no constraints"]
        if not s.rigid_water:
            extra.append("flexible water")
        if s.pressure_bar is not None:
            extra.append(f"{_num(s.pressure_bar)} bar barostat"
                         + (f" every {s.barostat_every} steps" if s.barostat_every != 25 else ""))
        parts.append(f"build the system with {source} ({', '.join(extra)})")
    if wf.minimise:
        parts.append(f"minimise to {_num(wf.minimise.tolerance)} kJ/mol/nm"
                     + (f" (at most {wf.minimise.max_iterations} iterations)" if wf.minimise.max_iterations else ""))
    m = wf.simulate
    if m:
        ns = m.steps * m.step_fs / 1e6
        length = f"{ns * 1000:g} ps" if ns < 1 else f"{ns:g} ns"
        run = (f"run {m.steps:,} steps of {_num(m.step_fs)} fs ({length}) of Langevin dynamics at "
               f"{_num(m.temperature_k)} K, friction {_num(m.friction_per_ps)}/ps")
        if m.equilibration_steps:
            run = f"run {m.equilibration_steps:,} steps of equilibration with no reporter, then " + run[4:]
        if m.seed is not None:
            run += f", seed {m.seed}"
        reports = []
        if m.dcd_every:
            reports.append(f"a DCD frame every {m.dcd_every} steps")
        if m.state_every:
            reports.append(f"state data every {m.state_every} steps")
        if m.checkpoint_every:
            reports.append(f"a checkpoint every {m.checkpoint_every} steps")
        parts.append(run + (f", saving {', '.join(reports)}" if reports else ""))
        if m.estimated_minutes is not None:
            took = "under a minute" if m.estimated_minutes < 1 else f"about {m.estimated_minutes:.0f} min"
            parts.append(f"{took} on a 2-core CPU")
        if m.budget_minutes is not None:
            parts.append(f"stopping after {_num(m.budget_minutes)} min with a checkpoint")
    platform = ("on the CUDA platform when present, else the CPU" if wf.platform == "auto" else f"on the {wf.platform} platform") + \
        " (on a CPU one thread, so that minimisations and runs repeat exactly; on a GPU they can end slightly differently)"
    if wf.minimise or wf.simulate or wf.report.quantity in ("energy", "energy_change"):
        parts.append(platform)
    return "; ".join(parts) + f"; report {_report_words(wf)}."


def energy_when(wf: Workflow) -> str:
    """Which potential energy an energy report means: the one asked for, else the last
    one the workflow makes (a run's end needs saying: "final energy")."""
    said = wf.report.args.get("when")
    if said:
        return said
    return "minimised" if wf.minimise else "initial"


def _report_words(wf: Workflow) -> str:
    q, args = wf.report.quantity, wf.report.args
    if q == "energy_change" and args.get("sign") == "drop":
        return "how much minimising lowers the potential energy (initial minus minimised)"
    if q == "missing_atoms" and args.get("terminals") is False:
        return "the number of missing heavy atoms PDBFixer finds in the residues (fixer.missingAtoms), not the terminal ones"
    if q == "terms":
        return {"bonds": "the number of bonds of the HarmonicBondForce", "angles": "the number of angles of the HarmonicAngleForce",
                "torsions": "the number of torsions of the PeriodicTorsionForce",
                "cmap": "the number of CMAP torsions"}[args["term"]]
    if q == "waters" and args.get("added"):
        return "the number of water molecules added"
    if q == "ions":
        return f"the number of {args.get('ion', 'ions')} ions" + (" added" if args.get("added") else "")
    if q == "energy":
        when = {"initial": "before any minimisation", "minimised": "after minimisation",
                "final": "at the end of the run"}[energy_when(wf)]
        of = f" of the {args['force']} alone" if args.get("force") else ""
        return f"the potential energy{of} {when} in {wf.energy_unit}"
    over = "of the final structure"
    if args.get("over") == "trajectory":
        over = {"mean": "averaged over the saved frames", "last": "in the last saved frame", "max": "at its largest over the saved frames",
                "min": "at its smallest over the saved frames"}[args.get("how", "mean")]
    if q == "rg":
        weights = "mass-weighted" if args.get("mass_weighted") else "not mass-weighted"
        return f"the radius of gyration of the {_ATOMS[args.get('atoms', 'all')]} ({weights}) {over}, in {wf.unit}"
    if q == "rmsd":
        return (f"the RMSD of the {_ATOMS[args.get('atoms', 'heavy')]} to the starting structure after superposition "
                f"{over}, in {wf.unit}")
    return _REPORT_WORDS[q]


class _Code:
    def __init__(self):
        self.lines: list[str] = []
        self.forcefield = False  # is ``forcefield`` defined yet?

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def code_for(wf: Workflow) -> str:
    """The workflow's cell. With ``wf.engine == "molsysmt"``, molsysmt prepares and builds
    the system and hands it to OpenMM; otherwise PDBFixer and Modeller do."""
    front = None
    if wf.engine == "molsysmt":
        from . import render_molsysmt

        front = render_molsysmt.prepare_and_build
    c = _Code()
    c.add("# " + " ".join(restate(wf).split()), "import openmm", "import openmm.app as app", "import openmm.unit as unit")
    q = wf.report.quantity
    if front:
        c.add("import molsysmt as msm")
    elif wf.prepare:
        c.add("from pdbfixer import PDBFixer")
    if q in ("rg", "rmsd", "frames"):
        c.add("import mdtraj as md", "import numpy as np")
    if q in ("rows", "mean_temperature", "mean_energy"):
        c.add("import pandas as pd")
    c.add("from molsys_ai_jupyter.simulation import provenance" + (", run" if wf.simulate else ""))
    c.add("")
    if front:
        front(wf, c)
    else:
        _load(wf, c)
        if wf.prepare:
            _prepare(wf, c)
        if wf.build:
            _build(wf, c)
    if q == "rmsd" or (q == "rg" and not (wf.minimise or wf.simulate)):
        c.add("start_positions = positions")
    if wf.system:
        _system(wf, c)
    if wf.simulate:
        _simulate(wf, c)
    _report(wf, c)
    _plot(wf, c)
    _provenance(wf, c)
    return c.text()


def _plot(wf: Workflow, c: _Code) -> None:
    """A run's state data (temperature, potential energy) or a per-frame value, drawn: where a
    person would rather look than read numbers."""
    q, args = wf.report.quantity, wf.report.args
    per_frame = q in ("rg", "rmsd") and args.get("over") == "trajectory"
    if not (q in ("rows", "mean_temperature", "mean_energy") or per_frame):
        return
    c.add("", "import matplotlib.pyplot as plt")
    if per_frame:
        label = "radius of gyration" if q == "rg" else "RMSD to the start"
        c.add("figure, axis = plt.subplots(figsize=(6, 3))",
              "axis.plot(values, marker='o')", "axis.set_xlabel('saved frame')", f"axis.set_ylabel({label + ' (nm)'!r})")
    else:
        c.add("figure, (top, bottom) = plt.subplots(2, 1, figsize=(6, 4), sharex=True)",
              "top.plot(state_data['Time (ps)'], state_data['Temperature (K)'])", "top.set_ylabel('temperature (K)')",
              "bottom.plot(state_data['Time (ps)'], state_data['Potential Energy (kJ/mole)'])",
              "bottom.set_ylabel('potential energy (kJ/mol)')", "bottom.set_xlabel('time (ps)')")
    c.add("figure.tight_layout()", "plt.show()")


def _has_context(wf: Workflow) -> bool:
    """Does the code make a Simulation (and so a platform)?"""
    return wf.system is not None and not (wf.report.quantity in SYSTEM_ONLY
                                          and not (wf.minimise or wf.simulate))


def _provenance(wf: Workflow, c: _Code) -> None:
    import pprint

    seeds = {}
    if wf.simulate and wf.simulate.seed is not None:
        seeds["integrator"] = wf.simulate.seed
    if wf.simulate and (wf.simulate.velocity_seed or wf.simulate.seed) is not None:
        seeds["velocities"] = wf.simulate.velocity_seed if wf.simulate.velocity_seed is not None else wf.simulate.seed
    forcefield = list(wf.system.forcefield) if wf.system else []
    if wf.build and wf.build.solvate and not forcefield:
        forcefield = list(SOLVATION_FORCEFIELD)
    lead = " " * len("run_record = provenance(") + "parameters="
    parameters = pprint.pformat(wf.to_dict(), width=110 - len(lead), compact=True).replace("\n", "\n" + " " * len(lead))
    c.add("# what this ran with: versions, platform, seeds, checksums of the inputs, every parameter",
          f"run_record = provenance({list(wf.files)!r}, forcefield={forcefield!r},"
          + (" platform=platform," if _has_context(wf) else "")
          + (" properties=properties," if _has_context(wf) else "")
          + f" seeds={seeds!r},",
          f"{lead}{parameters})")


def _ion_count(ion: str | None, topology: str) -> str:
    names = (repr(ION_RESIDUES[ion]),) if ion else tuple(repr(n) for n in sorted(set(ION_RESIDUES.values())))
    return f"sum(1 for r in {topology}.residues() if r.name in ({', '.join(names)},))"


def _hydrogens(target: str) -> str:
    return f"sum(1 for atom in {target}.atoms() if atom.element is not None and atom.element.symbol == 'H')"


def _load(wf: Workflow, c: _Code) -> None:
    name = wf.structure
    if wf.from_amber:
        c.add(f"prmtop = app.AmberPrmtopFile({name!r})")
        if len(wf.files) > 1:
            c.add(f"inpcrd = app.AmberInpcrdFile({wf.files[1]!r})", "topology, positions = prmtop.topology, inpcrd.positions")
        else:  # a count from the topology alone
            c.add("topology = prmtop.topology")
    elif wf.prepare:
        c.add(f"fixer = PDBFixer(filename={name!r})")
    else:
        reader = "app.PDBxFile" if Path(name).suffix.lower() in (".cif", ".pdbx") else "app.PDBFile"
        c.add(f"structure = {reader}({name!r})", "topology, positions = structure.topology, structure.positions")
    if not wf.prepare:
        c.add(f"print({name!r}, f'{{topology.getNumAtoms():,}} atoms, {{topology.getNumResidues():,}} residues')")


def _prepare(wf: Workflow, c: _Code) -> None:
    p = wf.prepare
    c.add("", "# prepare with PDBFixer (in its documented order); each step says what it changed",
          "print(f'read: {fixer.topology.getNumAtoms():,} atoms')")
    if p.missing_residues == "skip":
        c.add("fixer.missingResidues = {}  # missing residues are not looked for")
    else:
        c.add("fixer.findMissingResidues()", "missing_residues = sum(len(gap) for gap in fixer.missingResidues.values())",
              "print(f'missing residues: {missing_residues} in {len(fixer.missingResidues)} gaps')")
        if p.missing_residues == "ignore":
            c.add("fixer.missingResidues = {}  # found, not modelled")
    if p.nonstandard:
        c.add("fixer.findNonstandardResidues()",
              "print(f'non-standard residues replaced: {len(fixer.nonstandardResidues)}')",
              "fixer.replaceNonstandardResidues()")
    if p.heterogens != "keep":
        keep = p.heterogens == "remove_keep_water"
        c.add("atoms_before = fixer.topology.getNumAtoms()", f"fixer.removeHeterogens(keepWater={keep})",
              f"print(f'removed {{atoms_before - fixer.topology.getNumAtoms():,}} heterogen atoms"
              f"{' (waters kept)' if keep else ' (waters included)'}')")
    if p.missing_atoms or wf.report.quantity == "missing_atoms":
        terminals = wf.report.args.get("terminals", True)
        c.add("fixer.findMissingAtoms()",
              "missing_atoms = sum(len(atoms) for atoms in fixer.missingAtoms.values())"
              + (" + sum(len(atoms) for atoms in fixer.missingTerminals.values())" if terminals else
                 "  # the residues' own, not the terminal ones"))
    if p.missing_atoms:
        with_residues = " (and the missing residues)" if p.missing_residues == "model" else ""
        c.add("atoms_before = fixer.topology.getNumAtoms()", "fixer.addMissingAtoms()",
              "atoms_added = fixer.topology.getNumAtoms() - atoms_before",
              f"print(f'added {{atoms_added:,}} atoms{with_residues}')")
    if p.hydrogens_ph is not None:
        c.add(f"hydrogens_before = {_hydrogens('fixer.topology')}", f"fixer.addMissingHydrogens({p.hydrogens_ph!r})",
              f"hydrogens_added = {_hydrogens('fixer.topology')} - hydrogens_before",
              f"print(f'added {{hydrogens_added:,}} hydrogens at pH {_num(p.hydrogens_ph)}')")
    c.add("topology, positions = fixer.topology, fixer.positions",
          "print(f'prepared: {topology.getNumAtoms():,} atoms, {topology.getNumResidues():,} residues')")


def _forcefield(wf: Workflow, c: _Code) -> None:
    c.add(f"forcefield = app.ForceField({', '.join(repr(f) for f in wf.system.forcefield)})")
    c.forcefield = True


def _build(wf: Workflow, c: _Code) -> None:
    b = wf.build
    c.add("", "# build with Modeller", "modeller = app.Modeller(topology, positions)")
    if b.delete_water:
        c.add(f"waters = [r for r in modeller.topology.residues() if r.name in {WATER_RESIDUES!r}]",
              "modeller.delete(waters)", "print(f'deleted {len(waters):,} waters')")
    if b.delete_chains or b.keep_chains:
        test = f"c.id in {b.delete_chains!r}" if b.delete_chains else f"c.id not in {b.keep_chains!r}"
        c.add(f"chains = [c for c in modeller.topology.chains() if {test}]",
              "atoms_before = modeller.topology.getNumAtoms()", "modeller.delete(chains)",
              "print(f'deleted chains {[c.id for c in chains]}: {atoms_before - modeller.topology.getNumAtoms():,} atoms')")
    if b.solvate:
        if wf.system and not wf.from_amber:
            _forcefield(wf, c)
        else:
            c.add(f"forcefield = app.ForceField({', '.join(repr(f) for f in SOLVATION_FORCEFIELD)})")
        size = (f"padding={b.padding_nm!r} * unit.nanometer" if b.padding_nm is not None
                else f"boxSize=openmm.Vec3({', '.join(repr(float(x)) for x in b.box_nm)}) * unit.nanometer")
        shape = f", boxShape={b.box_shape!r}" if b.box_shape != "cube" else ""
        model = "tip3p" if b.water_model == "tip3pfb" else ("tip4pew" if b.water_model == "tip4pfb" else b.water_model)
        if wf.report.quantity == "ions" and wf.report.args.get("added"):
            c.add(f"ions_before = {_ion_count(wf.report.args.get('ion'), 'modeller.topology')}")
        c.add(f"waters_before = sum(1 for r in modeller.topology.residues() if r.name in {WATER_RESIDUES!r})",
              f"modeller.addSolvent(forcefield, model={model!r}, {size}{shape}, neutralize={b.neutralize},",
              f"                    ionicStrength={b.ionic_strength_molar!r} * unit.molar, "
              f"positiveIon={b.positive_ion!r}, negativeIon={b.negative_ion!r})",
              "names = [r.name for r in modeller.topology.residues()]",
              f"print(f\"added {{names.count('HOH') - waters_before:,}} waters, {{names.count({ION_RESIDUES[b.positive_ion]!r})}} "
              f"{b.positive_ion}, {{names.count({ION_RESIDUES[b.negative_ion]!r})}} {b.negative_ion}\")")
    c.add("topology, positions = modeller.topology, modeller.positions",
          "print(f'built: {topology.getNumAtoms():,} atoms')")


def _system(wf: Workflow, c: _Code) -> None:
    s = wf.system
    c.add("", "# the system")
    args = [f"nonbondedMethod=app.{s.nonbonded}"]
    if s.cutoff_nm is not None:
        args.append(f"nonbondedCutoff={s.cutoff_nm!r} * unit.nanometer")
    if s.ewald_tolerance is not None:
        args.append(f"ewaldErrorTolerance={s.ewald_tolerance!r}")
    args.append(f"constraints={'app.' + s.constraints if s.constraints else None}")
    args.append(f"rigidWater={s.rigid_water}")
    if wf.from_amber:
        if s.implicit:
            args.append(f"implicitSolvent=app.{s.implicit}")
        c.add(f"system = prmtop.createSystem({', '.join(args)})")
    else:
        if not c.forcefield:
            _forcefield(wf, c)
        c.add(f"system = forcefield.createSystem(topology, {', '.join(args)})")
    if s.pressure_bar is not None:
        every = f", {s.barostat_every!r}" if s.barostat_every != 25 else ""
        c.add(f"system.addForce(openmm.MonteCarloBarostat({s.pressure_bar!r} * unit.bar, "
              f"{wf.simulate.temperature_k!r} * unit.kelvin{every}))")
    c.add("print(f'system: {system.getNumParticles():,} particles, {system.getNumConstraints():,} constraints, "
          "{system.getNumForces()} forces')")
    if wf.report.quantity in SYSTEM_ONLY and not (wf.minimise or wf.simulate):
        return
    m = wf.simulate
    temperature, friction, step = (m.temperature_k, m.friction_per_ps, m.step_fs) if m else (300.0, 1.0, 2.0)
    c.add(f"integrator = openmm.LangevinMiddleIntegrator({temperature!r} * unit.kelvin, "
          f"{friction!r} / unit.picosecond, {step / 1000.0!r} * unit.picoseconds)")
    if m and m.seed is not None:
        c.add(f"integrator.setRandomNumberSeed({m.seed!r})")
    if wf.platform == "auto":
        c.add("available = [openmm.Platform.getPlatform(i).getName() for i in range(openmm.Platform.getNumPlatforms())]",
              "platform = openmm.Platform.getPlatformByName('CUDA' if 'CUDA' in available else 'CPU')")
    else:
        c.add(f"platform = openmm.Platform.getPlatformByName({wf.platform!r})")
    by_force = wf.report.quantity == "energy" and wf.report.args.get("force")
    if by_force:
        c.add("for index, force in enumerate(system.getForces()):  # one group per Force: its energy alone",
              "    force.setForceGroup(index)")
    # numbers that repeat: forces summed in one fixed order (more CPU threads sum them in a varying order, and a
    # minimisation or a run drifts apart from one time to the next; on CUDA the minimiser still varies a little)
    c.add("if platform.getName() == 'CPU':",
          "    properties = {'Threads': '1'}",
          "elif 'DeterministicForces' in platform.getPropertyNames():",
          "    properties = {'DeterministicForces': 'true'}",
          "else:",
          "    properties = {}",
          "simulation = app.Simulation(topology, system, integrator, platform, properties)")
    c.add("simulation.context.setPositions(positions)")
    if wf.from_amber and wf.system.nonbonded in ("PME", "Ewald", "LJPME", "CutoffPeriodic"):
        c.add("if inpcrd.boxVectors is not None:", "    simulation.context.setPeriodicBoxVectors(*inpcrd.boxVectors)")
    c.add("print(f'platform: {platform.getName()}')", "",
          "def potential_energy():",
          "    state = simulation.context.getState(getEnergy=True)",
          "    return state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)", "",
          "energy_start = potential_energy()", "print(f'potential energy: {energy_start:,.2f} kJ/mol')")
    if by_force:
        c.add("", "def energy_by_force():",
              "    \"\"\"kJ/mol of each kind of Force (the forces of one class summed).\"\"\"",
              "    terms = {}",
              "    for index, force in enumerate(system.getForces()):",
              "        state = simulation.context.getState(getEnergy=True, groups={index})",
              "        name = type(force).__name__",
              "        terms[name] = terms.get(name, 0.0) + state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)",
              "    return terms", "",
              "terms_start = energy_by_force()",
              "print('by force:', ', '.join(f'{name} {value:,.2f}' for name, value in terms_start.items()))")
    if wf.minimise:
        c.add(f"simulation.minimizeEnergy(tolerance={wf.minimise.tolerance!r} * unit.kilojoule_per_mole / unit.nanometer, "
              f"maxIterations={wf.minimise.max_iterations!r})",
              "energy_minimised = potential_energy()",
              *(["terms_minimised = energy_by_force()"] if by_force else []),
              "print(f'minimised: {energy_minimised:,.2f} kJ/mol ({energy_minimised - energy_start:+,.2f})')",
              "positions = simulation.context.getState(getPositions=True).getPositions()")


def _simulate(wf: Workflow, c: _Code) -> None:
    m = wf.simulate
    stem = wf.stem
    c.add("", "# the run: its files are kept in this folder")
    if m.velocities:
        seed = m.velocity_seed if m.velocity_seed is not None else m.seed
        c.add(f"simulation.context.setVelocitiesToTemperature({m.temperature_k!r} * unit.kelvin"
              + (f", {seed!r})" if seed is not None else ")"))
    if m.equilibration_steps:
        c.add(f"equilibration = run(simulation, {m.equilibration_steps!r})  # no reporter attached yet", "print(equilibration)",
              "if not equilibration.finished:",
              "    raise RuntimeError(f'the equilibration stopped ({equilibration.stopped}) at step {equilibration.step:,}')")
    if m.dcd_every:
        c.add(f"simulation.reporters.append(app.DCDReporter({stem + '.dcd'!r}, {m.dcd_every!r}))")
    if m.state_every:
        c.add(f"simulation.reporters.append(app.StateDataReporter({stem + '.csv'!r}, {m.state_every!r}, step=True, "
              "time=True, potentialEnergy=True, temperature=True))")
    every = [e for e in (m.dcd_every, m.state_every, m.checkpoint_every) if e]
    chunk = min(every) if every else max(1, m.steps // 100)
    checkpoint = f", checkpoint={stem + '.chk'!r}, checkpoint_every={m.checkpoint_every or m.steps!r}"
    if m.budget_minutes is not None:
        checkpoint += f", budget_minutes={m.budget_minutes!r}"
    end = f"{m.equilibration_steps!r} + {m.steps!r}" if m.equilibration_steps else repr(m.steps)
    c.add(f"summary = run(simulation, {end}, report_every={chunk!r}{checkpoint})", "print(summary)",
          "if not summary.finished:  # no number from a run cut short",
          "    raise RuntimeError(f'the run stopped ({summary.stopped}) at step {summary.step:,}; resume it from {summary.checkpoint}')",
          "positions = simulation.context.getState(getPositions=True).getPositions()")


def _report(wf: Workflow, c: _Code) -> None:
    q, args = wf.report.quantity, wf.report.args
    c.add("")
    values = {
        "missing_residues": "missing_residues", "missing_atoms": "missing_atoms", "atoms_added": "atoms_added",
        "hydrogens_added": "hydrogens_added", "atoms": "topology.getNumAtoms()",
        "residues": "topology.getNumResidues()", "chains": "topology.getNumChains()",
        "waters": f"sum(1 for r in topology.residues() if r.name in {WATER_RESIDUES!r})",
        "constraints": "system.getNumConstraints()", "forces": "system.getNumForces()",
        "dof": ("3 * sum(1 for i in range(system.getNumParticles()) if system.getParticleMass(i) > 0 * unit.dalton) "
                "- system.getNumConstraints() - (3 if any(isinstance(f, openmm.CMMotionRemover) for f in system.getForces()) "
                "else 0)"),
        "particles": "system.getNumParticles()",
        "energy": ({"initial": "terms_start", "minimised": "terms_minimised", "final": "energy_by_force()"}[energy_when(wf)]
                   + f"[{args['force']!r}]" if args.get("force") else
                   {"initial": "energy_start", "minimised": "energy_minimised", "final": "potential_energy()"}[energy_when(wf)]),
        "energy_change": ("energy_start - energy_minimised" if args.get("sign") == "drop"
                          else "energy_minimised - energy_start"),
        "hydrogens": _hydrogens("topology"),
    }
    if q == "waters" and args.get("added"):
        c.add(f"answer = sum(1 for r in topology.residues() if r.name in {WATER_RESIDUES!r}) - waters_before")
    elif q in values:
        c.add(f"answer = {values[q]}")
    elif q == "ions":
        c.add(f"answer = {_ion_count(args.get('ion'), 'topology')}" + (" - ions_before" if args.get("added") else ""))
    elif q == "frames":
        c.add(f"with md.open({wf.stem + '.dcd'!r}) as trajectory:", "    answer = len(trajectory)")
    elif q in ("rows", "mean_temperature", "mean_energy"):
        c.add(f"state_data = pd.read_csv({wf.stem + '.csv'!r})")
        c.add({"rows": "answer = len(state_data)",
               "mean_temperature": "answer = float(state_data['Temperature (K)'].mean())",
               "mean_energy": "answer = float(state_data['Potential Energy (kJ/mole)'].mean())"}[q])
    elif q in ("rg", "rmsd"):
        c.add("md_topology = md.Topology.from_openmm(topology)")
        over_trajectory = args.get("over") == "trajectory"
        if over_trajectory:
            c.add(f"with md.open({wf.stem + '.dcd'!r}) as trajectory:",
                  "    xyz = trajectory.read()[0] / 10.0  # DCD coordinates are in Å",
                  "final = md.Trajectory(xyz, md_topology)")
        else:
            c.add("final = md.Trajectory(np.array(positions.value_in_unit(unit.nanometer))[None], md_topology)")
        selection = _MDTRAJ_ATOMS[args.get("atoms", "heavy" if q == "rmsd" else "all")]
        if wf.build and wf.build.solvate:  # the solute: not its water box and ions
            selection = ("" if selection == "all" else f"({selection}) and ") + "not water and not " + \
                f"(resname {' '.join(sorted(set(ION_RESIDUES.values())))})"
        c.add(f"atoms = md_topology.select({selection!r})")
        if q == "rg":
            masses = ", masses=np.array([a.element.mass for a in md_topology.atoms])[atoms]" if args.get(
                "mass_weighted") else ""
            c.add(f"values = md.compute_rg(final.atom_slice(atoms){masses})")
        else:
            c.add("start = md.Trajectory(np.array(start_positions.value_in_unit(unit.nanometer))[None], md_topology)",
                  "values = md.rmsd(final, start, 0, atom_indices=atoms)")
        how = args.get("how", "mean") if over_trajectory else "last"
        c.add({"mean": "answer = float(values.mean())", "last": "answer = float(values[-1])",
               "max": "answer = float(values.max())", "min": "answer = float(values.min())"}[how])
    elif q == "terms":
        force, count = {"bonds": ("HarmonicBondForce", "getNumBonds"), "angles": ("HarmonicAngleForce", "getNumAngles"),
                        "torsions": ("PeriodicTorsionForce", "getNumTorsions"),
                        "cmap": ("CMAPTorsionForce", "getNumTorsions")}[args["term"]]
        c.add(f"answer = sum(f.{count}() for f in system.getForces() if isinstance(f, openmm.{force}))")
    elif q == "charge":
        c.add("nonbonded = [f for f in system.getForces() if isinstance(f, openmm.NonbondedForce)][0]",
              "answer = round(sum(nonbonded.getParticleParameters(i)[0].value_in_unit(unit.elementary_charge)",
              "                   for i in range(system.getNumParticles())), 6)")
    elif q == "box_edge":
        c.add("answer = float(topology.getPeriodicBoxVectors()[0][0] / unit.nanometer)  # a cube: its three edges are equal")
    elif q == "box_volume":
        c.add("box = topology.getPeriodicBoxVectors()",
              "answer = float(box[0][0] * box[1][1] * box[2][2] / unit.nanometer**3)  # reduced (triclinic) form")
    if wf.report.quantity in ("energy", "energy_change") and wf.energy_unit == "kcal/mol":
        c.add("answer = answer / 4.184  # kJ/mol → kcal/mol")
    given = REPORTS[q][0]
    if given in LENGTH_UNITS and wf.unit != given:
        c.add(f"answer = answer * {LENGTH_UNITS[given][wf.unit]!r}  # {given} → {wf.unit}")
    unit = wf.unit
    c.add(f"print(f'answer: {{answer}}{(' ' + unit) if unit and unit != 'count' else ''}')")
