"""A simulation workflow as plain, typed data, checked before any code exists.

    load → [prepare (PDBFixer)] → [build (Modeller)] → [system] → [minimise] → [simulate] → report

Each stage is optional; what is reported (``report``) decides which stages must be
there (an energy needs a system, a mean temperature a run with state data). Values are
in OpenMM's units: nm, K, ps⁻¹, fs, kJ/mol/nm, mol/L.

>>> wf = Workflow(files=["ala3.pdb"], system=System(forcefield=["amber14-all.xml"], constraints="HBonds"),
...               report=Report("constraints"))
>>> validate(wf)
>>> wf.to_dict()["report"]
{'quantity': 'constraints'}
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..slots import WATER_RESIDUES as _WATER_NAMES

# what a workflow can report, with its unit and the stages it needs
REPORTS: dict[str, tuple[str, str]] = {
    "missing_residues": ("count", "prepare"),
    "missing_atoms": ("count", "prepare"),
    "atoms_added": ("count", "prepare"),
    "hydrogens_added": ("count", "prepare"),
    "hydrogens": ("count", ""),
    "atoms": ("count", ""),
    "residues": ("count", ""),
    "chains": ("count", ""),
    "waters": ("count", ""),
    "ions": ("count", ""),
    "constraints": ("count", "system"),
    "dof": ("count", "system"),
    "forces": ("count", "system"),
    "particles": ("count", "system"),
    "energy": ("kJ/mol", "system"),
    "energy_change": ("kJ/mol", "minimise"),
    "charge": ("e", "system"),
    "terms": ("count", "system"),
    "frames": ("count", "simulate"),
    "rows": ("count", "simulate"),
    "mean_temperature": ("K", "simulate"),
    "mean_energy": ("kJ/mol", "simulate"),
    "rg": ("nm", ""),
    "rmsd": ("nm", ""),
    "box_volume": ("nm³", ""),
    "box_edge": ("nm", ""),
}
# lengths and volumes: the unit OpenMM gives → the units an answer may be asked in, with the factor
LENGTH_UNITS = {"nm": {"nm": 1.0, "Å": 10.0}, "nm³": {"nm³": 1.0, "Å³": 1000.0}}
NONBONDED = ("NoCutoff", "CutoffNonPeriodic", "CutoffPeriodic", "PME", "Ewald", "LJPME")
PERIODIC = ("CutoffPeriodic", "PME", "Ewald", "LJPME")
CONSTRAINTS = (None, "HBonds", "AllBonds", "HAngles")
# the Force classes whose energy can be reported alone (createSystem's forces, the barostat, CMAP)
FORCES = ("HarmonicBondForce", "HarmonicAngleForce", "PeriodicTorsionForce", "NonbondedForce", "CMAPTorsionForce",
          "CustomGBForce", "GBSAOBCForce", "CustomNonbondedForce", "CustomBondForce", "CustomTorsionForce")
WATER_MODELS = ("tip3p", "tip3pfb", "tip4pew", "tip4pfb", "tip5p", "spce", "opc", "opc3", "swm4ndp")
BOX_SHAPES = ("cube", "dodecahedron", "octahedron")
POSITIVE_IONS = ("Na+", "K+", "Li+", "Rb+", "Cs+")
NEGATIVE_IONS = ("Cl-", "Br-", "F-", "I-")
ION_RESIDUES = {"Na+": "NA", "K+": "K", "Li+": "LI", "Rb+": "RB", "Cs+": "CS", "Cl-": "CL", "Br-": "BR", "F-": "F",
                "I-": "I"}
WATER_RESIDUES = tuple(sorted(_WATER_NAMES))  # the analysis agent's water names, as a literal for the cells
STRUCTURE_FORMATS = (".pdb", ".cif", ".pdbx")


class WorkflowError(ValueError):
    """A workflow that is not well formed, or does not fit its files."""


@dataclass
class Prepare:
    """PDBFixer's steps, always run in its documented order. ``missing_residues``:
    "skip" (not looked for), "model" (found and built) or "ignore" (found, not built)."""

    missing_residues: str = "skip"
    nonstandard: bool = False
    heterogens: str = "keep"  # keep | remove | remove_keep_water
    missing_atoms: bool = False
    hydrogens_ph: float | None = None


@dataclass
class Build:
    """Modeller's steps: deletions, then solvent and ions."""

    delete_water: bool = False
    delete_chains: list[str] = field(default_factory=list)
    keep_chains: list[str] = field(default_factory=list)
    solvate: bool = False
    padding_nm: float | None = None
    box_nm: list[float] | None = None  # the box's three edges (a cube: three equal ones)
    box_shape: str = "cube"
    water_model: str = "tip3p"
    neutralize: bool = True
    ionic_strength_molar: float = 0.0
    positive_ion: str = "Na+"
    negative_ion: str = "Cl-"


@dataclass
class System:
    forcefield: list[str] = field(default_factory=list)  # XML files; empty for a prmtop
    implicit: str | None = None  # for a prmtop: OBC2, GBn2, … (a force field names its own XML file)
    nonbonded: str = "NoCutoff"
    cutoff_nm: float | None = None
    constraints: str | None = None
    rigid_water: bool = True
    pressure_bar: float | None = None  # a Monte Carlo barostat at the run's temperature
    barostat_every: int = 25  # steps between its volume moves (OpenMM's default)
    ewald_tolerance: float | None = None  # PME/Ewald's ewaldErrorTolerance (None: OpenMM's 5e-4)


@dataclass
class Minimise:
    tolerance: float = 10.0  # kJ/mol/nm
    max_iterations: int = 0  # 0: until converged


@dataclass
class Simulate:
    steps: int = 0  # the production run (after any equilibration)
    temperature_k: float = 300.0
    friction_per_ps: float = 1.0
    step_fs: float = 2.0
    seed: int | None = None  # the integrator's
    velocity_seed: int | None = None  # None: the integrator's seed
    velocities: bool = True  # set velocities from a Maxwell-Boltzmann distribution at temperature_k first
    dcd_every: int | None = None
    state_every: int | None = None
    checkpoint_every: int | None = None
    budget_minutes: float | None = None  # the run stops (with a checkpoint) after this long
    estimated_minutes: float | None = None  # on a 2-core CPU, from the system's size (see estimate_minutes)
    equilibration_steps: int = 0  # run first, before the reporters are attached


@dataclass
class Report:
    quantity: str
    # ions: {"ion": "Na+"}; rg/rmsd: {"atoms": "heavy"|"all"|"backbone"|"CA", "over": "final"|"trajectory",
    # "how": "mean"|"last"|"max"|"min" over the trajectory's frames}
    args: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"quantity": self.quantity, **self.args}


@dataclass
class Workflow:
    files: list[str]
    report: Report
    prepare: Prepare | None = None
    build: Build | None = None
    system: System | None = None
    minimise: Minimise | None = None
    simulate: Simulate | None = None
    platform: str = "auto"  # auto (CUDA when present, else CPU) | CPU | CUDA | OpenCL | Reference
    energy_unit: str = "kJ/mol"
    engine: str = "openmm"  # who prepares and builds: openmm (PDBFixer, Modeller) | molsysmt (msm.build)

    kind = "workflow"

    @property
    def structure(self) -> str:
        return self.files[0]

    @property
    def from_amber(self) -> bool:
        return Path(self.structure).suffix.lower() in (".prmtop", ".parm7")

    @property
    def unit(self) -> str:
        unit = REPORTS[self.report.quantity][0]
        if unit in LENGTH_UNITS and self.report.args.get("unit"):  # Rg or RMSD in Å, a box volume in Å³
            return self.report.args["unit"]
        return self.energy_unit if unit == "kJ/mol" else unit

    @property
    def stem(self) -> str:
        """The base of the names of the files a run writes ("ala3_md.dcd")."""
        return Path(self.structure).stem + "_md"

    def to_dict(self) -> dict:
        data = {"kind": "workflow", "files": list(self.files), "report": self.report.to_dict(),
                "platform": self.platform}
        for name in ("prepare", "build", "system", "minimise", "simulate"):
            stage = getattr(self, name)
            if stage is not None:
                data[name] = asdict(stage)
        if self.energy_unit != "kJ/mol":
            data["energy_unit"] = self.energy_unit
        if self.engine != "openmm":
            data["engine"] = self.engine
        return data

    def elements(self) -> set[tuple[str, object]]:
        out = {("quantity", self.report.quantity)}
        for name in ("prepare", "build", "system", "minimise", "simulate"):
            if getattr(self, name) is not None:
                out.add(("op", name))
        return out


@functools.lru_cache(maxsize=1)
def forcefield_files() -> frozenset[str]:
    """The force-field XML files OpenMM ships (relative to its data folder)."""
    import openmm.app

    data = Path(openmm.app.__file__).parent / "data"
    return frozenset(str(p.relative_to(data)).replace("\\", "/") for p in data.rglob("*.xml"))


def validate(wf: Workflow, folder: Path | None = None) -> None:
    """Raise :class:`WorkflowError` when the stages do not fit together or the files."""
    quantity = wf.report.quantity
    if quantity not in REPORTS:
        raise WorkflowError(f"cannot report {quantity!r}")
    if not wf.files:
        raise WorkflowError("a workflow starts from a structure file")
    if wf.engine not in ("openmm", "molsysmt"):
        raise WorkflowError(f"unknown engine {wf.engine!r} (openmm or molsysmt)")
    for name in ("prepare", "build", "system", "minimise", "simulate"):
        stage = getattr(wf, name)
        for key, value in (asdict(stage).items() if stage is not None else ()):
            for number in (value if isinstance(value, list) else [value]):
                if isinstance(number, float) and not math.isfinite(number):
                    raise WorkflowError(f"{key.replace('_', ' ')} is {number}")
    needs = REPORTS[quantity][1]
    if needs and getattr(wf, needs) is None:
        raise WorkflowError(f"{quantity.replace('_', ' ')} needs a {needs} step")
    suffix = Path(wf.structure).suffix.lower()
    if wf.from_amber:
        if len(wf.files) < 2 and (wf.minimise or wf.simulate or quantity not in ("constraints", "dof", "forces", "particles",
                                                                                "charge", "atoms", "residues", "chains",
                                                                                "waters", "ions")):
            raise WorkflowError(f"{wf.structure} needs its coordinates (an .inpcrd or .rst7 file)")
        if wf.prepare or wf.build:
            raise WorkflowError("PDBFixer and Modeller steps start from a PDB file, not an Amber topology")
    elif suffix not in STRUCTURE_FORMATS:
        raise WorkflowError(f"a workflow starts from a PDB or PDBx/mmCIF file, not {wf.structure}")
    if wf.prepare:
        p = wf.prepare
        if p.missing_residues not in ("skip", "model", "ignore") or p.heterogens not in (
                "keep", "remove", "remove_keep_water"):
            raise WorkflowError("unknown preparation option")
        if p.hydrogens_ph is not None and not 0.0 <= p.hydrogens_ph <= 14.0:
            raise WorkflowError(f"pH {p.hydrogens_ph} is outside 0–14")
        if quantity == "missing_residues" and p.missing_residues == "skip":
            raise WorkflowError("counting missing residues needs them looked for")
        if quantity == "hydrogens_added" and p.hydrogens_ph is None:
            raise WorkflowError("no hydrogens are added")
        if quantity == "atoms_added" and not p.missing_atoms:
            raise WorkflowError("no missing atoms are added")
    if wf.build:
        b = wf.build
        odd = [c for c in b.delete_chains + b.keep_chains if not re.fullmatch(r"[A-Za-z0-9]{1,4}", str(c))]
        if odd:
            raise WorkflowError(f"{odd[0]!r} is not a chain id")
        both = sorted(set(b.delete_chains) & set(b.keep_chains))
        if both:
            raise WorkflowError(f"chain {both[0]} is both deleted and kept")
        if b.solvate:
            if (b.padding_nm is None) == (b.box_nm is None):
                raise WorkflowError("solvating needs a padding or a box size (one of them)")
            if b.water_model not in WATER_MODELS or b.box_shape not in BOX_SHAPES:
                raise WorkflowError(f"unknown water model or box shape ({b.water_model}, {b.box_shape})")
            if b.positive_ion not in POSITIVE_IONS or b.negative_ion not in NEGATIVE_IONS:
                raise WorkflowError(f"unknown ions {b.positive_ion} / {b.negative_ion}")
            if b.box_nm is not None and (len(b.box_nm) != 3 or min(b.box_nm) <= 0):
                raise WorkflowError(f"a box is three positive edges, not {b.box_nm}")
            if b.ionic_strength_molar < 0 or (b.padding_nm or 0) < 0:
                raise WorkflowError("padding, box size and ionic strength cannot be negative")
            if b.ionic_strength_molar > 5.0 or (b.padding_nm or 0) > 5.0 or max(b.box_nm or [0]) > 30.0:
                raise WorkflowError("a salt above 5 M, a padding above 5 nm or a box edge above 30 nm is surely a slip")
            if b.box_nm is not None and b.box_shape != "cube":
                raise WorkflowError(f"OpenMM builds a {b.box_shape} only from a padding (a box size gives a cube)")
    if wf.system:
        s = wf.system
        top_level_water = [f for f in s.forcefield if f[:-4] in WATER_MODELS + ("swm4ndp",)]  # tip5p.xml, spce.xml…
        proteins = [f for f in s.forcefield if "/" not in f and not f.endswith("_obc.xml") and f not in top_level_water]
        if len(proteins) > 1:
            raise WorkflowError(f"two protein force fields ({', '.join(proteins)})")
        if wf.build and wf.build.solvate:
            waters = [f for f in s.forcefield if "/" in f and not f.startswith("implicit/")] + top_level_water
            model = wf.build.water_model
            if not waters:
                raise WorkflowError("solvating needs a water force-field file (for example amber14/tip3pfb.xml)")
            family = {"tip3p": ("tip3p", "water.xml"), "tip4pew": ("tip4pew",), "tip4pfb": ("tip4pfb",),
                      "tip5p": ("tip5p",), "spce": ("spce",), "opc": ("opc.xml",), "opc3": ("opc3",)}.get(model, (model,))
            if not any(any(f.endswith(key) or key in f for key in family) for f in waters):
                raise WorkflowError(f"the water model {model} does not match {', '.join(waters)}")
        if s.nonbonded not in NONBONDED or s.constraints not in CONSTRAINTS:
            raise WorkflowError(f"unknown nonbonded method or constraints ({s.nonbonded}, {s.constraints})")
        if not wf.from_amber:
            if not s.forcefield:
                raise WorkflowError("a system from a PDB file needs force-field files")
            known = forcefield_files()
            missing = [f for f in s.forcefield if f not in known]
            if missing:
                raise WorkflowError(f"OpenMM has no force-field file {', '.join(missing)}")
        if s.pressure_bar is not None and s.nonbonded not in PERIODIC:
            raise WorkflowError("a barostat needs a periodic system (PME or a periodic cutoff)")
        if s.pressure_bar is not None and wf.simulate is None:
            raise WorkflowError("a barostat needs a simulation")
    if (wf.minimise or wf.simulate) and wf.system is None:
        raise WorkflowError("minimising or simulating needs a force field")
    if wf.simulate:
        m = wf.simulate
        if m.steps <= 0 or m.equilibration_steps < 0:
            raise WorkflowError("a simulation needs a number of steps or a length")
        if not (0 < m.step_fs <= 10 and m.temperature_k > 0 and m.friction_per_ps > 0):
            raise WorkflowError("step size, temperature and friction must be positive (step ≤ 10 fs)")
        for every in (m.dcd_every, m.state_every, m.checkpoint_every):
            if every is not None and not 0 < every <= m.steps:
                raise WorkflowError(f"a report every {every} steps does not fit a run of {m.steps}")
        if quantity == "frames" and not m.dcd_every:
            raise WorkflowError("counting frames needs a trajectory reporter")
        if quantity in ("rows", "mean_temperature", "mean_energy") and not m.state_every:
            raise WorkflowError(f"{quantity.replace('_', ' ')} needs a state-data reporter")
    if wf.report.args.get("over") == "trajectory" and not (wf.simulate and wf.simulate.dcd_every):
        raise WorkflowError("a value over the trajectory needs a run that saves one (a DCD reporter)")
    if quantity in ("waters", "ions") and wf.report.args.get("added") and not (wf.build and wf.build.solvate):
        raise WorkflowError(f"{quantity} added needs a solvation")
    if wf.report.args.get("unit") and wf.report.args["unit"] not in LENGTH_UNITS.get(REPORTS[quantity][0], {}):
        raise WorkflowError(f"{quantity.replace('_', ' ')} cannot be given in {wf.report.args['unit']}")
    if quantity == "energy":
        if wf.report.args.get("force", FORCES[0]) not in FORCES:
            raise WorkflowError(f"cannot report the energy of {wf.report.args['force']!r} (one of {', '.join(FORCES)})")
        when = wf.report.args.get("when")
        if when == "minimised" and not wf.minimise:
            raise WorkflowError("a minimised energy needs a minimisation")
        if when == "final" and not wf.simulate:
            raise WorkflowError("an energy at the end of a run needs a run")
        if when is None and wf.simulate:
            raise WorkflowError("say which energy: the initial one, after minimisation, or at the end of the run")
    if quantity == "rmsd" and not (wf.minimise or wf.simulate):
        raise WorkflowError("an RMSD needs a minimised or simulated structure to compare with the start")
    if quantity == "box_edge" and not (wf.build and wf.build.solvate and wf.build.box_shape == "cube"):
        raise WorkflowError("a box edge is asked of a cubic box that the workflow builds")
    if folder is not None:
        missing = [f for f in wf.files if not (folder / f).is_file()]
        if missing:
            raise WorkflowError(f"no file {', '.join(missing)} in the working folder")
        _check_against_file(wf, folder)


# seconds per step on a 2-core CPU (OpenMM 8.6 CPU platform), fitted to `molsys-ai bench md` and to
# ala3 (33 atoms) and 1vii (596 atoms) in OBC2: PME grows with the atoms, no cutoff with their pairs
STEP_OVERHEAD_S = 6e-4
PME_S_PER_ATOM = 2.0e-6
PAIR_S = 5.3e-8
WATERS_PER_NM3 = 33.4


def estimate_atoms(wf: Workflow, facts: dict) -> int:
    """Roughly how many particles the workflow simulates, from its PDB file's
    :func:`pdb_facts`."""
    atoms = facts["atoms"]
    if wf.prepare and wf.prepare.hydrogens_ph is not None and facts["hydrogens"] < atoms * 0.2:
        atoms *= 2  # a protein's hydrogens are about as many as its heavy atoms
    b = wf.build
    if b and b.solvate:
        if b.box_nm:
            volume = b.box_nm[0] * b.box_nm[1] * b.box_nm[2]
        else:
            edge = facts["extent_nm"] + 2 * (b.padding_nm or 0.0)
            volume = edge ** 3 * {"cube": 1.0, "dodecahedron": 0.707, "octahedron": 0.77}[b.box_shape]
        per_water = {"tip4pew": 4, "tip4pfb": 4, "opc": 4, "tip5p": 5}.get(b.water_model, 3)
        atoms += int(volume * WATERS_PER_NM3 * per_water * 0.9)
    return atoms


def estimate_minutes(wf: Workflow, atoms: int) -> float:
    """Minutes the run would take on a 2-core CPU."""
    periodic = wf.system is not None and wf.system.nonbonded in PERIODIC
    per_step = STEP_OVERHEAD_S + (PME_S_PER_ATOM * atoms if periodic else PAIR_S * atoms * atoms)
    per_step *= 1.8  # the run uses one of the two threads, so that its numbers repeat
    return (wf.simulate.steps + wf.simulate.equilibration_steps) * per_step / 60.0


def pdb_facts(path: Path) -> dict:
    """What a PDB file holds, read from its records: chain ids, the names of its HETATM
    residues, its atom count, and whether it has a real unit cell (CRYST1 edges over 2 Å)."""
    chains, het, atoms, box, hydrogens = set(), set(), 0, False, 0
    low, high = [1e9] * 3, [-1e9] * 3
    with path.open(errors="replace") as handle:
        for line in handle:
            record = line[:6]
            if record == "ENDMDL":
                break
            if record in ("ATOM  ", "HETATM"):
                atoms += 1
                chains.add(line[21:22].strip())
                hydrogens += line[76:78].strip() == "H" or (line[76:78].strip() == "" and line[12:16].strip()[:1] == "H")
                try:
                    xyz = float(line[30:38]), float(line[38:46]), float(line[46:54])
                    low, high = [min(a, b) for a, b in zip(low, xyz, strict=True)], [max(a, b) for a, b in zip(high, xyz, strict=True)]
                except ValueError:
                    pass
                if record == "HETATM":
                    het.add(line[17:20].strip())
            elif record == "CRYST1":
                try:
                    box = min(float(line[6:15]), float(line[15:24]), float(line[24:33])) > 2.0
                except ValueError:
                    box = False
    extent = max(hi - lo for hi, lo in zip(high, low, strict=True)) / 10.0 if atoms else 0.0
    return {"chains": chains - {""}, "het": het, "atoms": atoms, "box": box, "hydrogens": hydrogens,
            "extent_nm": extent}


LONG_RUN_MINUTES = 120.0  # a CPU run estimated longer than this needs a budget or a GPU to be planned
ION_NAMES = {"NA", "CL", "K", "MG", "CA", "ZN", "LI", "RB", "CS", "BR", "F", "I", "NA+", "CL-"}


def _check_against_file(wf: Workflow, folder: Path) -> None:
    path = folder / wf.structure
    if path.suffix.lower() != ".pdb":
        return
    facts = pdb_facts(path)
    b = wf.build
    if wf.report.quantity == "box_volume" and not (b and b.solvate) and not facts["box"]:
        raise WorkflowError(f"{wf.structure} has no periodic box (no CRYST1 record, or a placeholder under 2 Å) "
                            "and none is built")
    if b:
        unknown = [c for c in b.delete_chains + b.keep_chains if c not in facts["chains"]]
        if unknown:
            raise WorkflowError(f"{wf.structure} has no chain {', '.join(unknown)} (its chains: "
                                f"{', '.join(sorted(facts['chains'])) or 'none'})")
    periodic = wf.system is not None and wf.system.nonbonded in PERIODIC
    if periodic and not (b and b.solvate) and not facts["box"]:
        raise WorkflowError(f"{wf.system.nonbonded} needs a periodic box, and {wf.structure} has none (solvate it first)")
    removes = wf.prepare is not None and wf.prepare.heterogens != "keep"
    kept = sorted(facts["het"] - set(WATER_RESIDUES) - ION_NAMES - {"ACE", "NME", "NH2"})
    if wf.system is not None and kept and not removes:
        raise WorkflowError(f"the force field has no parameters for {', '.join(kept)} in {wf.structure}: "
                            "remove the heterogens first")
    m = wf.simulate
    if m is not None:
        atoms = estimate_atoms(wf, facts)
        if atoms:
            m.estimated_minutes = round(estimate_minutes(wf, atoms), 1)
            if m.estimated_minutes > LONG_RUN_MINUTES and m.budget_minutes is None and wf.platform != "CUDA":
                hours = m.estimated_minutes / 60.0
                raise WorkflowError(
                    f"this run would take about {hours:.0f} h on a 2-core CPU ({atoms:,} atoms, {m.steps:,} steps); "
                    "ask for fewer steps, give it a time budget ('for at most 30 minutes'), or ask for the CUDA platform")
