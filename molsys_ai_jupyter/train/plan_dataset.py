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
import warnings
from collections import Counter
from dataclasses import dataclass
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


_REAL_LOAD = None  # mdtraj.load itself, while a rendered cell runs with the cached one


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
                load = _REAL_LOAD or md.load
                self._cache[key] = load(filename, top=top) if top else load(filename)
        return self._cache[key]

    def load(self, spec: FileSpec):
        base = self._base(str(self.dir / spec.name), str(self.dir / spec.topology) if spec.topology else None)
        return base.slice(slice(None), copy=True)

    @contextlib.contextmanager
    def cached_mdtraj(self):
        """``md.load`` answers from the cache (a fresh copy each time) while a rendered cell runs."""
        import mdtraj as md

        global _REAL_LOAD
        real = _REAL_LOAD = _REAL_LOAD or md.load

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
        return isinstance(got, list) and len(got) == len(want) and all(agree(g, w) for g, w in zip(got, want, strict=True))
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
    "all": (["the whole system", "the entire system", "the full structure", "all atoms"],
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


def _framewise(ctx: Context, opt: FrameOpt, per_frame: Callable, factor: float = 1.0, integer: bool = False):
    """A per-frame reference value, picked or reduced as ``opt`` says, times ``factor``."""
    values = np.asarray(per_frame(opt.pick(ctx.traj)), dtype=float) * factor
    out = opt.reduce(values)
    if opt.key == "each":
        return [int(round(v)) if integer else float(v) for v in out]
    if np.ndim(out):
        return [float(v) for v in out]
    if integer and opt.key not in ("mean", "std"):
        return int(round(float(out)))
    return float(out)


def _convert(unit: str, raw: str) -> Step | None:
    return None if unit == raw else Step("convert", {"unit": unit})


FACTOR = {"nm": 1.0, "Å": 10.0, "nm²": 1.0, "Å²": 100.0, "nm³": 1.0, "Å³": 1000.0, "degrees": 1.0,
          "radians": math.pi / 180.0, "ps": 1.0, "ns": 0.001}

# ---- families -----------------------------------------------------------------------------------------

LEVEL_WORDS = {  # en, es, Spanish gender
    "atoms": (["atoms"], ["átomos"], "m"),
    "residues": (["residues", "residues (groups)"], ["residuos"], "m"),
    "molecules": (["molecules", "distinct molecules", "separate molecules (bonded fragments)"],
                  ["moléculas", "moléculas distintas", "moléculas (fragmentos enlazados)"], "f"),
    "chains": (["chains", "chains (as MDTraj reads them)"], ["cadenas"], "f"),
}


def _level_slots(level: str) -> dict:
    en, es, gender = LEVEL_WORDS[level]
    return {"level": (en, es), "cuantos": ([""], ["cuántos"] if gender == "m" else ["cuántas"]),
            "Cuantos": ([""], ["Cuántos"] if gender == "m" else ["Cuántas"]),
            "los": ([""], ["los"] if gender == "m" else ["las"])}


def _count_ref(top, selection: str, level: str, how: str = "count"):
    atoms = top.select(selection)
    if level == "atoms":
        return len(atoms) if how == "count" else sorted({top.atom(i).name for i in atoms})
    if level == "residues":
        residues = {top.atom(i).residue.index: top.atom(i).residue.name for i in atoms}
        return len(residues) if how == "count" else sorted(set(residues.values()))
    if level == "molecules":
        chosen = set(int(i) for i in atoms)
        mols = [m for m in _molecules(top) if m & chosen]
        if how == "count":
            return len(mols)
        return sorted({"+".join(sorted({top.atom(i).residue.name for i in m})) for m in mols})
    chains = {top.atom(i).residue.chain.index for i in atoms}
    if how == "count":
        return len(chains)
    return sorted(top.chain(c).chain_id or str(c) for c in chains)


def _protein_resseq(top) -> list[int]:
    return [r.resSeq for r in top.residues if r.is_protein]


def _selection_pool(top) -> list[str]:
    pool = ["all", "protein", "water", "name CA", "backbone", "not element H", "element H", "element O", "element N",
            "element S", "element C", "resname TRP", "resname GLY", "not protein and not water",
            "protein and not element H", "chainid 0"]
    for name in sorted({r.name for r in top.residues if not r.is_protein and not r.is_water}):
        if re.fullmatch(r"[A-Z0-9]{2,3}", name):
            pool.append(f"resname {name}")
    seqs = _protein_resseq(top)
    if len(seqs) > 12:
        a = seqs[len(seqs) // 4]
        pool.append(f"resSeq {a} to {a + 9}")
    out = []
    for sel in pool:
        try:
            if len(top.select(sel)):
                out.append(sel)
        except Exception:  # noqa: BLE001
            pass
    return out


def _levels_for(sel: str, top) -> list[str]:
    n_chains = top.n_chains
    if sel == "all":
        return ["atoms", "residues", "molecules", "chains"] if n_chains > 1 else ["atoms", "residues", "molecules"]
    if sel == "protein":
        return ["atoms", "residues", "molecules"] + (["chains"] if n_chains > 1 else [])
    if sel == "water":
        return ["atoms", "molecules", "residues"]
    if sel.startswith("resname") or sel == "not protein and not water":
        return ["residues", "molecules", "atoms"]
    if sel in ("name CA", "resSeq") or sel.startswith("resSeq") or sel == "chainid 0":
        return ["atoms", "residues"]
    return ["atoms"]


def family_count(ctx: Context) -> list[Candidate]:
    out = []
    combos = [(sel, level) for sel in _selection_pool(ctx.top) for level in _levels_for(sel, ctx.top)]
    for sel, level in _sample(ctx.rng, combos, 12):
        plan = _plan(_load_step(ctx.spec), Step("select", {"selection": sel}),
                     Step("reduce_entities", {"level": level, "how": "count"}))
        out.append(Candidate("count", ctx.spec, plan, lambda s=sel, lv=level: _count_ref(ctx.top, s, lv),
                             _slots(ctx, sel=describe(sel), **_level_slots(level)),
                             variant="all" if sel == "all" else ""))
    return out


NAME_WHAT = {
    "atoms": (["atom names", "distinct atom names", "names of the atoms"], ["nombres de átomo", "nombres de los átomos"]),
    "residues": (["residue names", "distinct residue names", "residue types (names)"],
                 ["nombres de residuo", "nombres de los residuos", "tipos de residuo (nombres)"]),
    "chains": (["chain IDs", "chain identifiers (one per chain)", "chain labels, one per chain"],
               ["identificadores de cadena (uno por cadena)", "IDs de cadena, uno por cadena"]),
}


def family_names(ctx: Context) -> list[Candidate]:
    top = ctx.top
    combos = []
    for sel in _selection_pool(top):
        if sel in ("not protein and not water", "all") or sel.startswith("resSeq"):
            combos.append((sel, "residues"))
        if (sel.startswith("resname") and sel not in ("resname TRP", "resname GLY")) or sel == "element S":
            combos.append((sel, "atoms"))
        if sel in ("all", "water", "protein") and top.n_chains > 1 and all(
                c.chain_id and c.chain_id.strip() for c in top.chains):
            combos.append((sel, "chains"))
    if ctx.spec.name == "caffeine.mol2":
        combos = [("element N", "atoms"), ("element O", "atoms")]
    out = []
    for sel, level in _sample(ctx.rng, combos, 4):
        plan = _plan(_load_step(ctx.spec), Step("select", {"selection": sel}),
                     Step("reduce_entities", {"level": level, "how": "names"}))
        out.append(Candidate("names", ctx.spec, plan, lambda s=sel, lv=level: _count_ref(ctx.top, s, lv, "names"),
                             _slots(ctx, sel=describe(sel), what=NAME_WHAT[level])))
    return out


STRIP_WORDS = {  # what is removed (noun), and "without …"
    "water": ((["water", "the waters", "the solvent", "all water molecules", "the water molecules"],
               ["el agua", "las aguas", "el solvente", "todas las moléculas de agua"]),
              (["without waters", "with no water", "without the solvent", "dry (water removed)"],
               ["sin aguas", "sin agua", "sin el solvente"])),
    "water or resname CL": ((["water and ions", "the waters and the chloride ions", "solvent and Cl- counter-ions",
                              "water plus the CL ions"],
                             ["el agua y los iones", "las aguas y los iones cloruro", "el solvente y los contraiones CL"]),
                            (["with neither water nor ions", "without water or chloride ions",
                              "free of water and Cl- ions"],
                             ["sin agua ni iones", "sin aguas ni iones cloruro", "ni agua ni iones"])),
    "water or resname SO4": ((["water and sulfate ions", "the waters and the SO4 ions", "solvent and sulfates"],
                              ["el agua y los sulfatos", "las aguas y los iones SO4"]),
                             (["with neither water nor sulfates", "without water or SO4 ions"],
                              ["sin agua ni sulfatos", "sin aguas ni iones SO4"])),
    "element H": ((["the hydrogens", "all hydrogen atoms", "the H atoms"], ["los hidrógenos", "todos los átomos de hidrógeno"]),
                  (["without hydrogens", "with no hydrogen atoms", "hydrogen-free"], ["sin hidrógenos", "sin átomos de hidrógeno"])),
}


def _strip_choices(top) -> list[str]:
    out = []
    for sel in STRIP_WORDS:
        try:
            picked = top.select(sel)
        except Exception:  # noqa: BLE001
            continue
        if sel != "water" and "water" in sel and len(picked) == len(top.select("water")):
            continue  # no ions of that kind
        if len(picked) and len(picked) < top.n_atoms:
            out.append(sel)
    return out


def family_strip(ctx: Context) -> list[Candidate]:
    out = []
    top = ctx.top
    for strip in _strip_choices(top):
        noun, without = STRIP_WORDS[strip]
        kept = top.subset(top.select(f"not ({strip})"))
        plan = _plan(_load_step(ctx.spec), Step("strip", {"selection": strip}))
        out.append(Candidate("strip", ctx.spec, plan, lambda k=kept: k.n_atoms,
                             _slots(ctx, strip=noun, without=without), variant="atoms"))
        for level in _sample(ctx.rng, ["residues", "molecules"], 1):
            plan = _plan(_load_step(ctx.spec), Step("strip", {"selection": strip}), Step("select", {"selection": "all"}),
                         Step("reduce_entities", {"level": level, "how": "count"}))
            out.append(Candidate("strip", ctx.spec, plan, lambda k=kept, lv=level: _count_ref(k, "all", lv),
                                 _slots(ctx, strip=noun, without=without, **_level_slots(level)), variant="level"))
    return out


WEIGHT_WORDS = {
    "none": (["unweighted", "geometric (no mass weighting)", "non-mass-weighted", "equal-weight"],
             ["sin ponderar por masa", "no ponderado", "geométrico (sin masas)"]),
    "mass": (["mass-weighted", "mass weighted"], ["ponderado por masa", "ponderado por las masas"]),
}


def _rg_ref(ctx: Context, opt: FrameOpt, sel: str, weights: str, unit: str, strip: str | None = None):
    def per_frame(t):
        if strip:
            t = t.atom_slice(t.topology.select(f"not ({strip})"))
        idx = t.topology.select(sel)
        w = [_mass(t.topology.atom(i)) for i in idx] if weights == "mass" else np.ones(len(idx))
        return _rg(t.xyz[:, idx].astype(float), w)
    return _framewise(ctx, opt, per_frame, FACTOR[unit])


def _frame_sample(ctx: Context, k: int, allowed=None) -> list[FrameOpt]:
    opts = frame_options(ctx.spec, ctx.traj.n_frames, ctx.traj.time)
    if allowed is not None:
        opts = [o for o in opts if o.key in allowed] or [FrameOpt("none")]
    return _sample(ctx.rng, opts, k)


def family_rg(ctx: Context) -> list[Candidate]:
    top = ctx.top
    sels = [s for s in ("protein", "name CA", "backbone", "protein and not element H", "all") if len(top.select(s))]
    if any(r.is_water for r in top.residues):
        sels = [s for s in sels if s != "all"]
    out = []
    for sel in _sample(ctx.rng, sels, 2):
        for opt in _frame_sample(ctx, 2):
            weights = ctx.rng.choice(["none", "mass"])
            unit = ctx.rng.choice(["nm", "Å"])
            frames, reduce = opt.steps()
            plan = _plan(_load_step(ctx.spec), frames,
                         Step("compute", {"quantity": "rg", "selection": sel, "weights": weights}), reduce,
                         _convert(unit, "nm"))
            out.append(Candidate("rg", ctx.spec, plan,
                                 lambda o=opt, s=sel, w=weights, u=unit: _rg_ref(ctx, o, s, w, u),
                                 _slots(ctx, sel=describe(sel), weights=WEIGHT_WORDS[weights], unit=UNIT_WORDS[unit],
                                        frames=_frames_slots(opt)),
                                 variant="frames" if opt.key != "none" else ""))
    return out


def family_strip_rg(ctx: Context) -> list[Candidate]:
    out = []
    for strip in _strip_choices(ctx.top):
        if strip == "element H":
            continue
        noun, without = STRIP_WORDS[strip]
        for opt in _frame_sample(ctx, 1, allowed=("none", "first", "last", "mean", "index")):
            weights = ctx.rng.choice(["none", "mass"])
            unit = ctx.rng.choice(["nm", "Å"])
            frames, reduce = opt.steps()
            plan = _plan(_load_step(ctx.spec), Step("strip", {"selection": strip}), frames,
                         Step("compute", {"quantity": "rg", "selection": "all", "weights": weights}), reduce,
                         _convert(unit, "nm"))
            out.append(Candidate("strip_rg", ctx.spec, plan,
                                 lambda o=opt, s=strip, w=weights, u=unit: _rg_ref(ctx, o, "all", w, u, strip=s),
                                 _slots(ctx, strip=noun, without=without, weights=WEIGHT_WORDS[weights],
                                        unit=UNIT_WORDS[unit], frames=_frames_slots(opt)),
                                 variant="frames" if opt.key != "none" else ""))
    return out


# ---- more families ------------------------------------------------------------------------------------

def _has_protein(top) -> bool:
    return any(r.is_protein for r in top.residues)


def _sasa_per_atom(t, sel):
    import mdtraj as md

    part = t.atom_slice(t.topology.select(sel))
    return part, md.shrake_rupley(part, mode="atom")


def family_sasa(ctx: Context) -> list[Candidate]:
    if not ctx.spec.small:
        return []
    top = ctx.top
    sels = [s for s in ("protein", "all", "not element H", "protein and not element H") if len(top.select(s))]
    if any(r.is_water for r in top.residues):
        sels = [s for s in sels if s not in ("all", "not element H")]
    out = []
    for sel in _sample(ctx.rng, sels, 2):
        for opt in _frame_sample(ctx, 1, allowed=("none", "first", "last", "index", "mean")):
            unit = ctx.rng.choice(["nm²", "Å²"])
            frames, reduce = opt.steps()
            plan = _plan(_load_step(ctx.spec), frames, Step("compute", {"quantity": "sasa", "selection": sel}), reduce,
                         _convert(unit, "nm²"))

            def ref(o=opt, s=sel, u=unit):
                return _framewise(ctx, o, lambda t: _sasa_per_atom(t, s)[1].sum(1), FACTOR[u])
            out.append(Candidate("sasa", ctx.spec, plan, ref,
                                 _slots(ctx, sel=describe(sel), unit=UNIT_WORDS[unit], frames=_frames_slots(opt)),
                                 variant="frames" if opt.key != "none" else ""))
    return out


def family_sasa_residue(ctx: Context) -> list[Candidate]:
    if not ctx.spec.small or not _has_protein(ctx.top):
        return []
    out = []
    for opt in _frame_sample(ctx, 2, allowed=("none", "first", "last", "mean")):
        frames, reduce = opt.steps()
        plan = _plan(_load_step(ctx.spec), frames, Step("compute", {"quantity": "sasa_residue", "selection": "protein"}),
                     Step("reduce_entities", {"level": "residues", "how": "argmax"}), reduce)

        def ref(o=opt):
            part, per_atom = _sasa_per_atom(o.pick(ctx.traj), "protein")
            resindex = np.array([a.residue.index for a in part.topology.atoms])
            per_res = np.zeros((per_atom.shape[0], part.topology.n_residues))
            for f in range(per_atom.shape[0]):
                np.add.at(per_res[f], resindex, per_atom[f])
            row = per_res.mean(0) if o.key == "mean" else per_res[0]
            top_res = part.topology.residue(int(np.argmax(row)))
            return f"{top_res.name}{top_res.resSeq}"
        out.append(Candidate("sasa_residue", ctx.spec, plan, ref, _slots(ctx, frames=_frames_slots(opt)),
                             variant="frames" if opt.key != "none" else ""))
    return out


def _fit_sel(ctx: Context, sel):
    idx = ctx.top.select(sel)
    fitted, ref = _fit(ctx.traj.xyz[:, idx], ctx.traj.xyz[0, idx])
    return fitted, ref


def family_rmsd(ctx: Context) -> list[Candidate]:
    if ctx.traj.n_frames < 2:
        return []
    sels = [s for s in ("name CA", "backbone", "protein and not element H") if len(ctx.top.select(s))]
    out = []
    for sel in _sample(ctx.rng, sels, 2):
        for how in _sample(ctx.rng, ["last", "mean", "max", "std"], 2):
            unit = ctx.rng.choice(["nm", "Å"])
            plan = _plan(_load_step(ctx.spec),
                         Step("compute", {"quantity": "rmsd", "selection": sel, "reference_frame": 0}),
                         Step("reduce_frames", {"how": how}), _convert(unit, "nm"))

            def ref(s=sel, h=how, u=unit):
                fitted, r = _fit_sel(ctx, s)
                values = np.sqrt(((fitted - r) ** 2).sum(2).mean(1)) * FACTOR[u]
                return float(values[-1] if h == "last" else getattr(values, h)())
            out.append(Candidate("rmsd", ctx.spec, plan, ref,
                                 _slots(ctx, sel=describe(sel), unit=UNIT_WORDS[unit], how=RMSD_HOW[how])))
    if ctx.rng.random() < 0.5:  # a frame pick before the RMSD: the pick leaves one frame to compare with itself
        sel = sels[0]
        plan = _plan(_load_step(ctx.spec), Step("frames", {"pick": "last"}),
                     Step("compute", {"quantity": "rmsd", "selection": sel, "reference_frame": 0}))

        def ref(s=sel):
            fitted, r = _fit_sel(ctx, s)
            return float(np.sqrt(((fitted[-1] - r) ** 2).sum(1).mean()))
        out.append(Candidate("rmsd", ctx.spec, plan, ref,
                             _slots(ctx, sel=describe(sel), unit=UNIT_WORDS["nm"], how=RMSD_HOW["last"])))
    return out


RMSD_HOW = {
    "last": (["of the last frame", "for the final frame", "at the end of the trajectory (last frame)"],
             ["del último fotograma", "en el frame final"]),
    "mean": (["averaged over all frames", "as the mean over the trajectory", "mean over frames"],
             ["promediado sobre todos los fotogramas", "como media sobre la trayectoria"]),
    "max": (["maximum over all frames", "its largest value over the trajectory", "max over frames"],
            ["el máximo sobre todos los fotogramas", "su valor máximo en la trayectoria"]),
    "std": (["standard deviation over the frames", "its std across the trajectory"],
            ["la desviación estándar sobre los fotogramas", "su desviación típica a lo largo de la trayectoria"]),
    "min": (["minimum over all frames"], ["el mínimo sobre todos los fotogramas"]),
}


def family_rmsf(ctx: Context) -> list[Candidate]:
    if ctx.traj.n_frames < 2:
        return []
    out = []
    sels = [s for s in ("name CA", "backbone") if len(ctx.top.select(s))]
    for sel in _sample(ctx.rng, sels, 1):
        for how in ("mean", "max", "argmax"):
            unit = ctx.rng.choice(["nm", "Å"])
            plan = _plan(_load_step(ctx.spec),
                         Step("compute", {"quantity": "rmsf", "selection": sel, "reference_frame": 0}),
                         Step("reduce_entities", {"level": "atoms", "how": how}),
                         _convert(unit, "nm") if how != "argmax" else None)

            def ref(s=sel, h=how, u=unit):
                idx = ctx.top.select(s)
                fitted, _ = _fit_sel(ctx, s)
                rmsf = np.sqrt(((fitted - fitted.mean(0)) ** 2).sum(2).mean(0))
                if h == "argmax":
                    res = ctx.top.atom(int(idx[int(np.argmax(rmsf))])).residue
                    return f"{res.name}{res.resSeq}"
                return float(getattr(rmsf, h)()) * FACTOR[u]
            slots = _slots(ctx, sel=describe(sel), unit=UNIT_WORDS[unit])
            out.append(Candidate("rmsf", ctx.spec, plan, ref, slots, variant=how))
    return out


def _single_atom_sels(top, name="CA") -> list[str]:
    out = []
    for r in top.residues:
        if r.is_protein:
            sel = f"resSeq {r.resSeq} and name {name}"
            try:
                if len(top.select(sel)) == 1:
                    out.append(sel)
            except Exception:  # noqa: BLE001
                pass
    return out


def family_distance(ctx: Context) -> list[Candidate]:
    sels = _single_atom_sels(ctx.top)
    if len(sels) < 2:
        return []
    out = []
    pairs = [(a, b) for i, a in enumerate(sels) for b in sels[i + 1:]]
    for a, b in _sample(ctx.rng, pairs, 2):
        for opt in _frame_sample(ctx, 1):
            unit = ctx.rng.choice(["nm", "Å"])
            frames, reduce = opt.steps()
            plan = _plan(_load_step(ctx.spec), frames,
                         Step("compute", {"quantity": "distance", "selection": a, "selection_2": b}), reduce,
                         _convert(unit, "nm"))

            def ref(o=opt, a=a, b=b, u=unit):
                i, j = int(ctx.top.select(a)[0]), int(ctx.top.select(b)[0])
                return _framewise(ctx, o, lambda t: np.linalg.norm(t.xyz[:, i].astype(float) - t.xyz[:, j], axis=1),
                                  FACTOR[u])
            out.append(Candidate("distance", ctx.spec, plan, ref,
                                 _slots(ctx, a=describe(a), b=describe(b), unit=UNIT_WORDS[unit],
                                        frames=_frames_slots(opt)),
                                 variant="frames" if opt.key != "none" else ""))
    return out


def family_min_distance(ctx: Context) -> list[Candidate]:
    top = ctx.top
    if not _has_protein(top):
        return []
    ligands = sorted({r.name for r in top.residues if not r.is_protein and not r.is_water and r.name in RESNAMES})
    out = []
    for lig in ligands:
        sel = f"resname {lig}"
        for opt in _frame_sample(ctx, 1, allowed=("none", "first", "last", "mean", "min")):
            unit = ctx.rng.choice(["nm", "Å"])
            frames, reduce = opt.steps()
            plan = _plan(_load_step(ctx.spec), frames,
                         Step("compute", {"quantity": "min_distance", "selection": sel, "selection_2": "protein"}),
                         reduce, _convert(unit, "nm"))

            def ref(o=opt, s=sel, u=unit):
                def per_frame(t):
                    a, b = t.topology.select(s), t.topology.select("protein")
                    return _pair_min(t.xyz[:, a], t.xyz[:, b]).min(1)
                return _framewise(ctx, o, per_frame, FACTOR[u])
            out.append(Candidate("min_distance", ctx.spec, plan, ref,
                                 _slots(ctx, lig=describe(sel), unit=UNIT_WORDS[unit], frames=_frames_slots(opt)),
                                 variant="frames" if opt.key != "none" else ""))
    return out


ANGLE_WORDS = {"phi": (["phi (φ)", "phi", "backbone phi"], ["phi (φ)", "phi"]),
               "psi": (["psi (ψ)", "psi", "backbone psi"], ["psi (ψ)", "psi"])}


def family_dihedral(ctx: Context) -> list[Candidate]:
    top = ctx.top
    multi = len({c.chain_id for c in top.chains if any(r.is_protein for r in c.residues)}) > 1 or \
        len(_protein_resseq(top)) != len(set(_protein_resseq(top)))
    chain = "A" if multi else None
    residues = [r for r in top.residues if r.is_protein and r.name in ONE_LETTER
                and (chain is None or r.chain.chain_id == chain)]
    numbers = Counter(r.resSeq for r in residues)
    residues = [r for r in residues if numbers[r.resSeq] == 1]  # a residue number that names one residue
    if len(residues) < 3:
        return []
    out = []
    inner = residues[1:-1]
    for res in _sample(ctx.rng, inner, 2):
        angle = ctx.rng.choice(["phi", "psi"])
        for opt in _frame_sample(ctx, 1, allowed=("none", "first", "last", "index", "time", "mean")):
            unit = ctx.rng.choice(["degrees", "degrees", "radians"])
            frames, reduce = opt.steps()
            args = {"quantity": "dihedral", "angle": angle, "residue": res.resSeq}
            if chain:
                args["chain"] = chain
            plan = _plan(_load_step(ctx.spec), frames, Step("compute", args), reduce, _convert(unit, "degrees"))

            def ref(o=opt, res=res, angle=angle, u=unit):
                chain_res = [r for r in res.chain.residues]
                pos = chain_res.index(res)
                if angle == "phi":
                    spec = [(chain_res[pos - 1], "C"), (res, "N"), (res, "CA"), (res, "C")]
                else:
                    spec = [(res, "N"), (res, "CA"), (res, "C"), (chain_res[pos + 1], "N")]
                idx = [next(a.index for a in r.atoms if a.name == n) for r, n in spec]
                return _framewise(ctx, o, lambda t: _dihedral(*(t.xyz[:, i].astype(float) for i in idx)), FACTOR[u])
            res_en = [f"residue {res.resSeq}", f"{res.name}{res.resSeq}", f"residue number {res.resSeq}"]
            res_es = [f"el residuo {res.resSeq}", f"{res.name}{res.resSeq}"]
            if chain:
                res_en = [f"{x} of chain {chain}" for x in res_en]
                res_es = [f"{x} de la cadena {chain}" for x in res_es]
            out.append(Candidate("dihedral", ctx.spec, plan, ref,
                                 _slots(ctx, angle=ANGLE_WORDS[angle], res=(res_en, res_es), unit=UNIT_WORDS[unit],
                                        frames=_frames_slots(opt)),
                                 variant="frames" if opt.key != "none" else ""))
    return out


DSSP_WORDS = {"H": (["helix (DSSP H)", "helical (DSSP code H)", "alpha helix (H in simplified DSSP)"],
                    ["hélice (DSSP H)", "hélice alfa (código H de DSSP)"]),
              "E": (["strand (DSSP E)", "beta strand (simplified DSSP code E)", "extended/sheet (DSSP E)"],
                    ["hebra beta (DSSP E)", "lámina/hebra (código E de DSSP)"])}


def family_dssp(ctx: Context) -> list[Candidate]:
    if not _has_protein(ctx.top) or ctx.spec.cheap_only:
        return []
    import mdtraj as md

    out = []
    codes = ["H", "E"]
    for code in codes:
        for opt in _frame_sample(ctx, 1, allowed=("none", "first", "last", "index", "mean", "max")):
            frames, reduce = opt.steps()
            plan = _plan(_load_step(ctx.spec), frames, Step("compute", {"quantity": "dssp", "code": code}), reduce)

            def ref(o=opt, c=code):
                return _framewise(ctx, o, lambda t: (md.compute_dssp(t, simplified=True) == c).sum(1), integer=True)
            out.append(Candidate("dssp", ctx.spec, plan, ref,
                                 _slots(ctx, code=DSSP_WORDS[code], frames=_frames_slots(opt)),
                                 variant="frames" if opt.key != "none" else ""))
    return out


def family_hbonds(ctx: Context) -> list[Candidate]:
    top = ctx.top
    if not any(a.element.symbol == "H" for a in top.atoms) or not _has_protein(top):
        return []
    out = []
    opts = [FrameOpt("none")] if ctx.traj.n_frames == 1 else _frame_sample(ctx, 2, allowed=("first", "last", "index"))
    for opt in opts:
        frames, _ = opt.steps()
        plan = _plan(_load_step(ctx.spec), frames,
                     Step("compute", {"quantity": "hbonds", "method": "baker_hubbard"}))
        out.append(Candidate("hbonds", ctx.spec, plan, lambda o=opt: _hbonds_count(o.pick(ctx.traj)),
                             _slots(ctx, frames=_frames_slots(opt)), variant="frames" if opt.key != "none" else ""))
    return out


def family_contacts(ctx: Context) -> list[Candidate]:
    idx = ctx.top.select("name CA")
    if len(idx) < 4:
        return []
    out = []
    for cutoff, minsep in _sample(ctx.rng, [(0.6, 3), (0.8, 3), (0.7, 4), (1.0, 5), (0.5, 2)], 2):
        for opt in _frame_sample(ctx, 1, allowed=("none", "first", "last", "index", "mean")):
            frames, reduce = opt.steps()
            plan = _plan(_load_step(ctx.spec), frames,
                         Step("compute", {"quantity": "contacts", "selection": "name CA", "cutoff_nm": cutoff,
                                          "min_separation": minsep}), reduce)

            def ref(o=opt, c=cutoff, m=minsep):
                res = np.array([ctx.top.atom(int(i)).residue.index for i in idx])
                i, j = np.triu_indices(len(idx), 1)
                keep = np.abs(res[i] - res[j]) >= m

                def per_frame(t):
                    x = t.xyz[:, idx].astype(float)
                    d = np.linalg.norm(x[:, i[keep]] - x[:, j[keep]], axis=-1)
                    return (d < c).sum(1)
                return _framewise(ctx, o, per_frame, integer=True)
            cut_en = [f"{_num(cutoff)} nm", f"{_num(cutoff * 10)} Å", f"{_num(cutoff * 10)} angstroms"]
            cut_es = [f"{_num(cutoff)} nm", f"{_num(cutoff * 10)} Å"]
            out.append(Candidate("contacts", ctx.spec, plan, ref,
                                 _slots(ctx, cutoff=(cut_en, cut_es), sep=([str(minsep)], [str(minsep)]),
                                        frames=_frames_slots(opt)),
                                 variant="frames" if opt.key != "none" else ""))
    return out


def family_neighbors(ctx: Context) -> list[Candidate]:
    top = ctx.top
    if not len(top.select("water")) or not _has_protein(top):
        return []
    out = []
    for cutoff in _sample(ctx.rng, [0.3, 0.35, 0.5], 2):
        for opt in _frame_sample(ctx, 1, allowed=("none", "first", "last", "mean")):
            frames, reduce = opt.steps()
            plan = _plan(_load_step(ctx.spec), frames,
                         Step("compute", {"quantity": "neighbors", "selection": "water", "around": "protein",
                                          "cutoff_nm": cutoff, "level": "residues"}), reduce)

            def ref(o=opt, c=cutoff):
                water, prot = top.select("water"), top.select("protein")
                resid = np.array([top.atom(int(i)).residue.index for i in water])

                def per_frame(t):
                    near = _pair_min(t.xyz[:, water], t.xyz[:, prot]) < c
                    return [len(set(resid[row].tolist())) for row in near]
                return _framewise(ctx, o, per_frame, integer=True)
            cut_en = [f"{_num(cutoff)} nm", f"{_num(cutoff * 10)} Å", f"{_num(cutoff * 10)} angstrom"]
            cut_es = [f"{_num(cutoff)} nm", f"{_num(cutoff * 10)} Å"]
            out.append(Candidate("neighbors", ctx.spec, plan, ref,
                                 _slots(ctx, cutoff=(cut_en, cut_es), frames=_frames_slots(opt)),
                                 variant="frames" if opt.key != "none" else ""))
    return out


CENTER_WORDS = {"mass": (["centre of mass", "center of mass", "mass-weighted centre"],
                         ["centro de masas", "centro de masa"]),
                "none": (["geometric centre", "center of geometry (unweighted)", "centroid (no mass weighting)"],
                         ["centro geométrico", "centroide (sin ponderar por masa)"])}


def family_center(ctx: Context) -> list[Candidate]:
    sels = [s for s in ("protein", "all", "name CA") if len(ctx.top.select(s))]
    if any(r.is_water for r in ctx.top.residues):
        sels = [s for s in sels if s != "all"]
    out = []
    for sel in _sample(ctx.rng, sels, 1):
        for weights in ("mass", "none"):
            for opt in _frame_sample(ctx, 1, allowed=("none", "first", "last", "index", "mean")):
                unit = ctx.rng.choice(["nm", "Å"])
                frames, reduce = opt.steps()
                plan = _plan(_load_step(ctx.spec), frames,
                             Step("compute", {"quantity": "center", "selection": sel, "weights": weights}), reduce,
                             _convert(unit, "nm"))

                def ref(o=opt, s=sel, w=weights, u=unit):
                    idx = ctx.top.select(s)
                    m = np.array([_mass(ctx.top.atom(int(i))) for i in idx]) if w == "mass" else np.ones(len(idx))
                    return _framewise(ctx, o, lambda t: (t.xyz[:, idx].astype(float) * m[None, :, None]).sum(1)
                                      / m.sum(), FACTOR[u])
                out.append(Candidate("center", ctx.spec, plan, ref,
                                     _slots(ctx, sel=describe(sel), center=CENTER_WORDS[weights], unit=UNIT_WORDS[unit],
                                            frames=_frames_slots(opt)),
                                     variant="frames" if opt.key != "none" else ""))
    return out


def family_mass(ctx: Context) -> list[Candidate]:
    sels = [s for s in _selection_pool(ctx.top) if s in ("all", "protein", "water", "backbone", "not element H")
            or (s.startswith("resname") and s not in ("resname GLY",))]
    out = []
    for sel in _sample(ctx.rng, sels, 3):
        plan = _plan(_load_step(ctx.spec), Step("compute", {"quantity": "mass", "selection": sel}))
        out.append(Candidate("mass", ctx.spec, plan,
                             lambda s=sel: float(sum(_mass(ctx.top.atom(int(i))) for i in ctx.top.select(s))),
                             _slots(ctx, sel=describe(sel))))
    return out


def family_box_volume(ctx: Context) -> list[Candidate]:
    if ctx.traj.unitcell_lengths is None:
        return []
    out = []
    for opt in _frame_sample(ctx, 2, allowed=("none", "first", "last", "mean", "max")):
        unit = ctx.rng.choice(["nm³", "Å³"])
        frames, reduce = opt.steps()
        plan = _plan(_load_step(ctx.spec), frames, Step("compute", {"quantity": "box_volume"}), reduce,
                     _convert(unit, "nm³"))
        out.append(Candidate("box_volume", ctx.spec, plan,
                             lambda o=opt, u=unit: _framewise(ctx, o, _box_volume, FACTOR[u]),
                             _slots(ctx, unit=UNIT_WORDS[unit], frames=_frames_slots(opt)),
                             variant="frames" if opt.key != "none" else ""))
    return out


def family_topology(ctx: Context) -> list[Candidate]:
    out = [Candidate("topology", ctx.spec, _plan(_load_step(ctx.spec), Step("compute", {"quantity": "n_bonds"})),
                     lambda: sum(1 for _ in ctx.top.bonds), _slots(ctx), variant="n_bonds")]
    if ctx.traj.n_frames > 1 or ctx.rng.random() < 0.4:
        out.append(Candidate("topology", ctx.spec, _plan(_load_step(ctx.spec), Step("compute", {"quantity": "n_frames"})),
                             lambda: int(ctx.traj.xyz.shape[0]), _slots(ctx), variant="n_frames"))
    return out


def family_time(ctx: Context) -> list[Candidate]:
    if ctx.traj.n_frames < 2 or not ctx.spec.time_meaningful:
        return []
    times = np.asarray(ctx.traj.time, float)
    out = []
    for unit in ("ps", "ns"):
        plan = _plan(_load_step(ctx.spec), Step("compute", {"quantity": "timestep"}), _convert(unit, "ps"))
        out.append(Candidate("time", ctx.spec, plan, lambda u=unit: float(np.diff(times).mean()) * FACTOR[u],
                             _slots(ctx, unit=UNIT_WORDS[unit]), variant="timestep"))
        plan = _plan(_load_step(ctx.spec), Step("compute", {"quantity": "total_time"}), _convert(unit, "ps"))
        out.append(Candidate("time", ctx.spec, plan, lambda u=unit: float(times.max() - times.min()) * FACTOR[u],
                             _slots(ctx, unit=UNIT_WORDS[unit]), variant="total_time"))
    plan = _plan(_load_step(ctx.spec), Step("compute", {"quantity": "time_info"}))
    out.append(Candidate("time", ctx.spec, plan,
                         lambda: [float(np.diff(times).mean()), float(times.max() - times.min()) / 1000.0],
                         _slots(ctx), variant="time_info"))
    return out


def family_sequence(ctx: Context) -> list[Candidate]:
    top = ctx.top
    if not _has_protein(top):
        return []
    chains = sorted({c.chain_id for c in top.chains if c.chain_id and c.chain_id.strip()
                     and any(r.is_protein for r in c.residues)})
    out = []
    options = [None] if len(chains) <= 1 else []
    options += chains[:2]
    for chain in options:
        args = {"quantity": "sequence"}
        if chain:
            args["chain"] = chain

        def ref(c=chain):
            return "".join(ONE_LETTER.get(r.name, "X") for r in top.residues
                           if r.is_protein and (c is None or r.chain.chain_id == c))
        slots = _slots(ctx, chain=([f"chain {chain}", f"chain ID {chain}"], [f"la cadena {chain}"]) if chain else
                       ([""], [""]))
        out.append(Candidate("sequence", ctx.spec, _plan(_load_step(ctx.spec), Step("compute", args)), ref, slots,
                             variant="chain" if chain else ""))
    return out


# ---- templates ----------------------------------------------------------------------------------------
# (family, variant) -> {"en": [...], "es": [...]}; every slot a template names must be stated by it.

TEMPLATES: dict[tuple[str, str], dict[str, list[str]]] = {
    ("count", ""): {
        "en": [
            "How many {level} are there in {sel} of {file}?",
            "Count the {level} in {sel} ({file}).",
            "{file}: number of {level} in {sel}?",
            "number of {level} in {sel}, {file}",
            "In {file}, how many {level} does {sel} span?",
            "Tell me how many {level} make up {sel} in {file}.",
            "I need the count of {level} that belong to {sel} in {file}.",
            "{file} -- count {level} of {sel}",
            "how many {level} for {sel} in {file}",
            "Load {file} and count the {level} in {sel}.",
            "What is the number of {level} in {sel} in {file}?",
            "Could you count how many {level} {sel} has in {file}?",
            "count {level}: {sel} / {file}",
            "For {file}, give me the number of {level} covered by {sel}.",
        ],
        "es": [
            "¿{Cuantos} {level} hay en {sel} de {file}?",
            "Cuenta {los} {level} en {sel} ({file}).",
            "{file}: número de {level} en {sel}",
            "número de {level} en {sel}, {file}",
            "Dime {cuantos} {level} tiene {sel} en {file}.",
            "Carga {file} y cuenta {los} {level} de {sel}.",
            "¿Qué número de {level} abarca {sel} en {file}?",
            "En {file}, ¿{cuantos} {level} forman {sel}?",
        ],
    },
    ("count", "all"): {
        "en": [
            "How many {level} does {file} have in total (the whole system)?",
            "Total number of {level} in {file}, counting everything.",
            "{file}: how many {level} altogether, all atoms included?",
            "count all {level} in {file} (entire system)",
            "What is the total {level} count of {file}, nothing left out?",
            "Give me the number of {level} in the entire system of {file}.",
            "how many {level} in {file} overall (whole system)",
        ],
        "es": [
            "¿{Cuantos} {level} tiene {file} en total (todo el sistema)?",
            "Número total de {level} en {file}, contando todo.",
            "{file}: {cuantos} {level} hay en todo el sistema",
            "cuenta todos {los} {level} de {file} (sistema completo)",
        ],
    },
    ("names", ""): {
        "en": [
            "List the {what} in {sel} of {file}.",
            "What are the {what} in {sel} ({file})? Sorted, please.",
            "{file}: which {what} occur in {sel}?",
            "Give me the sorted {what} for {sel} in {file}.",
            "{what} of {sel} in {file}",
            "Show the {what} found in {sel} of {file}, alphabetically.",
            "Which {what} does {sel} have in {file}? List them.",
            "list {what} -- {sel}, {file}",
        ],
        "es": [
            "Lista los {what} en {sel} de {file}.",
            "¿Qué {what} hay en {sel} ({file})? Ordenados, por favor.",
            "{file}: {what} presentes en {sel}",
            "Dame la lista ordenada de {what} para {sel} en {file}.",
            "Muestra los {what} de {sel} en {file}, en orden alfabético.",
        ],
    },
    ("strip", "atoms"): {
        "en": [
            "How many atoms are left in {file} after removing {strip}?",
            "Strip {strip} from {file} and tell me how many atoms remain.",
            "{file} {without}: how many atoms?",
            "Number of atoms in {file} {without}.",
            "After stripping {strip}, what is the atom count of {file}?",
            "remove {strip} from {file}, then count the atoms",
            "atom count of {file} {without}",
            "If I delete {strip} from {file}, how many atoms are there?",
            "Count the atoms of {file} once {strip} has been removed.",
        ],
        "es": [
            "¿Cuántos átomos quedan en {file} después de quitar {strip}?",
            "Elimina {strip} de {file} y dime cuántos átomos quedan.",
            "{file} {without}: ¿cuántos átomos?",
            "Número de átomos de {file} {without}.",
            "quita {strip} de {file} y cuenta los átomos",
        ],
    },
    ("strip", "level"): {
        "en": [
            "After removing {strip} from {file}, how many {level} remain?",
            "Strip {strip} from {file} and count the remaining {level}.",
            "{file} {without}: number of {level}?",
            "How many {level} does {file} have {without}?",
            "remove {strip}, then count {level} in {file}",
            "Count the {level} left in {file} once {strip} is stripped.",
            "number of {level} in {file} {without}",
        ],
        "es": [
            "Después de quitar {strip} de {file}, ¿{cuantos} {level} quedan?",
            "Elimina {strip} de {file} y cuenta {los} {level} restantes.",
            "{file} {without}: número de {level}",
            "¿{Cuantos} {level} tiene {file} {without}?",
        ],
    },
    ("rg", ""): {
        "en": [
            "What is the {weights} radius of gyration of {sel} in {file}, in {unit}?",
            "Compute the {weights} Rg of {sel} for {file} and report it in {unit}.",
            "{file}: {weights} radius of gyration of {sel} ({unit})",
            "{weights} Rg of {sel} in {file}, in {unit}",
            "Give me the radius of gyration ({weights}) of {sel} in {file} in {unit}.",
            "How compact is {sel} in {file}? I want its {weights} radius of gyration in {unit}.",
            "rg {sel} {file} -- {weights}, {unit}",
            "Calculate {sel}'s radius of gyration in {file}, {weights}, expressed in {unit}.",
        ],
        "es": [
            "¿Cuál es el radio de giro {weights} de {sel} en {file}, en {unit}?",
            "Calcula el Rg {weights} de {sel} de {file} y exprésalo en {unit}.",
            "{file}: radio de giro {weights} de {sel} ({unit})",
            "radio de giro de {sel} en {file}, {weights}, en {unit}",
        ],
    },
    ("rg", "frames"): {
        "en": [
            "What is the {weights} radius of gyration of {sel} in {file} {frames}, in {unit}?",
            "Compute the {weights} Rg of {sel} for {file}, {frames}; report it in {unit}.",
            "{file}: {weights} radius of gyration of {sel}, {frames} ({unit})",
            "{weights} Rg of {sel} in {file} {frames}, in {unit}",
            "Give me the radius of gyration ({weights}) of {sel} in {file}, {frames}, in {unit}.",
            "rg {sel} {file} -- {weights}, {frames}, {unit}",
            "{frames}, what is the {weights} Rg of {sel} in {file}? Answer in {unit}.",
            "Calculate {sel}'s radius of gyration in {file} {frames}, {weights}, expressed in {unit}.",
        ],
        "es": [
            "¿Cuál es el radio de giro {weights} de {sel} en {file} {frames}, en {unit}?",
            "Calcula el Rg {weights} de {sel} de {file}, {frames}, y exprésalo en {unit}.",
            "{file}: radio de giro {weights} de {sel}, {frames} ({unit})",
            "radio de giro de {sel} en {file} {frames}, {weights}, en {unit}",
        ],
    },
    ("strip_rg", ""): {
        "en": [
            "Remove {strip} from {file} and compute the {weights} radius of gyration of what is left, in {unit}.",
            "What is the {weights} Rg of {file} {without}, in {unit}?",
            "After stripping {strip}, give me the {weights} radius of gyration of the rest of {file} in {unit}.",
            "{file} {without}: {weights} Rg of all remaining atoms ({unit})",
            "strip {strip}, then {weights} rg of everything left in {file}, {unit}",
        ],
        "es": [
            "Quita {strip} de {file} y calcula el radio de giro {weights} de lo que queda, en {unit}.",
            "¿Cuál es el Rg {weights} de {file} {without}, en {unit}?",
            "{file} {without}: radio de giro {weights} de todos los átomos restantes ({unit})",
        ],
    },
    ("strip_rg", "frames"): {
        "en": [
            "Remove {strip} from {file} and compute the {weights} radius of gyration of what is left {frames}, in {unit}.",
            "What is the {weights} Rg of {file} {without}, {frames}, in {unit}?",
            "After stripping {strip}, give me the {weights} radius of gyration of the rest of {file} {frames} in {unit}.",
            "{file} {without}: {weights} Rg of all remaining atoms, {frames} ({unit})",
            "strip {strip}, then {weights} rg of everything left in {file}, {frames}, {unit}",
        ],
        "es": [
            "Quita {strip} de {file} y calcula el radio de giro {weights} de lo que queda {frames}, en {unit}.",
            "¿Cuál es el Rg {weights} de {file} {without}, {frames}, en {unit}?",
            "{file} {without}: radio de giro {weights} de todos los átomos restantes, {frames} ({unit})",
        ],
    },
    ("sasa", ""): {
        "en": [
            "What is the total solvent accessible surface area of {sel} in {file} {frames}, in {unit}?",
            "Compute the SASA (Shrake-Rupley) of {sel} for {file} {frames} and give it in {unit}.",
            "{file}: total SASA of {sel} {frames} ({unit})",
            "total sasa {sel} {file} {frames} -- {unit}",
            "How much surface of {sel} is solvent-exposed in {file} {frames}? Total SASA in {unit}, please.",
            "Give me the summed per-atom SASA of {sel} in {file} {frames}, in {unit}.",
            "Solvent-accessible area of {sel} in {file} {frames}, reported in {unit}.",
            "I'd like the total Shrake-Rupley surface area of {sel} ({file}) {frames}, in {unit}.",
        ],
        "es": [
            "¿Cuál es el área superficial accesible al solvente total de {sel} en {file} {frames}, en {unit}?",
            "Calcula la SASA (Shrake-Rupley) de {sel} en {file} {frames} y exprésala en {unit}.",
            "{file}: SASA total de {sel} {frames} ({unit})",
            "sasa total de {sel} en {file} {frames}, en {unit}",
        ],
    },
    ("sasa_residue", ""): {
        "en": [
            "Which protein residue has the largest SASA in {file} {frames}?",
            "In {file} {frames}, which residue of the protein is the most solvent exposed (highest per-residue SASA)?",
            "{file}: residue with maximum solvent accessible surface area, protein only, {frames}",
            "most exposed residue of the protein in {file} {frames} (per-residue SASA, argmax)",
            "Find the protein residue with the highest Shrake-Rupley SASA in {file} {frames}.",
            "Per-residue SASA of the protein in {file} {frames}: which residue is on top?",
        ],
        "es": [
            "¿Qué residuo de la proteína tiene la mayor SASA en {file} {frames}?",
            "En {file} {frames}, ¿cuál es el residuo de la proteína más expuesto al solvente (SASA por residuo máxima)?",
            "{file}: residuo de la proteína con mayor área accesible al solvente {frames}",
        ],
    },
    ("rmsd", ""): {
        "en": [
            "What is the RMSD of {sel} relative to frame 0 in {file}, {how}, in {unit}?",
            "Superpose {file} on the first frame using {sel} and give the RMSD {how}, in {unit}.",
            "{file}: RMSD of {sel} to frame 0, {how} ({unit})",
            "rmsd vs first frame, {sel}, {how}, {file}, {unit}",
            "Compute the RMSD of {sel} against the first frame (frame 0) for {file}; report it {how} in {unit}.",
            "How far does {sel} drift from frame 0 in {file}? RMSD {how}, in {unit}.",
            "Give me the {how} RMSD of {sel} in {file} with frame 0 as reference, in {unit}.",
            "After fitting {sel} to frame 0 of {file}, what is the RMSD {how}? Use {unit}.",
        ],
        "es": [
            "¿Cuál es el RMSD de {sel} respecto al fotograma 0 en {file}, {how}, en {unit}?",
            "Superpón {file} sobre el primer fotograma usando {sel} y dame el RMSD {how}, en {unit}.",
            "{file}: RMSD de {sel} frente al frame 0, {how} ({unit})",
            "rmsd respecto al primer fotograma de {sel} en {file}, {how}, en {unit}",
        ],
    },
    ("rmsf", "mean"): {
        "en": [
            "What is the mean RMSF of {sel} in {file} (superposed on frame 0), in {unit}?",
            "Average per-atom RMSF over {sel} for {file}, fitting to frame 0, in {unit}.",
            "{file}: RMSF of {sel} after superposition on the first frame, averaged over the atoms ({unit})",
            "mean rmsf of {sel}, {file}, reference frame 0, {unit}",
            "Compute the RMSF of each atom of {sel} in {file} (fit to frame 0) and give their mean in {unit}.",
        ],
        "es": [
            "¿Cuál es el RMSF medio de {sel} en {file} (superpuesto al fotograma 0), en {unit}?",
            "RMSF por átomo de {sel} en {file}, ajustando al frame 0, promediado sobre los átomos, en {unit}.",
            "{file}: media del RMSF de {sel} tras superponer sobre el primer fotograma ({unit})",
        ],
    },
    ("rmsf", "max"): {
        "en": [
            "What is the largest RMSF among {sel} in {file} (superposed on frame 0), in {unit}?",
            "Maximum per-atom RMSF over {sel} for {file}, fitting to frame 0, in {unit}.",
            "{file}: highest RMSF of {sel} after superposition on the first frame ({unit})",
            "max rmsf of {sel}, {file}, reference frame 0, {unit}",
            "Compute the RMSF of each atom of {sel} in {file} (fit to frame 0) and give the maximum in {unit}.",
        ],
        "es": [
            "¿Cuál es el RMSF máximo de {sel} en {file} (superpuesto al fotograma 0), en {unit}?",
            "RMSF por átomo de {sel} en {file}, ajustando al frame 0: el valor máximo en {unit}.",
            "{file}: mayor RMSF de {sel} tras superponer sobre el primer fotograma ({unit})",
        ],
    },
    ("rmsf", "argmax"): {
        "en": [
            "Which residue has the most flexible atom among {sel} in {file} (highest RMSF, fit to frame 0)?",
            "In {file}, superpose on frame 0 and find the residue whose atom in {sel} has the largest RMSF.",
            "{file}: residue of the {sel} atom with maximum RMSF (reference frame 0)",
            "most mobile residue by RMSF of {sel}, {file}, fitted to the first frame",
        ],
        "es": [
            "¿Qué residuo tiene el átomo más flexible entre {sel} en {file} (RMSF máximo, ajuste al fotograma 0)?",
            "{file}: residuo del átomo de {sel} con mayor RMSF (referencia: primer fotograma)",
        ],
    },
    ("distance", ""): {
        "en": [
            "What is the distance between {a} and {b} in {file} {frames}, in {unit}?",
            "Measure the distance from {a} to {b} in {file} {frames} ({unit}).",
            "{file}: distance {a} -- {b}, {frames}, in {unit}",
            "dist between {a} and {b}, {file}, {frames}, {unit}",
            "How far apart are {a} and {b} in {file} {frames}? Give it in {unit}.",
            "Compute the {a} to {b} distance for {file} {frames}, expressed in {unit}.",
            "In {file}, {frames}, how far is {a} from {b}? Answer in {unit}.",
        ],
        "es": [
            "¿Cuál es la distancia entre {a} y {b} en {file} {frames}, en {unit}?",
            "Mide la distancia de {a} a {b} en {file} {frames} ({unit}).",
            "{file}: distancia entre {a} y {b}, {frames}, en {unit}",
            "¿A qué distancia están {a} y {b} en {file} {frames}? En {unit}.",
        ],
    },
    ("min_distance", ""): {
        "en": [
            "What is the minimum distance between {lig} and the protein in {file} {frames}, in {unit}?",
            "Closest approach of {lig} to the protein in {file} {frames} ({unit}).",
            "{file}: shortest atom-atom distance between {lig} and the protein, {frames}, in {unit}",
            "min distance {lig} to protein, {file}, {frames}, {unit}",
            "How close does {lig} get to the protein in {file} {frames}? Smallest distance in {unit}.",
            "Give me the minimal interatomic distance from {lig} to any protein atom in {file} {frames}, in {unit}.",
        ],
        "es": [
            "¿Cuál es la distancia mínima entre {lig} y la proteína en {file} {frames}, en {unit}?",
            "Distancia más corta entre {lig} y cualquier átomo de la proteína en {file} {frames} ({unit}).",
            "{file}: distancia mínima de {lig} a la proteína, {frames}, en {unit}",
        ],
    },
    ("dihedral", ""): {
        "en": [
            "What is the {angle} angle of {res} in {file} {frames}, in {unit}?",
            "Give me the backbone dihedral {angle} of {res} for {file} {frames} ({unit}).",
            "{file}: {angle} of {res}, {frames}, in {unit}",
            "{angle} dihedral, {res}, {file}, {frames}, {unit}",
            "Compute the {angle} torsion of {res} in {file} {frames} and report it in {unit}.",
            "In {file}, {frames}, what is the {angle} of {res}? Answer in {unit}.",
        ],
        "es": [
            "¿Cuál es el ángulo {angle} de {res} en {file} {frames}, en {unit}?",
            "Dame el diedro {angle} de {res} en {file} {frames} ({unit}).",
            "{file}: ángulo {angle} de {res}, {frames}, en {unit}",
        ],
    },
    ("dssp", ""): {
        "en": [
            "How many residues are {code} in {file} {frames}?",
            "Count the residues assigned {code} by DSSP in {file} {frames}.",
            "{file}: number of {code} residues, {frames}",
            "dssp {code} count for {file}, {frames}",
            "With simplified DSSP, how many residues of {file} are {code} {frames}?",
            "Give me the number of residues in {code} secondary structure in {file} {frames}.",
        ],
        "es": [
            "¿Cuántos residuos están en {code} en {file} {frames}?",
            "Cuenta los residuos asignados a {code} por DSSP en {file} {frames}.",
            "{file}: número de residuos en {code}, {frames}",
        ],
    },
    ("hbonds", ""): {
        "en": [
            "How many hydrogen bonds (Baker-Hubbard) are there in {file} {frames}?",
            "Count the Baker-Hubbard H-bonds of {file} {frames}.",
            "{file}: number of hydrogen bonds by the Baker-Hubbard criterion, {frames}",
            "hbonds baker_hubbard count, {file}, {frames}",
            "Using the Baker-Hubbard method, how many H-bonds does {file} have {frames}?",
            "Give me the hydrogen-bond count (Baker & Hubbard) for {file} {frames}.",
        ],
        "es": [
            "¿Cuántos puentes de hidrógeno (Baker-Hubbard) hay en {file} {frames}?",
            "Cuenta los enlaces de hidrógeno según Baker-Hubbard en {file} {frames}.",
            "{file}: número de puentes de hidrógeno (criterio Baker-Hubbard), {frames}",
        ],
    },
    ("contacts", ""): {
        "en": [
            "How many CA-CA pairs are closer than {cutoff} in {file} {frames}, counting only residues at least {sep} apart in sequence?",
            "Count the alpha-carbon contacts under {cutoff} in {file} {frames}, ignoring pairs less than {sep} residues apart.",
            "{file}: number of CA pairs within {cutoff}, sequence separation >= {sep}, {frames}",
            "CA contacts < {cutoff}, min separation {sep} residues, {file}, {frames}",
            "In {file} {frames}, how many pairs of C-alpha atoms are nearer than {cutoff} (residues {sep} or more apart)?",
            "Give me the count of CA-CA contacts (distance below {cutoff}, |i-j| >= {sep}) for {file} {frames}.",
        ],
        "es": [
            "¿Cuántos pares CA-CA están a menos de {cutoff} en {file} {frames}, con al menos {sep} residuos de separación?",
            "Cuenta los contactos entre carbonos alfa por debajo de {cutoff} en {file} {frames}, separación mínima {sep} residuos.",
            "{file}: número de pares de CA a menos de {cutoff}, separación en secuencia >= {sep}, {frames}",
        ],
    },
    ("neighbors", ""): {
        "en": [
            "How many water molecules are within {cutoff} of the protein in {file} {frames}?",
            "Count the waters with any atom closer than {cutoff} to the protein in {file} {frames}.",
            "{file}: number of water residues within {cutoff} of the protein, {frames}",
            "waters within {cutoff} of protein, {file}, {frames} -- count residues",
            "In {file} {frames}, how many water molecules lie within {cutoff} of any protein atom?",
            "Give me the number of first-shell waters (within {cutoff} of the protein) in {file} {frames}.",
        ],
        "es": [
            "¿Cuántas moléculas de agua hay a menos de {cutoff} de la proteína en {file} {frames}?",
            "Cuenta las aguas con algún átomo a menos de {cutoff} de la proteína en {file} {frames}.",
            "{file}: número de aguas a menos de {cutoff} de la proteína, {frames}",
        ],
    },
    ("center", ""): {
        "en": [
            "What is the {center} of {sel} in {file} {frames}, in {unit}?",
            "Give me the x, y, z of the {center} of {sel} for {file} {frames} ({unit}).",
            "{file}: {center} of {sel}, {frames}, in {unit}",
            "{center} of {sel}, {file}, {frames} -- {unit}",
            "Compute the {center} of {sel} in {file} {frames} and report the coordinates in {unit}.",
            "Where is the {center} of {sel} in {file} {frames}? Coordinates in {unit}.",
        ],
        "es": [
            "¿Cuál es el {center} de {sel} en {file} {frames}, en {unit}?",
            "Dame las coordenadas x, y, z del {center} de {sel} en {file} {frames} ({unit}).",
            "{file}: {center} de {sel}, {frames}, en {unit}",
        ],
    },
    ("mass", ""): {
        "en": [
            "What is the total mass of {sel} in {file}, in daltons?",
            "Compute the mass of {sel} in {file} (Da).",
            "{file}: total mass of {sel} in Da",
            "mass of {sel}, {file}, daltons",
            "How heavy is {sel} in {file}? Sum of atomic masses in Da.",
            "Give me the summed atomic mass of {sel} for {file}, in g/mol (Da).",
        ],
        "es": [
            "¿Cuál es la masa total de {sel} en {file}, en daltons?",
            "Calcula la masa de {sel} en {file} (Da).",
            "{file}: masa total de {sel} en Da",
        ],
    },
    ("box_volume", ""): {
        "en": [
            "What is the volume of the simulation box of {file} {frames}, in {unit}?",
            "Give me the unit cell volume of {file} {frames} ({unit}).",
            "{file}: box volume, {frames}, in {unit}",
            "box volume {file} {frames} -- {unit}",
            "How big is the periodic box in {file} {frames}? Volume in {unit}.",
        ],
        "es": [
            "¿Cuál es el volumen de la caja de simulación de {file} {frames}, en {unit}?",
            "Dame el volumen de la celda unidad de {file} {frames} ({unit}).",
            "{file}: volumen de la caja, {frames}, en {unit}",
        ],
    },
    ("topology", "n_bonds"): {
        "en": [
            "How many bonds does the topology of {file} have?",
            "Number of bonds in the topology of {file}.",
            "{file}: bond count",
            "count the bonds defined in the topology of {file}",
            "How many covalent bonds are stored in the topology of {file}?",
        ],
        "es": [
            "¿Cuántos enlaces tiene la topología de {file}?",
            "Número de enlaces en la topología de {file}.",
            "{file}: número de enlaces",
        ],
    },
    ("topology", "n_frames"): {
        "en": [
            "How many frames does {file} have?",
            "Number of frames in {file}.",
            "{file}: frame count",
            "how many snapshots (frames) are stored in {file}",
            "Count the frames of the trajectory {file}.",
        ],
        "es": [
            "¿Cuántos fotogramas tiene {file}?",
            "Número de frames en {file}.",
            "{file}: número de fotogramas",
        ],
    },
    ("time", "timestep"): {
        "en": [
            "What is the time step between saved frames in {file}, in {unit}?",
            "Time between consecutive frames of {file} ({unit}).",
            "{file}: interval between frames, in {unit}",
            "How often were frames saved in {file}? Give the spacing in {unit}.",
        ],
        "es": [
            "¿Cuál es el intervalo de tiempo entre fotogramas guardados en {file}, en {unit}?",
            "Tiempo entre frames consecutivos de {file} ({unit}).",
            "{file}: paso de tiempo entre fotogramas, en {unit}",
        ],
    },
    ("time", "total_time"): {
        "en": [
            "How much time does {file} span from the first to the last frame, in {unit}?",
            "Total simulated time covered by {file} (first to last frame), in {unit}.",
            "{file}: time from first to last frame in {unit}",
            "What is the length of the trajectory {file} in {unit}, first frame to last?",
        ],
        "es": [
            "¿Cuánto tiempo abarca {file} del primer al último fotograma, en {unit}?",
            "Tiempo total cubierto por {file} (del primer al último frame), en {unit}.",
            "{file}: duración del primer al último fotograma en {unit}",
        ],
    },
    ("time", "time_info"): {
        "en": [
            "What are the time step (in ps) and the total time (in ns) of {file}?",
            "Give me both the frame interval in ps and the total duration in ns for {file}.",
            "{file}: timestep (ps) and total time (ns)",
            "time info for {file}: dt in picoseconds, total length in nanoseconds",
        ],
        "es": [
            "¿Cuál es el paso de tiempo (en ps) y el tiempo total (en ns) de {file}?",
            "Dame el intervalo entre fotogramas en ps y la duración total en ns de {file}.",
            "{file}: paso de tiempo (ps) y tiempo total (ns)",
        ],
    },
    ("sequence", ""): {
        "en": [
            "What is the one-letter amino acid sequence of the protein in {file}?",
            "Give me the protein sequence of {file} in one-letter code.",
            "{file}: protein sequence (one-letter)",
            "one-letter sequence of {file}",
            "Print the sequence of the protein residues in {file}, single-letter codes.",
        ],
        "es": [
            "¿Cuál es la secuencia de aminoácidos (código de una letra) de la proteína en {file}?",
            "Dame la secuencia de la proteína de {file} en código de una letra.",
            "{file}: secuencia proteica (una letra)",
        ],
    },
    ("sequence", "chain"): {
        "en": [
            "What is the one-letter sequence of {chain} in {file}?",
            "Give me the protein sequence of {chain} of {file} in one-letter code.",
            "{file}: sequence of {chain} (one-letter)",
            "one-letter sequence, {chain}, {file}",
            "Print the amino acid sequence of {chain} in {file}, single-letter codes.",
        ],
        "es": [
            "¿Cuál es la secuencia en código de una letra de {chain} en {file}?",
            "Dame la secuencia de aminoácidos de {chain} de {file} en código de una letra.",
            "{file}: secuencia de {chain} (una letra)",
        ],
    },
}

FAMILIES: dict[str, Callable[[Context], list[Candidate]]] = {
    "count": family_count,
    "names": family_names,
    "strip": family_strip,
    "rg": family_rg,
    "strip_rg": family_strip_rg,
    "sasa": family_sasa,
    "sasa_residue": family_sasa_residue,
    "rmsd": family_rmsd,
    "rmsf": family_rmsf,
    "distance": family_distance,
    "min_distance": family_min_distance,
    "dihedral": family_dihedral,
    "dssp": family_dssp,
    "hbonds": family_hbonds,
    "contacts": family_contacts,
    "neighbors": family_neighbors,
    "center": family_center,
    "mass": family_mass,
    "box_volume": family_box_volume,
    "topology": family_topology,
    "time": family_time,
    "sequence": family_sequence,
}
EXPENSIVE = {"sasa", "sasa_residue", "dssp"}  # families skipped on cheap_only files


# ---- phrasing ------------------------------------------------------------------------------------------

def _tidy(text: str, lang: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^[,;:\s]+", "", text)
    text = re.sub(r"\s+([,.?;:)])", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    text = re.sub(r",\s*--", " --", text)
    text = re.sub(r"\(\s*,\s*", "(", text)
    text = re.sub(r"\(\s*\)", "", text)
    if lang == "es":
        text = re.sub(r"\bde el\b", "del", text)
        text = re.sub(r"\ba el\b", "al", text)
        text = re.sub(r"\bDe el\b", "Del", text)
    text = re.sub(r"[,;]\s*$", "", text)
    text = re.sub(r"[,;]\s*([.?])$", r"\1", text)
    if re.match(r"(the|el|la|los|las) ", text):  # a sentence that starts with the file phrase
        text = text[0].upper() + text[1:]
    return text


def template_id(family: str, variant: str, lang: str, index: int) -> str:
    return f"{family}/{variant or 'base'}/{lang}/{index}"


def phrase(candidate: Candidate, rng: random.Random, n_en: int, n_es: int) -> list[tuple[str, str, str]]:
    """(request, lang, template id) phrasings of a candidate."""
    family, variant = candidate.family, candidate.variant
    if (family, variant) not in TEMPLATES:
        variant = ""  # the family's templates read well with or without a frame phrase
    templates = TEMPLATES[(family, variant)]
    out, seen = [], set()
    for lang, n in (("en", n_en), ("es", n_es)):
        pool = list(enumerate(templates[lang]))
        rng.shuffle(pool)
        chosen = (pool * (1 + n // max(1, len(pool))))[:n]
        for index, template in chosen:
            slots = candidate.slots[lang]
            values = {name: rng.choice(alternatives) for name, alternatives in slots.items()}
            missing = {name for name in re.findall(r"{(\w+)}", template)} - set(values)
            if missing:
                raise KeyError(f"template {template!r} needs {missing}")
            text = _tidy(template.format(**values), lang)
            if text in seen:
                continue
            seen.add(text)
            out.append((text, lang, template_id(family, variant, lang, index)))
    return out


# ---- verification -------------------------------------------------------------------------------------

@dataclass
class Verdict:
    ok: bool
    answer: Any = None
    reason: str = ""


def verify(candidate: Candidate, files: Files, traj=None) -> Verdict:
    """``validate`` against the file's topology, then the rendered cell against the reference."""
    plan = candidate.plan
    if traj is None:
        traj = files.load(candidate.spec)
    try:
        validate(plan, traj.topology, traj.n_frames)
    except PlanError as exc:
        return Verdict(False, reason=f"validate: {exc}")
    try:
        got = jsonable(files.run(plan))
    except Exception as exc:  # noqa: BLE001 - a rendered cell that fails is a rejection
        return Verdict(False, reason=f"render failed: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = jsonable(candidate.reference())
    except Exception as exc:  # noqa: BLE001
        return Verdict(False, got, reason=f"reference failed: {type(exc).__name__}: {exc}"[:200])
    if not agree(got, want):
        return Verdict(False, got, reason=f"mismatch: render {_short(got)} vs reference {_short(want)}")
    return Verdict(True, got)


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) < 120 else text[:117] + "..."


# ---- the build ----------------------------------------------------------------------------------------

def _heldout_templates(seed: int, fraction: float) -> set[str]:
    """Per family and language, a fraction of the templates (at least one where there are 3+) held out."""
    out = set()
    groups: dict[tuple[str, str], list[str]] = {}
    for (family, variant), langs in TEMPLATES.items():
        for lang, templates in langs.items():
            for index in range(len(templates)):
                groups.setdefault((family, lang), []).append(template_id(family, variant, lang, index))
    for _key, ids in sorted(groups.items()):
        ranked = sorted(ids, key=lambda t: hashlib.sha256(f"{seed}:{t}".encode()).hexdigest())
        k = round(fraction * len(ranked))
        if fraction > 0 and k == 0 and len(ranked) >= 3:
            k = 1
        out.update(ranked[:k])
    return out


def _phrasings_per_plan(n_plans: int) -> tuple[int, int]:
    total = max(7, min(22, round(240 / max(1, n_plans))))
    n_es = max(2, round(total * 0.3))
    return total - n_es, n_es


def build_plan_dataset(structures: Path, out: Path, seed: int = 0, heldout_fraction: float = 0.15,
                       families=None) -> dict:
    started = time.time()
    structures, out = Path(structures), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(FAMILIES) if families is None else [f for f in families if f in FAMILIES]
    files = Files(structures)
    kept: list[tuple[Candidate, Any]] = []
    rejected: list[dict] = []
    seen_plans: set[tuple[str, str]] = set()
    try:
        for spec in FILES:
            if not files.available(spec):
                continue
            traj = files.load(spec)
            for family in chosen:
                if spec.cheap_only and family in EXPENSIVE:
                    continue
                ctx = Context(files, spec, traj, random.Random(f"{seed}:{spec.name}:{family}"))
                try:
                    candidates = FAMILIES[family](ctx)
                except Exception as exc:  # noqa: BLE001 - a family that cannot propose on this file
                    rejected.append({"file": spec.name, "family": family, "plan": None,
                                     "reason": f"proposal failed: {type(exc).__name__}: {exc}"[:200]})
                    continue
                for cand in candidates:
                    key = (spec.name, json.dumps(cand.plan.to_dict(), sort_keys=True))
                    if key in seen_plans:
                        continue
                    seen_plans.add(key)
                    verdict = verify(cand, files, traj)
                    if verdict.ok:
                        kept.append((cand, verdict.answer))
                    else:
                        rejected.append({"file": spec.name, "family": family, "plan": cand.plan.to_dict(),
                                         "reason": verdict.reason})
    finally:
        files.close()

    per_family = Counter(c.family for c, _ in kept)
    heldout_ids = _heldout_templates(seed, heldout_fraction)
    train, heldout = [], []
    for index, (cand, answer) in enumerate(kept):
        n_en, n_es = _phrasings_per_plan(per_family[cand.family])
        prng = random.Random(f"{seed}:{index}:{cand.spec.name}")
        for request, lang, tid in phrase(cand, prng, n_en, n_es):
            record = {"request": request, "files": [n for n in (cand.spec.name, cand.spec.topology) if n],
                      "plan": cand.plan.to_dict(), "answer": answer, "lang": lang, "family": cand.family,
                      "template": tid}
            (heldout if tid in heldout_ids else train).append(record)
    random.Random(seed).shuffle(train)
    random.Random(seed + 1).shuffle(heldout)
    for name, records in (("plans_train.jsonl", train), ("plans_heldout.jsonl", heldout)):
        with open(out / name, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    records = train + heldout
    reasons = Counter(_reason_kind(r["reason"]) for r in rejected)
    stats = {
        "pairs": len(records), "train": len(train), "heldout": len(heldout),
        "distinct_verified_plans": len(kept),
        "rejected_plans": len(rejected),
        "rejected_by_reason": dict(reasons.most_common()),
        "rejected": rejected,
        "plans_by_family": dict(sorted(per_family.items())),
        "pairs_by_family": dict(sorted(Counter(r["family"] for r in records).items())),
        "pairs_by_language": dict(sorted(Counter(r["lang"] for r in records).items())),
        "plans_by_file": dict(sorted(Counter(c.spec.name for c, _ in kept).items())),
        "templates": {"train": len({r["template"] for r in train}), "heldout": len({r["template"] for r in heldout})},
        "seconds": round(time.time() - started, 1),
    }
    with open(out / "plans_stats.json", "w", encoding="utf-8") as fh:
        json.dump(stats, fh, ensure_ascii=False, indent=1)
    return stats


def _reason_kind(reason: str) -> str:
    return reason.split(":", 1)[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--heldout-fraction", type=float, default=0.15)
    parser.add_argument("--families", nargs="*", default=None)
    args = parser.parse_args(argv)
    stats = build_plan_dataset(args.structures, args.out, seed=args.seed, heldout_fraction=args.heldout_fraction,
                               families=args.families)
    print(json.dumps(stats, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
