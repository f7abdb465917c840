"""What the agent looks at before writing code: the packages the kernel can import
(found without importing them), the molecular files in the working folder, and the
user's molecular variables — the context the code must fit."""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ["molsysmt", "mdtraj", "openmm", "nglview", "numpy", "pyunitwizard", "MDAnalysis"]
MOLECULAR_SUFFIXES = {".pdb", ".h5", ".xtc", ".dcd", ".gro", ".mol2", ".sdf", ".prmtop", ".inpcrd", ".h5msm",
                      ".cif", ".mmtf", ".trr", ".nc", ".psf", ".smi"}
MOLECULAR_TYPES = ("Trajectory", "MolSys", "Topology", "Universe", "Modeller", "PDBFile")


@dataclass
class Observation:
    packages: dict[str, str] = field(default_factory=dict)  # importable package → version
    files: list[str] = field(default_factory=list)  # molecular files in the working folder
    variables: dict[str, str] = field(default_factory=dict)  # user's molecular variables → description
    workdir: str = "."

    @property
    def engine(self) -> str:
        """molsysmt first when importable, else MDTraj."""
        return "molsysmt" if "molsysmt" in self.packages else "mdtraj"

    def to_dict(self) -> dict:
        return asdict(self)


def _version(name: str) -> str | None:
    if importlib.util.find_spec(name) is None:
        return None
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


TRAJECTORY_ONLY = {".xtc", ".dcd", ".trr", ".nc", ".inpcrd"}  # coordinates without a topology


@dataclass
class FileTopology:
    """What a selection can refer to in a file: its residue names and chain letters."""

    path: str
    residues: set[str]
    chains: dict[str, list[int]]  # chain letter → chain indices (letters can repeat)
    topology: object = None  # the MDTraj Topology, to check selections

    def check_selection(self, selection: str) -> str | None:
        """None when the selection picks at least one atom, else why not."""
        try:
            picked = self.topology.select(selection)
        except Exception as exc:  # noqa: BLE001 - any parser error is reported as "invalid selection" (MDTraj raises ValueError / pyparsing errors)
            return f"invalid selection {selection!r}: {str(exc).splitlines()[0][:120]}"
        return None if len(picked) else f"selection {selection!r} picks no atom in {Path(self.path).name}"


_TOPOLOGIES: dict[tuple[str, float], FileTopology | None] = {}


def read_topology(path: str | Path) -> FileTopology | None:
    """The topology of a structure file through MDTraj (cached by path and mtime), or None
    when MDTraj is not importable or cannot read it (a coordinates-only file)."""
    path = Path(path)
    if path.suffix.lower() in TRAJECTORY_ONLY or not path.is_file() or importlib.util.find_spec("mdtraj") is None:
        return None
    key = (str(path.resolve()), path.stat().st_mtime)
    if key not in _TOPOLOGIES:
        import warnings

        import mdtraj as md

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if path.suffix.lower() == ".h5msm":  # molsysmt's own format, read without molsysmt
                    from ..h5msm import load_h5msm_topology

                    topology = load_h5msm_topology(path)
                else:
                    topology = md.load_topology(str(path))
        except Exception:  # noqa: BLE001 - best effort: an unreadable or exotic file gives no facts (None, as documented), not an error here
            _TOPOLOGIES[key] = None
        else:
            chains: dict[str, list[int]] = {}
            for chain in topology.chains:
                chains.setdefault(getattr(chain, "chain_id", None) or str(chain.index), []).append(chain.index)
            _TOPOLOGIES[key] = FileTopology(str(path), {r.name for r in topology.residues}, chains, topology)
    return _TOPOLOGIES[key]


def observe(workdir: str | Path = ".", namespace: dict | None = None) -> Observation:
    folder = Path(workdir)
    packages = {name: v for name in PACKAGES if (v := _version(name))}
    files = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in MOLECULAR_SUFFIXES) if folder.is_dir() else []
    variables = {}
    for name, value in (namespace or {}).items():
        kind = type(value).__name__
        if not name.startswith("_") and kind in MOLECULAR_TYPES:
            size = getattr(value, "n_atoms", None)
            variables[name] = f"{type(value).__module__}.{kind}" + (f" ({size} atoms)" if size is not None else "")
    return Observation(packages=packages, files=files, variables=variables, workdir=str(folder))
