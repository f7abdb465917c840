"""A workflow's preparation and building as molsysmt calls, for kernels where molsysmt is
importable.

molsysmt wraps the same engines (PDBFixer for heavy atoms, OpenMM for hydrogens and
solvent) behind ``msm.build``; the MolSysSuite docs build a system this way and then hand
it to OpenMM with ``msm.convert(..., to_form='openmm.Modeller')``. The cell does the same:
molsysmt up to the solvated system, then the force field, minimisation, run and report of
:mod:`.render`, unchanged. Only steps with a documented molsysmt call are rendered here:
removing heterogens (with or without the waters), adding missing heavy atoms, adding
hydrogens at a pH, deleting waters or chains, and solvating with a padding ("clearance"),
a box shape, a water model, neutralising ions and an ionic strength. :func:`unsupported`
names what is left out (modelling missing residues, replacing non-standard residues, a box
given by its edges, …); those workflows stay PDBFixer and Modeller code. Every call is
checked against the API registry like any molsysmt code the assistant writes.

>>> from .plan import Build, Prepare, Report, Workflow
>>> wf = Workflow(files=["1vii.pdb"], prepare=Prepare(hydrogens_ph=7.0),
...               build=Build(solvate=True, padding_nm=1.0), report=Report("atoms"))
>>> unsupported(wf) is None
True
>>> from .render import code_for
>>> wf.engine = "molsysmt"
>>> print([line for line in code_for(wf).splitlines() if "msm.build" in line][0])
molecular_system = msm.build.add_missing_hydrogens(molecular_system, pH=7.0)
"""

from __future__ import annotations

from .plan import Workflow

BOX_SHAPES = {"cube": "cubic", "dodecahedron": "rhombic dodecahedral", "octahedron": "truncated octahedral"}
WATER_MODELS = {"tip3p": "TIP3P", "tip4pew": "TIP4PEW", "spce": "SPCE", "tip5p": "TIP5P"}
_HEAVY_AND_WATER = "not (protein or nucleic or water)"  # PDBFixer's heterogens, the waters kept
_HEAVY = "not (protein or nucleic)"  # PDBFixer's heterogens, waters included
_FOUND_BY_PDBFIXER = ("missing_residues", "missing_atoms", "atoms_added")


def unsupported(wf: Workflow) -> str | None:
    """Why ``wf`` has no molsysmt rendering here (None when it has one)."""
    if wf.from_amber:
        return "an Amber topology (OpenMM reads it directly)"
    p, b = wf.prepare, wf.build
    if not (p or b):
        return "no preparation or building step"
    if wf.report.quantity == "ions" and wf.report.args.get("added"):
        return "ions added, counted on their own"
    if wf.report.quantity in _FOUND_BY_PDBFIXER:
        return "what PDBFixer finds or adds, counted on its own"
    if p:
        if p.missing_residues == "model":
            return "modelling missing residues"
        if p.nonstandard:
            return "replacing non-standard residues"
    if b and b.solvate:
        if b.box_nm is not None:
            return "a box given by its edges (molsysmt's solvate takes a clearance)"
        if b.water_model not in WATER_MODELS:
            return f"the {b.water_model} water model"
        if not b.neutralize:
            return "solvating without neutralising"
        if wf.system and not all(f.startswith("amber14") for f in wf.system.forcefield):
            return "a force field other than amber14 around molsysmt's solvent"
    return None


def prepare_and_build(wf: Workflow, c) -> None:
    """Add the molsysmt part of ``wf``'s cell to ``c``: it ends with ``topology`` and
    ``positions`` (and ``hydrogens_added``, ``waters_before`` where the report needs them)."""
    reason = unsupported(wf)
    if reason:
        raise ValueError(f"no molsysmt rendering for {reason}")

    def count(selection: str, element: str = "atom") -> str:
        n = "n_molecules" if element == "molecule" else "n_atoms"
        return f"int(msm.get(molecular_system, element={element!r}, selection={selection!r}, syntax='MDTraj', {n}=True))"

    p, b = wf.prepare, wf.build
    c.add(f"molecular_system = msm.convert({wf.structure!r}, to_form='molsysmt.MolSys')",
          f"print({wf.structure!r}, f'{{msm.get(molecular_system, n_atoms=True):,}} atoms')")
    if p:
        c.add("", "# prepare with molsysmt; each step says what it changed")
        if p.heterogens != "keep":
            keep = p.heterogens == "remove_keep_water"
            c.add("atoms_before = msm.get(molecular_system, n_atoms=True)",
                  f"molecular_system = msm.remove(molecular_system, selection={_HEAVY_AND_WATER if keep else _HEAVY!r}, "
                  "syntax='MDTraj')",
                  "print(f'removed {atoms_before - msm.get(molecular_system, n_atoms=True):,} heterogen atoms"
                  f"{' (waters kept)' if keep else ' (waters included)'}')")
        if p.missing_atoms:
            c.add("atoms_before = msm.get(molecular_system, n_atoms=True)",
                  "molecular_system = msm.build.add_missing_heavy_atoms(molecular_system, engine='PDBFixer')",
                  "print(f'added {msm.get(molecular_system, n_atoms=True) - atoms_before:,} heavy atoms')")
        if p.hydrogens_ph is not None:
            c.add(f"hydrogens_before = {count('element H')}",
                  f"molecular_system = msm.build.add_missing_hydrogens(molecular_system, pH={p.hydrogens_ph!r})",
                  f"hydrogens_added = {count('element H')} - hydrogens_before",
                  f"print(f'added {{hydrogens_added:,}} hydrogens at pH {p.hydrogens_ph:g}')")
    if b:
        c.add("", "# build with molsysmt")
        if b.delete_water:
            c.add(f"waters = {count('water', 'molecule')}",
                  "molecular_system = msm.remove(molecular_system, selection='water', syntax='MDTraj')",
                  "print(f'deleted {waters:,} waters')")
        if b.delete_chains or b.keep_chains:
            chains = b.delete_chains or b.keep_chains
            selection = f"chain_name in {list(chains)!r}" if b.delete_chains else f"chain_name not in {list(chains)!r}"
            c.add("atoms_before = msm.get(molecular_system, n_atoms=True)",
                  f"molecular_system = msm.remove(molecular_system, selection={selection!r})",
                  "print(f'deleted chains: {atoms_before - msm.get(molecular_system, n_atoms=True):,} atoms')")
        if b.solvate:
            c.add(f"waters_before = {count('water', 'molecule')}",
                  f"molecular_system = msm.build.solvate(molecular_system, box_shape={BOX_SHAPES[b.box_shape]!r}, "
                  f"clearance={f'{b.padding_nm:g} nanometers'!r},",
                  f"                                    water_model={WATER_MODELS[b.water_model]!r}, "
                  f"cation={b.positive_ion!r}, anion={b.negative_ion!r},",
                  f"                                    ionic_strength={f'{b.ionic_strength_molar:g} molar'!r}, "
                  "engine='OpenMM', to_form='molsysmt.MolSys')",
                  f"waters_added = {count('water', 'molecule')} - waters_before",
                  "print(f'added {waters_added:,} waters')")
    c.add("", "# to OpenMM", "modeller = msm.convert(molecular_system, to_form='openmm.Modeller')",
          "topology, positions = modeller.topology, modeller.positions",
          "print(f'built: {topology.getNumAtoms():,} atoms')")
