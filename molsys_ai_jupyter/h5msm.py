"""MolSysMT's native HDF5 files (``.h5msm``) as MDTraj objects, for kernels without
molsysmt (with molsysmt, ``molsysmt.convert(path, to_form='mdtraj.Trajectory')`` does it).

The layout read here is the one molsysmt writes (``type=h5msm``, ``version 0.2``):
atoms (name, element symbol as ``type``, group and chain indices), groups (residue
name and number), chains (name), bonds (atom pairs), and structures (coordinates, box
and time, in the file's length and time units). Counts are taken from the datasets,
not from the ``n_*`` attributes, which some writers leave at 0.

>>> traj = load_h5msm("met_enkephalin.h5msm")  # doctest: +SKIP
>>> traj.n_atoms, traj.n_residues, traj.n_frames  # doctest: +SKIP
(72, 5, 1)
"""

from __future__ import annotations

from pathlib import Path

_LENGTH_TO_NM = {"nanometer": 1.0, "nanometers": 1.0, "nm": 1.0, "angstrom": 0.1, "angstroms": 0.1, "Å": 0.1}
_TIME_TO_PS = {"picosecond": 1.0, "picoseconds": 1.0, "ps": 1.0, "nanosecond": 1000.0, "ns": 1000.0,
               "femtosecond": 0.001, "fs": 0.001}


def _text(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def _unit(attrs, name: str, table: dict[str, float], default: str) -> float:
    unit = attrs.get(name, default)
    unit = unit.decode() if isinstance(unit, bytes) else str(unit)
    if unit not in table:
        raise ValueError(f"an h5msm {name.replace('_', ' ')} of {unit!r} is not read here")
    return table[unit]


def _check(handle, path: Path) -> None:
    kind = handle.attrs.get("type", b"")
    kind = kind.decode() if isinstance(kind, bytes) else str(kind)
    if kind != "h5msm" or "topology" not in handle or "structures" not in handle:
        raise ValueError(f"{path.name} is not an h5msm file (no h5msm topology and structures)")


def _topology(handle):
    import mdtraj as md

    atoms, groups, chains = handle["topology/atoms"], handle["topology/groups"], handle["topology/chains"]
    names, symbols = _text(atoms["name"][:]), _text(atoms["type"][:])
    group_of, chain_of = atoms["group_index"][:], atoms["chain_index"][:]
    group_names, group_ids = _text(groups["name"][:]), groups["id"][:]
    chain_names = _text(chains["name"][:])
    topology = md.Topology()
    md_chains = [topology.add_chain(chain_id=name) for name in chain_names]
    md_residues: dict[int, object] = {}
    for name, symbol, group, chain in zip(names, symbols, group_of, chain_of, strict=False):
        group, chain = int(group), int(chain)
        if group not in md_residues:
            md_residues[group] = topology.add_residue(group_names[group], md_chains[chain], resSeq=int(group_ids[group]))
        try:
            element = md.element.get_by_symbol(symbol.capitalize())
        except KeyError:
            element = md.element.virtual
        topology.add_atom(name, element, md_residues[group])
    atom_list = list(topology.atoms)
    bonds = handle["topology/bonds"]
    for first, second in zip(bonds["atom1_index"][:], bonds["atom2_index"][:], strict=False):
        topology.add_bond(atom_list[int(first)], atom_list[int(second)])
    return topology


def load_h5msm_topology(path: str | Path):
    """The MDTraj Topology of an h5msm file."""
    import h5py

    path = Path(path)
    with h5py.File(path, "r") as handle:
        _check(handle, path)
        return _topology(handle)


def load_h5msm(path: str | Path):
    """An h5msm file as an MDTraj Trajectory: every structure a frame, coordinates and box
    in nm, times in ps (frame numbers when the file stores none)."""
    import h5py
    import mdtraj as md
    import numpy as np

    path = Path(path)
    with h5py.File(path, "r") as handle:
        _check(handle, path)
        topology = _topology(handle)
        structures = handle["structures"]
        to_nm = _unit(structures.attrs, "length_unit", _LENGTH_TO_NM, "nanometer")
        xyz = np.asarray(structures["coordinates"][:], dtype=np.float32) * to_nm
        if xyz.shape[1:] != (topology.n_atoms, 3):
            raise ValueError(f"{path.name}: {xyz.shape[1]} atoms in the coordinates, {topology.n_atoms} in the topology")
        box = np.asarray(structures["box"][:], dtype=np.float32) * to_nm if "box" in structures else np.zeros((0, 3, 3))
        time = np.asarray(structures["time"][:], dtype=np.float64) if "time" in structures else np.zeros(0)
        time = time * _unit(structures.attrs, "time_unit", _TIME_TO_PS, "picosecond")
    traj = md.Trajectory(xyz, topology, time=time if len(time) == len(xyz) else None)
    if len(box) and np.any(box):
        traj.unitcell_vectors = box if len(box) == len(xyz) else np.repeat(box[:1], len(xyz), axis=0)
    return traj


def count_structures(path: str | Path) -> int:
    """The number of structures (frames) of an h5msm file, without reading them."""
    import h5py

    with h5py.File(Path(path), "r") as handle:
        _check(handle, Path(path))
        return int(handle["structures/coordinates"].shape[0])
