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
