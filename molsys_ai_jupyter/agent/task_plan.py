"""A task, as the agent's ``plans`` design understands it: the files it names in the
working folder, their real topology and number of frames, and the plan the request
asks for (:func:`.reader.understand`) — checked against that topology.

A request that names no file of the folder, or a file MDTraj cannot read, is an
:class:`~.reader.Understanding` without a plan, like any request the agent did not
understand: nothing here raises.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from .observe import TRAJECTORY_ONLY, Observation, read_topology
from .planner import files_named
from .reader import Understanding, understand

_FRAMES: dict[tuple[str, float, str], int | None] = {}


def count_frames(path: Path, topology_path: Path | None = None) -> int | None:
    """The number of frames of a structure or trajectory file (cached by path and
    mtime); None when MDTraj cannot read it."""
    key = (str(path.resolve()), path.stat().st_mtime, str(topology_path or ""))
    if key not in _FRAMES:
        import mdtraj as md

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if path.suffix.lower() in (".h5", ".xtc", ".dcd", ".trr", ".nc"):
                    with md.open(str(path)) as handle:
                        _FRAMES[key] = len(handle)
                elif path.suffix.lower() == ".h5msm":
                    from ..h5msm import count_structures

                    _FRAMES[key] = count_structures(path)
                elif path.suffix.lower() == ".pdb":
                    models = sum(1 for line in path.open(errors="replace") if line.startswith("MODEL"))
                    _FRAMES[key] = max(models, 1)
                else:
                    top = str(topology_path) if topology_path else None
                    _FRAMES[key] = md.load(str(path), top=top).n_frames if top else md.load(str(path)).n_frames
        except Exception:  # noqa: BLE001 - MDTraj's readers raise many kinds; an unreadable file has no count
            _FRAMES[key] = None
    return _FRAMES[key]


def topology_and_frames(folder: Path, files: list[str]):
    """The topology of the task's structure file (a :class:`~.observe.FileTopology`, None when
    there is none MDTraj reads) and the number of frames of its main file (the trajectory,
    when one is named with its topology)."""
    structures = [f for f in files if Path(f).suffix.lower() not in TRAJECTORY_ONLY]
    coordinates = [f for f in files if f not in structures]
    found = read_topology(folder / structures[0]) if structures else None
    if found is None:
        return None, None
    main = folder / (coordinates[0] if coordinates else structures[0])
    return found, count_frames(main, folder / structures[0] if coordinates else None)


TOPOLOGY_FORMATS = (".pdb", ".h5", ".gro", ".prmtop", ".parm7", ".psf", ".mol2", ".cif")


def companion_topology(files: list[str], folder_files) -> list[str]:
    """A trajectory named alone ("md_1u19.xtc") takes its topology from the one structure
    file of the folder with the same name ("md_1u19.pdb"); the restatement shows it. []
    when a structure is named already, or when none or several files would do."""
    return _one_companion(files, folder_files, TRAJECTORY_ONLY, TOPOLOGY_FORMATS)


def companion_coordinates(files: list[str], folder_files) -> list[str]:
    """An Amber topology named alone ("pentalanine.prmtop") takes its coordinates from the
    one .inpcrd/.rst7 file of the folder with the same name; the restatement shows it."""
    return _one_companion(files, folder_files, (".prmtop", ".parm7"), (".inpcrd", ".rst7", ".crd"))


def _one_companion(files: list[str], folder_files, named, wanted) -> list[str]:
    """The one file of the folder with the same name as the one file named (whose suffix is
    in ``named``) and a suffix in ``wanted``; [] when another file is named too, or when
    none or several would do."""
    if len(files) != 1 or Path(files[0]).suffix.lower() not in named:
        return []
    stem = Path(files[0]).stem
    found = [f for f in folder_files if Path(f).stem == stem and Path(f).suffix.lower() in wanted]
    return found if len(found) == 1 else []


def understand_task(task: str, observation: Observation, backend=None) -> Understanding:
    """The plan for ``task`` over the files of ``observation``'s folder: the reader's, or
    with ``backend`` the language model's (checked against the reader's reading)."""
    files = files_named(task, observation)
    from .workflow.reader import is_workflow

    if files and is_workflow(task, files):  # prepare, build, simulate: a workflow plan
        from .workflow.reader import understand as understand_workflow

        amber_first = sorted(files, key=lambda f: Path(f).suffix.lower() not in (".prmtop", ".parm7"))
        amber_first += companion_coordinates(amber_first, observation.files)
        return understand_workflow(task, amber_first, Path(observation.workdir), observation.engine)
    if not files:
        result = Understanding(task)
        result.problem = ("the request names no molecular file of the working folder (the files are: "
                          f"{', '.join(observation.files) or 'none'})")
        return result
    files = files + companion_topology(files, observation.files)
    found, n_frames = topology_and_frames(Path(observation.workdir), files)
    if found is None:
        result = Understanding(task)
        only_coordinates = all(Path(f).suffix.lower() in TRAJECTORY_ONLY for f in files)
        result.problem = (f"MDTraj cannot read a topology from {', '.join(files)}"
                          + ("; name its topology file too" if only_coordinates else ""))
        return result
    understanding = understand(task, files, topology=found.topology, n_frames=n_frames)
    problem = nickname_problem(understanding.phrases, files, Path(observation.workdir))
    if problem and not understanding.problem:
        understanding.problem = problem  # "T4 lysozyme in 1tcd.pdb": not the system the file holds
    if backend is None:
        return understanding
    from .model_planner import plan_with_model

    return plan_with_model(understanding, files, backend, found.topology, n_frames)


def nickname_problem(phrases, files: list[str], folder: Path) -> str:
    """What a system is called in the request ("T4 lysozyme", "villin") that neither the
    files' names nor the structure file's PDB title and compound records bear out ("" when
    all are)."""
    from .reader import NICKNAMES

    said = [p for p in phrases if p.role == "nickname"]
    if not said:
        return ""
    evidence = " ".join(files).lower()
    for name in files:
        path = folder / name
        if path.suffix.lower() in (".pdb", ".ent") and path.is_file():
            with path.open(errors="replace") as handle:
                evidence += " " + " ".join(line[10:].strip().lower() for _, line in zip(range(60), handle, strict=False)
                                           if line.startswith(("TITLE", "COMPND", "HEADER")))
    for phrase in said:
        if not any(word in evidence for word in NICKNAMES[phrase.value]):
            return (f"the request speaks of {phrase.text.strip()}, and nothing in {', '.join(files)} (its name or "
                    "its PDB title) says it holds that")
    return ""
