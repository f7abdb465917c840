"""A plan in one plain sentence, shown before anything runs and kept with the result:

>>> from .plan import QUANTITIES, Plan, Step
>>> restate(Plan([Step("load", {"file": "traj.h5"}), Step("strip", {"selection": "water"}),
...               Step("compute", {"quantity": "rg", "selection": "protein"}),
...               Step("reduce_frames", {"how": "mean"}), Step("convert", {"unit": "Å"})]))
'In traj.h5: remove the water, then compute the radius of gyration of the protein (no mass weighting), averaged over all frames, in Å.'
"""

from __future__ import annotations

from .plan import QUANTITIES, Plan

NAMED = {"all": "all atoms", "protein": "the protein", "water": "the water", "name CA": "the CA atoms",
         "backbone": "the backbone atoms", "not element H": "the heavy atoms", "element H": "the hydrogen atoms",
         "sidechain": "the side-chain atoms", "protein and not element H": "the protein's heavy atoms"}
FRAMES = {"each": "in every frame", "mean": "averaged over all frames", "min": "its minimum over all frames",
          "max": "its maximum over all frames", "std": "its standard deviation over all frames",
          "first": "in the first frame", "last": "in the last frame",
          "change": "its change from the first frame to the last (last minus first)"}
DSSP = {"H": "helix (H)", "E": "strand (E)", "C": "coil (C)"}


def _over(plan: Plan) -> str:
    """How the values of a range of frames are combined: ", averaged", ", its maximum"…"""
    how = plan.arg("reduce_frames", "how")
    return ", " + FRAMES[how].replace(" over all frames", "").replace("all frames", "them") if how in FRAMES else ""


def atoms(selection: str | None) -> str:
    """A selection in words where it has a common name, else quoted as written."""
    if not selection:
        return "all atoms"
    return NAMED.get(selection, f"the atoms '{selection}'")


def _images(args: dict) -> str:
    if "periodic" not in args:
        return ""
    return " (minimum image in the periodic box)" if args["periodic"] else " (no periodic images)"


def _frames(plan: Plan) -> str:
    pick = plan.arg("frames", "pick")
    if pick == "first":
        return "in the first frame"
    if pick == "last":
        return "in the last frame"
    if pick == "index":
        return f"in frame {plan.arg('frames', 'index')} (counting from 0)"
    if pick == "time":
        return f"in the frame at {plan.arg('frames', 'time_ps'):g} ps"
    if pick == "after_time":
        sign = "from" if plan.arg("frames", "inclusive") else "after"
        return f"over the frames {sign} {plan.arg('frames', 'time_ps'):g} ps" + _over(plan)
    if pick == "range":
        start, stop = plan.arg("frames", "start", 0), plan.arg("frames", "stop")
        if stop is None:
            return f"over the last {-start} frames" + _over(plan)
        return f"over frames {start} to {stop - 1} (counting from 0)" + _over(plan)
    how = plan.arg("reduce_frames", "how")
    if how == "fraction":
        unit = QUANTITIES[plan.quantity].unit if plan.step("compute") else ""
        unit = "" if unit in ("count", "") else " " + unit
        above, below = plan.arg("reduce_frames", "above"), plan.arg("reduce_frames", "below")
        where = " and ".join(([f"above {above:g}{unit}"] if above is not None else []) +
                             ([f"below {below:g}{unit}"] if below is not None else []))
        share = "the percentage" if plan.arg("reduce_frames", "percent") else "the fraction"
        return f"and report {share} of the frames where it is {where}"
    if how in ("argmax", "argmin"):
        extreme = "largest" if how == "argmax" else "smallest"
        report = {"model": "the model (counting from 1)", "time": "the time",
                  "frame": "the frame (counting from 0)"}[plan.arg("reduce_frames", "report", "frame")]
        return f"in every frame, and report {report} where it is {extreme}"
    return FRAMES.get(how, "") if how else ""


def _compute(plan: Plan) -> str:
    args = plan.step("compute").args
    name = plan.quantity
    sel, sel2 = atoms(args.get("selection")), atoms(args.get("selection_2"))
    cutoff = f"{args['cutoff_nm'] * 10:g} Å" if args.get("cutoff_nm") is not None else ""
    if name == "rg":
        return f"the radius of gyration of {sel} ({'mass-weighted' if args.get('weights') == 'mass' else 'no mass weighting'})"
    if name == "sasa":
        where = {"isolated": ", alone", "in_place": ", in place (with the rest of the system around it)"}.get(
            args.get("context"), "")
        return f"the solvent accessible surface area (Shrake-Rupley) of {sel}{where}"
    if name == "sasa_residue":
        return f"the SASA (Shrake-Rupley) of each residue of {sel}"
    if name == "rmsd":
        return f"the RMSD of {sel} to frame {args.get('reference_frame', 0)} after superposition"
    if name == "rmsf":
        return f"the RMSF of each atom of {sel} after superposition on frame {args.get('reference_frame', 0)}"
    if name in ("distance", "min_distance", "com_distance"):
        what = {"distance": "the distance", "min_distance": "the minimum distance",
                "com_distance": "the distance between the centres of mass"}[name]
        return f"{what} between {sel} and {sel2}{_images(args)}"
    if name == "angle":
        return f"the angle {sel} – {sel2} – {atoms(args.get('selection_3'))} (vertex in the middle)"
    if name == "dihedral":
        chain = f" of chain {args['chain']}" if args.get("chain") else ""
        return f"the {args['angle']} angle of residue {args['residue']}{chain}"
    if name == "dssp":
        where = f" among the residues of {sel} (assigned on the whole system)" if args.get("selection") else ""
        return f"the number of residues in {DSSP[args['code']]} by MDTraj's simplified DSSP{where}"
    if name == "hbonds":
        images = "no periodic images" if args.get("periodic") is False else "MDTraj defaults"
        where = f" between {sel} and {sel2} (donor in one, acceptor in the other)" if args.get("selection_2") else \
            f" within {sel} (donor and acceptor both in it)" if args.get("selection") else ""
        return f"the number of hydrogen bonds{where} ({args.get('method', 'baker_hubbard')}, {images})"
    if name == "contacts":
        level = "residue pairs" if args.get("level") == "residues" else "atom pairs"
        separation = (f", at least {args['min_separation']} residues apart in sequence"
                      if args.get("min_separation") else "")
        return f"the number of {level} of {sel} closer than {cutoff}{separation}{_images(args)}"
    if name == "density":
        return f"the mass density of {sel} (its total mass over the box volume)"
    if name == "max_distance":
        return f"the largest distance between any two of {sel} (no periodic images)"
    if name == "neighbor_residues":
        listed = "the residue numbers" if args.get("report") == "numbers" else "the names and numbers"
        return (f"{listed} of the residues of {sel} with an atom within {cutoff} of {atoms(args.get('around'))}"
                f"{_images(args)}")
    if name == "neighbors":
        level = args.get("level") or "atoms"
        return f"the number of {level} of {sel} within {cutoff} of {atoms(args.get('around'))}{_images(args)}"
    if name == "center":
        return f"the {'geometric centre' if args.get('weights') == 'none' else 'centre of mass'} of {sel} ([x, y, z])"
    if name == "mass":
        return f"the total mass of {sel}"
    if name == "sequence":
        of = f"the residues of {sel}" if args.get("selection") else "the protein"
        return f"the one-letter sequence of {of}" + (f", chain {args['chain']}" if args.get("chain") else "")
    return QUANTITIES[name].label


def _entities(plan: Plan) -> str:
    level = plan.arg("reduce_entities", "level", "atoms")
    how = plan.arg("reduce_entities", "how")
    if plan.step("select"):
        selection = plan.arg("select", "selection")
        if selection in (None, "", "all"):
            return f"count all the {level}" if how == "count" else f"list the names of all the {level}"
        if selection == "water" and level in ("residues", "molecules"):
            return "count the water molecules" if how == "count" else "list the names of the water residues"
        sel = atoms(selection)
        return f"count the {level} in {sel}" if how == "count" else f"list the names of the {level} in {sel}"
    what = {"argmax": "the residue with the largest value", "argmin": "the residue with the smallest value",
            "sum": "the sum over them", "mean": "the mean over them", "max": "the largest of them",
            "min": "the smallest of them", "count": "how many there are",
            "value": f"the value of residue {plan.arg('reduce_entities', 'residue')}"}
    if how in ("argmax", "argmin") and plan.arg("reduce_entities", "report") == "number":
        return what[how] + " (its residue number)"
    return what.get(how, how or "")


def restate(plan: Plan) -> str:
    if plan.parts:
        return "Two answers, as a list: " + " ".join(f"({n}) {restate(p)}" for n, p in enumerate(plan.parts, 1))
    parts = []
    if plan.step("strip"):
        parts.append(f"remove {atoms(plan.arg('strip', 'selection'))}")
    if plan.step("keep"):
        parts.append(f"keep only {atoms(plan.arg('keep', 'selection'))}")
    frames = _frames(plan)
    if plan.step("select"):
        parts.append(_entities(plan) + (f" {frames}" if frames else ""))
    elif plan.step("compute"):
        clause = f"compute {_compute(plan)}"
        if plan.step("reduce_entities"):
            clause += f", and report {_entities(plan)}"
        parts.append(clause + (f", {frames}" if frames else ""))
    unit = plan.arg("convert", "unit")
    if plan.step("save"):
        parts.append(f"save the result as {plan.arg('save', 'path')}")
    if plan.step("show"):
        parts.append("show it in 3D")
    if not plan.step("select") and not plan.step("compute"):
        parts.append("report the number of atoms left")
    topology = plan.arg("load", "topology")
    source = plan.file + (f" (topology {topology})" if topology else "")
    sentence = f"In {source}: " + ", then ".join(parts)
    if unit:
        sentence += f", in {unit}"
    return sentence + "."
