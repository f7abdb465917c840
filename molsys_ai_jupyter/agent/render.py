"""A plan as one readable notebook cell of MDTraj code that sets ``answer``.

Every value from the plan enters the code through ``repr`` (a selection string can never
become code); names of quantities, reductions and units are looked up in fixed tables.
Each step renders to a few commented lines, in the plan's order, so the cell reads as
the plan does.

>>> from .plan import Plan, Step
>>> print(render(Plan([Step("load", {"file": "1vii.pdb"}), Step("compute", {"quantity": "rg", "selection": "name CA"}),
...                    Step("frames", {"pick": "first"})])).splitlines()[3])
traj = md.load('1vii.pdb')
"""

from __future__ import annotations

from .plan import QUANTITIES, RANGE_PICKS, Plan, unit_factor
from .render_shared import FRAME_REDUCE, join_parts

# which atom of MDTraj's dihedral quartet belongs to the residue the angle is named after
# (phi: C(i-1) N(i) CA(i) C(i); psi: N(i) CA(i) C(i) N(i+1); omega: CA(i) C(i) N(i+1) CA(i+1); chi1: within i)
DIHEDRAL_OWNER = {"phi": 1, "psi": 0, "omega": 0, "chi1": 0}
COUNTS = ("dssp", "hbonds", "contacts", "neighbors")


def _periodic(args: dict) -> bool:
    return bool(args.get("periodic", False))


def _select(selection) -> str:
    return f"traj.topology.select({selection!r})"


def code_for(plan: Plan, engine: str = "mdtraj") -> str:
    """The plan's cell for the kernel's ``engine``: molsysmt code where molsysmt is importable
    and :mod:`.render_molsysmt` renders the plan, MDTraj code otherwise."""
    if engine == "molsysmt":
        from .render_molsysmt import render_molsysmt, unsupported

        if unsupported(plan) is None:
            return render_molsysmt(plan)
    return render(plan)


MDTRAJ_HEADER = ["import mdtraj as md", "import numpy as np", ""]


def _pick_values(plan: Plan, add) -> None:
    """The frames step applied to values computed on every frame (an RMSD against its
    reference, or what the file stores per frame)."""
    frame_pick = plan.arg("frames", "pick")
    if frame_pick == "index":
        add(f"values = values[[{int(plan.arg('frames', 'index'))}]]  # frames are numbered from 0")
    elif frame_pick == "time":
        add(f"values = values[[int(np.argmin(np.abs(traj.time - {float(plan.arg('frames', 'time_ps'))})))]]")
    elif frame_pick in ("first", "last"):
        add(f"values = values[[{0 if frame_pick == 'first' else -1}]]  # the {frame_pick} frame")
    elif frame_pick in RANGE_PICKS:
        add(_keep_range(plan, "values"))


def _keep_range(plan: Plan, target: str, times: str = "traj") -> str:
    """The line that keeps the frames of a range of ``target`` (a trajectory, or values one
    per frame): a slice from 0, or the frames of ``times`` saved after a time."""
    if plan.arg("frames", "pick") == "after_time":
        sign = ">=" if plan.arg("frames", "inclusive") else ">"
        return (f"{target} = {target}[{times}.time {sign} {float(plan.arg('frames', 'time_ps'))!r}]"
                "  # the frames saved after that time (ps)")
    start, stop = plan.arg("frames", "start", 0), plan.arg("frames", "stop")
    return (f"{target} = {target}[{start}:{'' if stop is None else stop}]"
            "  # the frames of the range, counted from 0, the end excluded")


def render(plan: Plan) -> str:
    if plan.parts:
        return join_parts(plan, MDTRAJ_HEADER, render)
    lines = list(MDTRAJ_HEADER)
    add = lines.append
    load = plan.step("load").args
    if load.get("topology"):
        add(f"traj = md.load({load['file']!r}, top={load['topology']!r})")
    elif load["file"].lower().endswith(".h5msm"):  # molsysmt's own format: read here without molsysmt
        add("from molsys_ai_jupyter.h5msm import load_h5msm")
        add(f"traj = load_h5msm({load['file']!r})")
    else:
        add(f"traj = md.load({load['file']!r})")
    if plan.step("strip"):
        add(f"traj = traj.atom_slice(traj.topology.select('not (' + {plan.arg('strip', 'selection')!r} + ')'))"
            "  # remove")
    if plan.step("keep"):
        add(f"traj = traj.atom_slice({_select(plan.arg('keep', 'selection'))})  # keep only these atoms")
    pick = plan.arg("frames", "pick")
    if plan.quantity in ("rmsd", "temperature") or (plan.quantity == "rmsf" and pick in RANGE_PICKS) or \
            (pick in RANGE_PICKS and plan.step("superpose")):
        pick = None  # against a reference frame: compute (or superpose) on all frames, then pick
    if pick == "first":
        add("traj = traj[0]  # the first frame")
    elif pick == "last":
        add("traj = traj[-1]  # the last frame")
    elif pick == "index":
        add(f"traj = traj[{int(plan.arg('frames', 'index', 0))}]  # frames are numbered from 0")
    elif pick == "time":
        time_ps = float(plan.arg("frames", "time_ps"))
        add(f"nearest = int(np.argmin(np.abs(traj.time - {time_ps!r})))  # the frame nearest that time (ps)")
        add(f"if abs(traj.time[nearest] - {time_ps!r}) > 1e-3 * max(traj.timestep, 1e-3):  # a saved frame, not a "
            "nearby one")
        add(f"    raise ValueError(f'no saved frame at {time_ps:g} ps: frames are saved every {{traj.timestep:g}} ps "
            "from {traj.time[0]:g} to {traj.time[-1]:g} ps')")
        add("traj = traj[nearest]")
    elif pick in RANGE_PICKS:
        add(_keep_range(plan, "traj"))
    if plan.step("superpose"):
        reference = int(plan.arg("superpose", "reference_frame", 0))
        add(f"traj.superpose(traj, {reference}, atom_indices={_select(plan.arg('superpose', 'selection', 'all'))})")
        if plan.arg("frames", "pick") in RANGE_PICKS and plan.quantity not in ("rmsd", "rmsf"):
            add(_keep_range(plan, "traj"))
    if plan.step("save"):
        add(f"traj.save({plan.arg('save', 'path')!r})")
    if plan.step("select"):
        _entities(plan, add)
    elif plan.step("compute"):
        _compute(plan, add)
        _reduce(plan, add)
    else:
        add("answer = int(traj.n_atoms)  # atoms in the result")
    return "\n".join(lines) + "\n"


def _entities(plan: Plan, add) -> None:
    selection = plan.arg("select", "selection", "all")
    level, how = plan.arg("reduce_entities", "level", "atoms"), plan.arg("reduce_entities", "how", "count")
    add(f"atoms = {_select(selection)}")
    if level == "atoms":
        add("answer = int(len(atoms))" if how == "count" else
            "answer = sorted({traj.topology.atom(i).name for i in atoms})")
    elif level == "residues":
        add("residues = {traj.topology.atom(i).residue for i in atoms}")
        add("answer = len(residues)" if how == "count" else "answer = sorted({r.name for r in residues})")
    elif level == "molecules":
        add("chosen = set(atoms.tolist())")
        add("molecules = [m for m in traj.topology.find_molecules() if any(a.index in chosen for a in m)]")
        add("answer = len(molecules)" if how == "count" else
            "answer = sorted({'+'.join(sorted({a.residue.name for a in m})) for m in molecules})")
    else:
        add("chains = {traj.topology.atom(i).residue.chain for i in atoms}")
        add("answer = len(chains)" if how == "count" else
            "answer = sorted(c.chain_id if c.chain_id else str(c.index) for c in chains)")


def _compute(plan: Plan, add) -> None:
    args = plan.step("compute").args
    name = plan.quantity
    sel = args.get("selection", "all")
    if name == "rg":
        add(f"part = traj.atom_slice({_select(sel)})")
        if args.get("weights") == "mass":
            # about the centre of mass (md.compute_rg with masses weights, but centres on the geometric centre)
            add("masses = np.array([a.element.mass for a in part.topology.atoms])")
            add("centre = md.compute_center_of_mass(part)[:, None, :]")
            add("values = np.sqrt((masses * ((part.xyz - centre) ** 2).sum(axis=2)).sum(axis=1) / masses.sum())"
                "  # nm, one per frame (mass-weighted)")
        else:
            add("values = md.compute_rg(part)  # nm, one per frame (no mass weighting)")
    elif name == "sasa":
        if args.get("context") != "in_place":  # the selection alone (the whole of what is left, or "alone")
            add(f"part = traj.atom_slice({_select(sel)})")
            add("values = md.shrake_rupley(part, mode='atom').sum(axis=1)  # nm², one per frame")
        else:  # a part (backbone, a residue): its area where it is, with the rest of the system around it
            add(f"atoms = {_select(sel)}")
            add("values = md.shrake_rupley(traj, mode='atom')[:, atoms].sum(axis=1)  # nm², one per frame, in place")
    elif name == "sasa_residue":
        add(f"part = traj.atom_slice({_select(sel)})")
        add("values = md.shrake_rupley(part, mode='residue')  # nm², one row per frame, a column per residue")
        add("residues = list(part.topology.residues)")
    elif name == "rmsd":
        add(f"atoms = {_select(sel)}")
        add(f"values = md.rmsd(traj, traj, {int(args.get('reference_frame', 0))}, atom_indices=atoms)"
            "  # nm, one per frame")
        _pick_values(plan, add)
    elif name == "temperature":
        add(f"with md.formats.HDF5TrajectoryFile({plan.file!r}) as handle:  # what the file stores beside coordinates")
        add("    stored = handle.read()")
        add("if stored.temperature is None:")
        add(f"    raise ValueError({plan.file + ' stores no temperatures'!r})")
        add("values = np.asarray(stored.temperature, dtype=float)  # K, one per frame")
        _pick_values(plan, add)
    elif name == "rmsf":
        add(f"part = traj.atom_slice({_select(sel)})")
        add(f"reference = part[{int(args.get('reference_frame', 0))}]  # a copy: md.rmsf superposes its target in place")
        if plan.arg("frames", "pick") in RANGE_PICKS:
            add(_keep_range(plan, "part", times="part"))
        add("values = md.rmsf(part, reference, 0)  # nm, one per atom")
        add("residues = [atom.residue for atom in part.topology.atoms]")
    elif name == "distance":
        add(f"pair = [[{_select(sel)}[0], {_select(args['selection_2'])}[0]]]")
        add(f"values = md.compute_distances(traj, pair, periodic={_periodic(args)})[:, 0]  # nm, one per frame")
    elif name == "min_distance":
        add("import itertools")
        add(f"group_1, group_2 = {_select(sel)}, {_select(args['selection_2'])}")
        add("pairs = [(a, b) for a, b in itertools.product(group_1, group_2) if a != b]")
        add(f"values = md.compute_distances(traj, pairs, periodic={_periodic(args)}).min(axis=1)  # nm, one per frame")
    elif name == "com_distance":
        add(f"centre_1 = md.compute_center_of_mass(traj.atom_slice({_select(sel)}))")
        add(f"centre_2 = md.compute_center_of_mass(traj.atom_slice({_select(args['selection_2'])}))")
        add("values = np.linalg.norm(centre_1 - centre_2, axis=1)  # nm, one per frame")
    elif name == "angle":
        add(f"triplet = [[{_select(sel)}[0], {_select(args['selection_2'])}[0], {_select(args['selection_3'])}[0]]]")
        add("values = np.degrees(md.compute_angles(traj, triplet, periodic=False)[:, 0])  # degrees, one per frame")
    elif name == "dihedral":
        angle = args["angle"]
        add(f"quartets, angles = md.compute_{angle}(traj)")
        owner = DIHEDRAL_OWNER[angle]
        condition = f"traj.topology.atom(q[{owner}]).residue.resSeq == {int(args['residue'])}"
        if args.get("chain"):
            condition += f" and traj.topology.atom(q[{owner}]).residue.chain.chain_id == {args['chain']!r}"
        add(f"row = [n for n, q in enumerate(quartets) if {condition}][0]")
        add("values = np.degrees(angles[:, row])  # degrees, one per frame")
    elif name == "dssp":
        add("ss = md.compute_dssp(traj, simplified=True)  # H helix, E strand, C coil; one row per frame")
        if args.get("selection"):
            add(f"columns = sorted({{traj.topology.atom(i).residue.index for i in {_select(args['selection'])}}})"
                "  # the selection's residues")
            add(f"values = (ss[:, columns] == {args['code']!r}).sum(axis=1)  # residues, one count per frame")
        else:
            add(f"values = (ss == {args['code']!r}).sum(axis=1)  # residues, one count per frame")
    elif name == "hbonds":
        periodic = "" if args.get("periodic", True) else ", periodic=False"
        if args.get("method") == "wernet_nilsson":
            add(f"found = md.wernet_nilsson(traj{periodic})  # [donor, hydrogen, acceptor] per bond, per frame")
        else:
            add(f"found = [md.baker_hubbard(frame{periodic}) for frame in traj]  # [donor, hydrogen, acceptor] per bond")
        if args.get("selection_2"):
            add(f"one, other = set({_select(sel)}), set({_select(args['selection_2'])})")
            add("values = np.array([sum(1 for d, h, a in bonds if (d in one and a in other) or (d in other and a in one))"
                " for bonds in found])  # between the two groups, one count per frame")
        elif args.get("selection"):
            add(f"group = set({_select(sel)})")
            add("values = np.array([sum(1 for d, h, a in bonds if d in group and a in group) for bonds in found])"
                "  # within the group, one count per frame")
        else:
            add("values = np.array([len(bonds) for bonds in found])  # one count per frame")
    elif name == "contacts":
        separation = int(args.get("min_separation", 0))
        add("import itertools")
        add(f"atoms = {_select(sel)}")
        add("residue_of = [traj.topology.atom(i).residue.index for i in range(traj.n_atoms)]")
        add(f"pairs = [(a, b) for a, b in itertools.combinations(atoms, 2) if abs(residue_of[a] - residue_of[b]) >= "
            f"{separation}]")
        add(f"close = (md.compute_distances(traj, pairs, periodic={_periodic(args)}) < {float(args['cutoff_nm'])} "
            "if pairs  # nm")
        add("         else np.zeros((traj.n_frames, 0), dtype=bool))")
        if args.get("level") == "residues":
            add("values = np.array([len({(residue_of[a], residue_of[b]) for (a, b), c in zip(pairs, row)"
                " if c and residue_of[a] != residue_of[b]}) for row in close])  # residue pairs, one count per frame")
        else:
            add("values = close.sum(axis=1)  # atom pairs, one count per frame")
    elif name == "neighbors":
        add(f"around = {_select(args['around'])}")
        add(f"candidates = np.setdiff1d({_select(sel)}, around)  # not the reference itself")
        add(f"near = md.compute_neighbors(traj, {float(args['cutoff_nm'])}, around, haystack_indices=candidates, "
            f"periodic={_periodic(args)})  # nm")
        level = args.get("level", "atoms")
        if level == "residues":
            add("values = np.array([len({traj.topology.atom(i).residue.index for i in found}) for found in near])"
                "  # residues, one count per frame")
        elif level == "molecules":
            add("molecule_of = {a.index: n for n, molecule in enumerate(traj.topology.find_molecules()) for a in molecule}")
            add("values = np.array([len({molecule_of[i] for i in found}) for found in near])  # molecules, per frame")
        elif level == "chains":
            add("values = np.array([len({traj.topology.atom(i).residue.chain.index for i in found}) for found in near])"
                "  # chains, one count per frame")
        else:
            add("values = np.array([len(found) for found in near])  # atoms, one count per frame")
    elif name == "neighbor_residues":
        add(f"around = {_select(args['around'])}")
        add(f"candidates = np.setdiff1d({_select(sel)}, around)  # not the reference itself")
        add(f"near = md.compute_neighbors(traj[0], {float(args['cutoff_nm'])}, around, haystack_indices=candidates, "
            f"periodic={_periodic(args)})[0]  # nm")
        add("found = [traj.topology.residue(k) for k in sorted({traj.topology.atom(i).residue.index for i in near})]"
            "  # in file order")
        if args.get("report") == "numbers":
            add("answer = [int(r.resSeq) for r in found]")
        else:
            add("answer = [f'{r.name}{r.resSeq}' for r in found]")
    elif name == "center":
        add(f"part = traj.atom_slice({_select(sel)})")
        if args.get("weights") == "none":
            add("values = md.compute_center_of_geometry(part)  # nm, [x, y, z] per frame")
        else:
            add("values = md.compute_center_of_mass(part)  # nm, [x, y, z] per frame")
    elif name in ("box_volume", "box_lengths"):
        add("if traj.unitcell_vectors is None:")
        add(f"    raise ValueError({plan.file + ' has no periodic box'!r})")
        add("values = traj.unitcell_volumes  # nm³, one per frame" if name == "box_volume" else
            "values = traj.unitcell_lengths  # nm, [a, b, c] per frame")
    elif name == "density":
        add("if traj.unitcell_vectors is None:")
        add(f"    raise ValueError({plan.file + ' has no periodic box'!r})")
        add(f"grams = sum(traj.topology.atom(i).element.mass for i in {_select(sel)}) / 6.02214076e23  # g")
        add("values = grams / (traj.unitcell_volumes * 1e-21)  # g/cm³, one per frame (1 nm³ = 1e-21 cm³)")
    elif name == "max_distance":
        add(f"atoms = {_select(sel)}")
        add("if len(atoms) > 5000:")
        add("    raise ValueError(f'{len(atoms)} atoms: too many pairs for the largest distance; select fewer')")
        add("values = np.array([np.sqrt(((xyz[:, None, :] - xyz[None, :, :]) ** 2).sum(axis=2)).max()"
            " for xyz in traj.xyz[:, atoms]])  # nm, the largest of all pairs, one per frame")
    elif name == "mass":
        add(f"atoms = {_select(sel)}")
        add("answer = float(sum(traj.topology.atom(i).element.mass for i in atoms))  # daltons")
    elif name == "n_frames":
        add("answer = int(traj.n_frames)")
    elif name == "n_bonds":
        add("answer = int(traj.topology.n_bonds)  # the bonds MDTraj's topology holds")
    elif name == "time":
        add("values = np.asarray(traj.time, dtype=float)  # ps, one per frame")
    elif name == "timestep":
        add("answer = float(traj.timestep)  # ps")
    elif name in ("total_time", "time_info"):
        if args.get("span") != "saved_frames":  # "the total simulated time": from 0 or from the first frame?
            add("if traj.time[0] > 0:  # the run began before its first saved frame: two answers differ")
            add("    raise ValueError(f'the first saved frame is at {traj.time[0]:g} ps: the run lasted at least "
                "{traj.time[-1]:g} ps, its saved frames span {traj.time[-1] - traj.time[0]:g} ps; say which one')")
        if name == "total_time":
            add("answer = float(traj.time[-1] - traj.time[0])  # ps")
        else:
            add("answer = [float(traj.timestep), float(traj.time[-1] - traj.time[0]) / 1000.0]  # [ps, ns]")
    elif name == "sequence":
        if args.get("selection"):
            add(f"residues = [traj.topology.residue(k) for k in sorted({{traj.topology.atom(i).residue.index for i in "
                f"{_select(args['selection'])}}})]")
        else:
            add("residues = [r for r in traj.topology.residues if r.is_protein]")
        if args.get("chain"):
            add(f"residues = [r for r in residues if r.chain.chain_id == {args['chain']!r}]")
        add("answer = ''.join(r.code for r in residues if r.code)  # caps (ACE, NME) have no letter")
    else:  # check_shape keeps unknown quantities out
        raise ValueError(f"no rendering for {name!r}")


def _reduce(plan: Plan, add) -> None:
    name = plan.quantity
    quantity = QUANTITIES[name]
    if quantity.shape == "static":
        if plan.step("convert") and (factor := unit_factor(quantity.unit, plan.arg("convert", "unit"))) != 1.0:
            add(f"answer = answer * {factor!r}  # in {plan.arg('convert', 'unit')}")
        return
    factor = unit_factor(quantity.unit, plan.arg("convert", "unit", "")) or 1.0
    scale = f" * {factor!r}" if factor != 1.0 else ""
    unit = f"  # in {plan.unit}" if plan.unit and plan.unit != "count" else ""
    if quantity.shape in ("frame_entity", "entity"):
        _reduce_entities(plan, add, scale, unit)
        return
    how = plan.arg("reduce_frames", "how") or "first"
    if how == "fraction":
        above, below = plan.arg("reduce_frames", "above"), plan.arg("reduce_frames", "below")
        tests = ([f"(values > {float(above)!r})"] if above is not None else []) + \
                ([f"(values < {float(below)!r})"] if below is not None else [])
        percent = " * 100.0" if plan.arg("reduce_frames", "percent") else ""
        add(f"answer = float(np.mean({' & '.join(tests)})){percent}  # the share of the frames where it holds")
        return
    if how in ("argmax", "argmin"):
        add(f"best = int(np.{how}(values))  # the frame with the {'largest' if how == 'argmax' else 'smallest'} value")
        add("ties = np.flatnonzero(np.isclose(values, values[best], rtol=1e-6, atol=1e-9))")
        add("if len(ties) > 1:")
        add("    raise ValueError(f'{len(ties)} frames share that value (frames {list(ties[:5])}…): no single frame')")
        report = plan.arg("reduce_frames", "report", "frame")
        if report == "time":
            factor = unit_factor("ps", plan.arg("convert", "unit", "")) or 1.0
            add(f"answer = float(traj.time[best]){f' * {factor!r}' if factor != 1.0 else ''}  # in {plan.unit}")
        else:
            add("answer = best + 1  # models count from 1" if report == "model" else "answer = best  # counting from 0")
        return
    integer = name in COUNTS and how in ("first", "last", "min", "max")
    if quantity.shape == "frame_vector":
        add(f"answer = [float(x){scale} for x in {FRAME_REDUCE[how]}]{unit}")
    elif how == "each":
        add(f"answer = [{'int(v)' if name in COUNTS else 'float(v)' + scale} for v in values]{unit}")
    elif integer:
        add(f"answer = int({FRAME_REDUCE[how]})")
    else:
        add(f"answer = float({FRAME_REDUCE[how]}){scale}{unit}")


def _reduce_entities(plan: Plan, add, scale: str, unit: str) -> None:
    how = plan.arg("reduce_entities", "how")
    frames = plan.arg("reduce_frames", "how") or "first"
    if QUANTITIES[plan.quantity].shape == "frame_entity":
        add(f"per_entity = {FRAME_REDUCE.get(frames, 'values[0]')}  # over frames")
    else:
        add("per_entity = values")
    if how in ("argmax", "argmin"):
        pick = "argmax" if how == "argmax" else "argmin"
        add(f"top = residues[int(np.{pick}(per_entity))]")
        if plan.arg("reduce_entities", "report") == "number":
            add("answer = int(top.resSeq)")
        else:
            add("answer = f'{top.name}{top.resSeq}'")
    elif how == "value":
        residue = int(plan.arg("reduce_entities", "residue"))
        add(f"rows = [n for n, r in enumerate(residues) if r.resSeq == {residue}]")
        add(f"answer = float(per_entity[rows].sum()){scale}{unit}")
    elif how in ("sum", "mean", "max", "min"):
        add(f"answer = float(per_entity.{how}()){scale}{unit}")
    elif how == "count":
        add("answer = int(len(per_entity))")
    else:
        raise ValueError(f"no rendering for reducing {plan.quantity} by {how!r}")
