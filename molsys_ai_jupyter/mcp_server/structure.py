"""What a structure or trajectory file holds: atoms, residues, chains, molecules, frames, box
and time step, read with MDTraj (molsysmt's ``.h5msm`` files through the project's own reader).
Only the first two frames are loaded; the frames are counted without loading them."""

from __future__ import annotations

import warnings
from pathlib import Path

from ..agent.observe import TRAJECTORY_ONLY
from ..errors import MolsysAIError
from .models import StructureInfo

CHUNKED = {".h5", ".xtc", ".dcd", ".trr", ".nc", ".pdb", ".gro"}  # read two frames at a time by md.iterload
TIMED = {".h5", ".xtc", ".trr", ".nc", ".h5msm"}  # formats that store the time of each frame


def _first_frames(path: Path, topology: Path | None):
    import mdtraj as md

    if path.suffix.lower() == ".h5msm":
        from ..h5msm import load_h5msm

        return load_h5msm(path)[:2]
    top = {"top": str(topology)} if topology else {}
    if path.suffix.lower() in CHUNKED:
        return next(iter(md.iterload(str(path), chunk=2, **top)))
    return md.load(str(path), **top)[:2]


def read_structure(path: Path, topology: Path | None = None, shown_as: str | None = None) -> StructureInfo:
    """The facts of ``path`` (a trajectory of coordinates only needs ``topology``)."""
    suffix = path.suffix.lower()
    if suffix in TRAJECTORY_ONLY and topology is None:
        raise MolsysAIError(f"{path.name} holds coordinates only", "pass its topology file too (topology=...)")
    try:
        import mdtraj  # noqa: F401
    except ImportError:
        raise MolsysAIError("reading structure files needs MDTraj", "pip install 'molsys-ai-jupyter[agent]'") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traj = _first_frames(path, topology)
    except (OSError, ValueError, KeyError, IndexError, TypeError, StopIteration, RuntimeError) as exc:
        # MDTraj's readers raise these for files they cannot read
        raise MolsysAIError(f"cannot read {path.name}: {type(exc).__name__}: {str(exc)[:200]}",
                            "check the file and its format (a trajectory needs its topology)") from None
    from ..agent.task_plan import count_frames

    top = traj.topology
    frames = count_frames(path, topology)
    try:
        molecules = len(top.find_molecules())
    except (ValueError, RecursionError):
        molecules = None
    step = None
    if suffix in TIMED and traj.n_frames >= 2 and traj.time is not None:
        step = round(float(traj.time[1] - traj.time[0]), 6) or None
    lengths = traj.unitcell_lengths
    angles = traj.unitcell_angles
    has_box = lengths is not None and float(abs(lengths[0]).sum()) > 0
    return StructureInfo(
        path=shown_as or path.name,
        format=suffix.lstrip("."),
        atoms=top.n_atoms,
        residues=top.n_residues,
        chains=top.n_chains,
        molecules=molecules,
        frames=frames,
        box_nm=[round(float(v), 4) for v in lengths[0]] if has_box else None,
        box_angles_deg=[round(float(v), 3) for v in angles[0]] if has_box and angles is not None else None,
        time_step_ps=step,
        residue_names=sorted({r.name for r in top.residues}),
        chain_ids=list(dict.fromkeys(str(getattr(c, "chain_id", None) or c.index) for c in top.chains)),
    )
