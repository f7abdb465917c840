"""A verified (request → plan) dataset for fine-tuning a small model to emit typed plans.

For every structure file, each *family* (counts, radius of gyration, RMSD, …) proposes
plans (:class:`~molsys_ai_jupyter.agent.plan.Plan`) together with an independent reference
computation written here in plain MDTraj/numpy from first principles (never through
:mod:`~molsys_ai_jupyter.agent.render`). A plan is kept only if

- ``validate(plan, topology, n_frames)`` passes, and
- the rendered cell (``render(plan)``, executed in a temporary folder holding copies of
  the files) sets ``answer`` to the reference's value (counts exactly; floats within a
  relative 1e-3 or an absolute 1e-4; lists element by element; strings exactly).

Each kept plan is then phrased many times, in English and (about 30 %) Spanish, from
hand-written templates; every phrasing states what the plan does (selection, level,
unit, frame or aggregation, removals), never leaving it to a default. Train and held-out
are split by *template*: a held-out template never gives a train example.

    python -m molsys_ai_jupyter.train.plan_dataset --structures DIR --out DIR [--seed N]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..agent.plan import Plan, PlanError, Step, validate
from ..agent.render import render

# ---- the files --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSpec:
    name: str
    topology: str = ""
    cheap_only: bool = False  # many frames: only cheap quantities
    small: bool = False  # small enough for SASA
    time_meaningful: bool = True  # the times in the file are real simulation times


FILES: tuple[FileSpec, ...] = (
    FileSpec("1vii.pdb", small=True),
    FileSpec("1tcd.pdb"),
    FileSpec("181l.pdb", small=True),
    FileSpec("1l2y.pdb", small=True, time_meaningful=False),
    FileSpec("5zmz.pdb", small=True),
    FileSpec("ala3.pdb", small=True),
    FileSpec("met_enkephalin.pdb", small=True),
    FileSpec("barnase_barstar.pdb"),
    FileSpec("1sux.pdb"),
    FileSpec("md_1u19.xtc", topology="md_1u19.pdb"),
    FileSpec("traj_chicken_villin_HP35_solvated.h5"),
    FileSpec("traj_pentalanine.h5", cheap_only=True),
    FileSpec("caffeine.mol2", small=True),
)

# conventional atomic weights (IUPAC), for the references (independent of MDTraj's table)
MASSES = {"H": 1.008, "C": 12.011, "N": 14.007, "O": 15.999, "S": 32.06, "Cl": 35.45, "P": 30.974, "Na": 22.990}
ONE_LETTER = {"ALA": "A", "ARG": "R", "ASN": "N", "ASP": "D", "CYS": "C", "GLN": "Q", "GLU": "E", "GLY": "G",
              "HIS": "H", "ILE": "I", "LEU": "L", "LYS": "K", "MET": "M", "PHE": "F", "PRO": "P", "SER": "S",
              "THR": "T", "TRP": "W", "TYR": "Y", "VAL": "V", "HIE": "H", "HID": "H", "HIP": "H", "CYX": "C",
              "ASH": "D", "GLH": "E", "LYN": "K"}


class Files:
    """Copies of the structure files in a temporary folder; loaded trajectories cached
    (every caller gets its own copy: md.rmsf and superpose work in place)."""

    def __init__(self, structures: Path):
        self.src = Path(structures)
        self.dir = Path(tempfile.mkdtemp(prefix="plan_dataset_"))
        for spec in FILES:
            for name in (spec.name, spec.topology):
                if name and (self.src / name).exists() and not (self.dir / name).exists():
                    shutil.copy2(self.src / name, self.dir / name)
        self._cache: dict[tuple, Any] = {}

    def available(self, spec: FileSpec) -> bool:
        return (self.dir / spec.name).exists() and (not spec.topology or (self.dir / spec.topology).exists())

    def _base(self, filename, top=None):
        import mdtraj as md

        key = (os.path.abspath(filename), os.path.abspath(top) if top else None)
        if key not in self._cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._cache[key] = (self._real_load or md.load)(filename, top=top) if top else \
                    (self._real_load or md.load)(filename)
        return self._cache[key]

    _real_load = None

    def load(self, spec: FileSpec):
        base = self._base(str(self.dir / spec.name), str(self.dir / spec.topology) if spec.topology else None)
        return base.slice(slice(None), copy=True)

    @contextlib.contextmanager
    def cached_mdtraj(self):
        """``md.load`` answers from the cache (a fresh copy each time) while a rendered cell runs."""
        import mdtraj as md

        real = md.load
        Files._real_load = real

        def load(filename, *args, top=None, **kwargs):
            if args or kwargs:
                return real(filename, *args, top=top, **kwargs)
            return self._base(filename, top).slice(slice(None), copy=True)

        md.load = load
        try:
            yield
        finally:
            md.load = real

    def run(self, plan: Plan):
        """Execute ``render(plan)`` in the folder of copies; the value of ``answer``."""
        code = render(plan)
        namespace: dict[str, Any] = {}
        here = os.getcwd()
        os.chdir(self.dir)
        try:
            with self.cached_mdtraj(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(code, "<plan>", "exec"), namespace)  # noqa: S102 - our own rendered plan
        finally:
            os.chdir(here)
        if "answer" not in namespace:
            raise RuntimeError("the rendered cell set no answer")
        return namespace["answer"]

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- comparing answers ------------------------------------------------------------------------------

def jsonable(value):
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def agree(got, want) -> bool:
    """Counts exact; floats within rel 1e-3 or abs 1e-4; lists element by element; strings exact."""
    got, want = jsonable(got), jsonable(want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(agree(g, w) for g, w in zip(got, want))
    if isinstance(want, str):
        return isinstance(got, str) and got == want
    if isinstance(want, bool) or isinstance(got, bool):
        return got == want
    if isinstance(want, int):
        return isinstance(got, (int, float)) and float(got) == float(want) and (isinstance(got, int)
                                                                               or float(got).is_integer())
    if isinstance(want, float):
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            return False
        if math.isnan(want) or math.isnan(got):
            return False
        return abs(got - want) <= max(1e-4, 1e-3 * abs(want))
    return got == want


# ---- reference helpers (plain numpy on MDTraj's coordinates) ------------------------------------------

def _mass(atom) -> float:
    return MASSES[atom.element.symbol]


def _molecules(topology) -> list[set[int]]:
    """Connected components of the bond graph (union-find)."""
    parent = list(range(topology.n_atoms))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in topology.bonds:
        ra, rb = find(a.index), find(b.index)
        if ra != rb:
            parent[ra] = rb
    groups: dict[int, set[int]] = {}
    for i in range(topology.n_atoms):
        groups.setdefault(find(i), set()).add(i)
    return list(groups.values())


def _rg(xyz, weights):
    w = np.asarray(weights, float)
    com = (xyz * w[None, :, None]).sum(1) / w.sum()
    return np.sqrt((((xyz - com[:, None, :]) ** 2).sum(2) * w[None, :]).sum(1) / w.sum())


def _fit(xyz, ref):
    """Kabsch: each frame of ``xyz`` (F, N, 3) rotated onto ``ref`` (N, 3), both centred."""
    x = xyz.astype(float) - xyz.astype(float).mean(1, keepdims=True)
    r = ref.astype(float) - ref.astype(float).mean(0)
    h = np.einsum("fni,nj->fij", x, r)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(u @ vt))
    fix = np.tile(np.eye(3), (len(x), 1, 1))
    fix[:, 2, 2] = d
    rot = u @ fix @ vt
    return x @ rot, r


def _dihedral(p0, p1, p2, p3):
    b1, b2, b3 = p1 - p0, p2 - p1, p3 - p2
    n1, n2 = np.cross(b1, b2), np.cross(b2, b3)
    y = np.linalg.norm(b2, axis=-1) * (b1 * n2).sum(-1)
    x = (n1 * n2).sum(-1)
    return np.degrees(np.arctan2(y, x))


def _box_volume(traj):
    a, b, c = traj.unitcell_lengths.T.astype(float)
    al, be, ga = np.radians(traj.unitcell_angles.T.astype(float))
    return a * b * c * np.sqrt(1 - np.cos(al) ** 2 - np.cos(be) ** 2 - np.cos(ga) ** 2
                               + 2 * np.cos(al) * np.cos(be) * np.cos(ga))


def _pair_min(xyz_a, xyz_b, chunk=512):
    """For each frame, for each atom of a: the smallest distance to b (F, Na)."""
    out = np.empty(xyz_a.shape[:2])
    for s in range(0, xyz_a.shape[1], chunk):
        d = np.linalg.norm(xyz_a[:, s:s + chunk, None, :].astype(float) - xyz_b[:, None, :, :].astype(float), axis=-1)
        out[:, s:s + chunk] = d.min(2)
    return out


def _hbonds_count(frame) -> int:
    """Baker-Hubbard from its definition: D-H…A with H…A < 0.25 nm and angle D-H-A > 120°;
    donors N-H and O-H, acceptors N and O, waters left out (first frame, no periodic images)."""
    top = frame.topology
    xyz = frame.xyz[0].astype(float)

    def ok(atom):
        return not atom.residue.is_water

    donors = []
    for a, b in top.bonds:
        pair = {a.element.symbol, b.element.symbol}
        if pair in ({"N", "H"}, {"O", "H"}) and ok(a) and ok(b):
            heavy, hyd = (a, b) if b.element.symbol == "H" else (b, a)
            donors.append((heavy.index, hyd.index))
    acceptors = np.array([a.index for a in top.atoms if a.element.symbol in ("N", "O") and ok(a)])
    count = 0
    for d, h in donors:
        cand = acceptors[acceptors != d]
        dist = np.linalg.norm(xyz[cand] - xyz[h], axis=1)
        near = cand[dist < 0.25]
        for acc in near:
            v1, v2 = xyz[d] - xyz[h], xyz[acc] - xyz[h]
            cosang = np.dot(v1, v2) / (np.linalg.norm(v1) * np.linalg.norm(v2))
            if np.degrees(np.arccos(np.clip(cosang, -1, 1))) > 120.0:
                count += 1
    return count


# ---- frames -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FrameOpt:
    key: str  # first, last, index, time, mean, max, min, std, each, none
    index: int | None = None
    time_ps: float | None = None

    def steps(self) -> tuple[Step | None, Step | None]:
        """(frames step, reduce_frames step)."""
        if self.key in ("first", "last"):
            return Step("frames", {"pick": self.key}), None
        if self.key == "index":
            return Step("frames", {"pick": "index", "index": self.index}), None
        if self.key == "time":
            return Step("frames", {"pick": "time", "time_ps": self.time_ps}), None
        if self.key in ("mean", "max", "min", "std", "each"):
            return None, Step("reduce_frames", {"how": self.key})
        return None, None

    def pick(self, traj):
        """The frames the value is computed on (a trajectory) for a pick, else all."""
        if self.key == "first":
            return traj[0]
        if self.key == "last":
            return traj[-1]
        if self.key == "index":
            return traj[self.index]
        if self.key == "time":
            return traj[int(np.argmin(np.abs(traj.time - self.time_ps)))]
        return traj

    def reduce(self, values):
        values = np.asarray(values)
        if self.key in ("mean", "max", "min", "std"):
            return getattr(values, self.key)(axis=0)
        if self.key == "each":
            return values
        return values[0]

    def phrases(self, lang: str, agg_noun: str = "") -> list[str]:
        en, es = FRAME_WORDS[self.key]
        out = en if lang == "en" else es
        return [p.format(i=self.index, t=_num(self.time_ps or 0), tns=_num((self.time_ps or 0) / 1000.0))
                for p in out]


def _num(x) -> str:
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:g}"


FRAME_WORDS = {
    "none": ([""], [""]),
    "first": (["in the first frame", "for frame 0", "at the first frame", "in the initial frame",
               "using only the first frame"],
              ["en el primer fotograma", "en el fotograma 0", "en el frame inicial", "solo en el primer frame"]),
    "last": (["in the last frame", "for the final frame", "at the last frame", "using only the last frame",
              "in the final snapshot"],
             ["en el último fotograma", "en el frame final", "en la última instantánea", "solo en el último frame"]),
    "index": (["in frame {i}", "at frame index {i}", "for frame {i} (0-based)", "in frame number {i}, counting from 0"],
              ["en el fotograma {i}", "en el frame {i} (contando desde 0)", "en el fotograma de índice {i}"]),
    "time": (["at {t} ps", "at t = {t} ps", "at {tns} ns", "at the frame nearest {t} ps", "at time {t} ps"],
             ["a los {t} ps", "en t = {t} ps", "a los {tns} ns", "en el fotograma más cercano a {t} ps"]),
    "mean": (["averaged over the trajectory", "averaged over all frames", "as the mean over every frame",
              "mean over the whole trajectory", "on average across frames"],
             ["promedio sobre todos los fotogramas", "promediado sobre la trayectoria", "como media de todos los frames",
              "en promedio a lo largo de la trayectoria"]),
    "max": (["maximum over all frames", "the largest value over the trajectory", "its maximum across frames",
             "max over frames"],
            ["el máximo sobre todos los fotogramas", "el valor máximo a lo largo de la trayectoria",
             "máximo en toda la trayectoria"]),
    "min": (["minimum over all frames", "the smallest value over the trajectory", "its minimum across frames",
             "min over frames"],
            ["el mínimo sobre todos los fotogramas", "el valor mínimo a lo largo de la trayectoria",
             "mínimo en toda la trayectoria"]),
    "std": (["standard deviation over all frames", "its std across the trajectory", "the frame-to-frame standard deviation"],
            ["la desviación estándar sobre todos los fotogramas", "la desviación típica a lo largo de la trayectoria"]),
    "each": (["for every frame", "frame by frame", "per frame, as a list", "for each frame of the trajectory"],
             ["en cada fotograma", "fotograma a fotograma", "para cada frame, como lista"]),
}


def frame_options(spec: FileSpec, n_frames: int, times) -> list[FrameOpt]:
    if n_frames <= 1:
        return [FrameOpt("none")]
    opts = [FrameOpt("first"), FrameOpt("last"), FrameOpt("index", index=min(10, n_frames // 2)),
            FrameOpt("mean"), FrameOpt("max"), FrameOpt("min"), FrameOpt("std")]
    if n_frames > 20:
        opts.append(FrameOpt("index", index=n_frames // 3))
    if spec.time_meaningful:
        middle = float(times[len(times) // 2])
        opts.append(FrameOpt("time", time_ps=middle))
    if n_frames <= 40:
        opts.append(FrameOpt("each"))
    return opts


# ---- describing selections and units ------------------------------------------------------------------

NAMED = {
    "all": (["the whole system", "the entire system", "the full structure", "everything in the file"],
            ["todo el sistema", "el sistema completo", "la estructura completa"]),
    "protein": (["the protein", "protein", "the protein part"], ["la proteína", "la parte proteica"]),
    "water": (["water", "the water", "the waters", "the solvent water", "water molecules"],
              ["el agua", "las aguas", "las moléculas de agua", "el agua del solvente"]),
    "name CA": (["the alpha carbons", "the CA atoms", "C-alpha atoms", "`name CA`", "the Cα atoms"],
                ["los carbonos alfa", "los átomos CA", "los Cα"]),
    "backbone": (["the backbone", "backbone atoms", "the protein backbone"],
                 ["el esqueleto peptídico", "la cadena principal", "los átomos del backbone"]),
    "not element H": (["the heavy atoms", "non-hydrogen atoms", "all atoms except hydrogens"],
                      ["los átomos pesados", "los átomos que no son hidrógeno", "todos los átomos salvo los hidrógenos"]),
    "element H": (["the hydrogens", "hydrogen atoms", "H atoms"], ["los hidrógenos", "los átomos de hidrógeno"]),
    "element O": (["oxygen atoms", "the oxygens", "O atoms"], ["los oxígenos", "los átomos de oxígeno"]),
    "element N": (["nitrogen atoms", "the nitrogens", "N atoms"], ["los nitrógenos", "los átomos de nitrógeno"]),
    "element S": (["sulfur atoms", "the sulphur atoms", "S atoms"], ["los azufres", "los átomos de azufre"]),
    "element C": (["carbon atoms", "the carbons", "C atoms"], ["los carbonos", "los átomos de carbono"]),
    "not protein and not water": (["everything that is neither protein nor water", "the non-protein, non-water part",
                                   "whatever is not protein or water"],
                                  ["lo que no es ni proteína ni agua", "todo lo que no es proteína ni agua"]),
    "protein and not element H": (["the protein heavy atoms", "protein atoms other than hydrogens"],
                                  ["los átomos pesados de la proteína", "la proteína sin hidrógenos"]),
    "protein and name CA": (["the protein alpha carbons", "the CA atoms of the protein"],
                            ["los carbonos alfa de la proteína", "los CA de la proteína"]),
    "chainid 0": (["the first chain (chain index 0)", "chain index 0", "chainid 0"],
                  ["la primera cadena (índice 0)", "la cadena de índice 0"]),
    "water or resname CL": (["water and chloride ions", "the water and the CL ions", "solvent and Cl- counter-ions"],
                            ["el agua y los iones cloruro", "las aguas y los iones CL"]),
    "water or resname SO4": (["water and sulfate ions", "the waters and the SO4 groups"],
                             ["el agua y los sulfatos", "las aguas y los iones SO4"]),
}
RESNAMES = {
    "CL": (["chloride ions (CL)", "the CL ions", "Cl- ions", "resname CL"], ["los iones cloruro (CL)", "los iones CL"]),
    "SO4": (["sulfate ions (SO4)", "the SO4 groups", "resname SO4"], ["los sulfatos (SO4)", "los iones SO4"]),
    "BNZ": (["the benzene ligand (BNZ)", "BNZ", "resname BNZ"], ["el ligando benceno (BNZ)", "el BNZ"]),
    "HED": (["the HED ligand", "resname HED", "HED"], ["el ligando HED", "el HED"]),
    "BTS": (["the BTS inhibitor", "ligand BTS", "resname BTS"], ["el inhibidor BTS", "el ligando BTS"]),
    "LRT": (["the retinal residue LRT", "LRT", "resname LRT"], ["el retinal (LRT)", "el residuo LRT"]),
    "TRP": (["tryptophan residues", "the TRP residues", "the tryptophans"], ["los triptófanos", "los residuos TRP"]),
    "GLY": (["glycine residues", "the GLY residues", "the glycines"], ["las glicinas", "los residuos GLY"]),
    "HOH": (["HOH residues", "resname HOH"], ["los residuos HOH"]),
}
ELEMENT_WORDS = {"O": ("oxygen", "oxígeno"), "N": ("nitrogen", "nitrógeno"), "C": ("carbon", "carbono"),
                 "S": ("sulfur", "azufre")}


def describe(selection: str) -> tuple[list[str], list[str]]:
    if selection in NAMED:
        return NAMED[selection]
    m = re.fullmatch(r"resname (\w+)", selection)
    if m:
        name = m.group(1)
        return RESNAMES.get(name, ([f"residues named {name}", f"resname {name}"], [f"los residuos {name}"]))
    m = re.fullmatch(r"resSeq (\d+) to (\d+)", selection)
    if m:
        a, b = m.groups()
        return ([f"residues {a} to {b}", f"residues {a}-{b}", f"residue numbers {a} through {b}", f"`resSeq {a} to {b}`"],
                [f"los residuos {a} a {b}", f"los residuos del {a} al {b}", f"los residuos {a}-{b}"])
    m = re.fullmatch(r"resSeq (\d+) and name (\w+)", selection)
    if m:
        r, n = m.groups()
        return ([f"atom {n} of residue {r}", f"the {n} of residue {r}", f"residue {r}'s {n}", f"`resSeq {r} and name {n}`"],
                [f"el átomo {n} del residuo {r}", f"el {n} del residuo {r}"])
    return ([f"`{selection}`", f"the selection `{selection}`"], [f"`{selection}`", f"la selección `{selection}`"])


UNIT_WORDS = {
    "nm": (["nm", "nanometers", "nanometres"], ["nm", "nanómetros"]),
    "Å": (["Å", "A", "angstrom", "angstroms", "Ångström"], ["Å", "angstroms", "ángstroms"]),
    "nm²": (["nm²", "nm^2", "square nanometers"], ["nm²", "nm^2", "nanómetros cuadrados"]),
    "Å²": (["Å²", "A^2", "square angstroms", "Å^2"], ["Å²", "Å^2", "ángstroms cuadrados"]),
    "nm³": (["nm³", "nm^3", "cubic nanometers"], ["nm³", "nm^3", "nanómetros cúbicos"]),
    "Å³": (["Å³", "A^3", "cubic angstroms"], ["Å³", "ángstroms cúbicos"]),
    "degrees": (["degrees", "deg", "°"], ["grados", "°"]),
    "radians": (["radians", "rad"], ["radianes", "rad"]),
    "ps": (["ps", "picoseconds"], ["ps", "picosegundos"]),
    "ns": (["ns", "nanoseconds"], ["ns", "nanosegundos"]),
}


def file_words(spec: FileSpec) -> tuple[list[str], list[str]]:
    if spec.topology:
        return ([f"{spec.name} (topology {spec.topology})", f"{spec.name} with topology {spec.topology}",
                 f"{spec.name} + {spec.topology}"],
                [f"{spec.name} (topología {spec.topology})", f"{spec.name} con la topología {spec.topology}"])
    return ([spec.name, f"`{spec.name}`", f"the file {spec.name}"], [spec.name, f"`{spec.name}`", f"el archivo {spec.name}"])


# ---- candidates: a plan, its reference and its slots ------------------------------------------------------

@dataclass
class Candidate:
    family: str
    spec: FileSpec
    plan: Plan
    reference: Callable[[], Any]
    slots: dict[str, dict[str, list[str]]]  # lang -> slot -> alternatives
    variant: str = ""  # picks the family's template set ("" for the default)


@dataclass
class Context:
    files: Files
    spec: FileSpec
    traj: Any  # a cached copy: do not modify
    rng: random.Random

    @property
    def top(self):
        return self.traj.topology

    def fresh(self):
        return self.files.load(self.spec)

    def select(self, selection, top=None):
        return (top or self.top).select(selection)


def _load_step(spec: FileSpec) -> Step:
    args = {"file": spec.name}
    if spec.topology:
        args["topology"] = spec.topology
    return Step("load", args)


def _slots(ctx: Context, **extra) -> dict[str, dict[str, list[str]]]:
    en_file, es_file = file_words(ctx.spec)
    out = {"en": {"file": en_file}, "es": {"file": es_file}}
    for name, (en, es) in extra.items():
        out["en"][name] = list(en)
        out["es"][name] = list(es)
    return out


def _plan(*steps) -> Plan:
    return Plan([s for s in steps if s is not None])


def _sample(rng: random.Random, items: list, k: int) -> list:
    items = list(items)
    return items if len(items) <= k else rng.sample(items, k)


def _frames_slots(opt: FrameOpt):
    return (opt.phrases("en"), opt.phrases("es"))


def _unit_slots(unit: str):
    return UNIT_WORDS[unit]
