"""Coverage: is every constraint-bearing phrase of a request accounted for by an element
of a plan? The reader's own plans are built phrase by phrase; a plan from anywhere else
(the language model's) is checked here against the same phrases before it may run.

Each phrase role has a test on the plan: a quantity phrase needs that quantity, "average"
a mean over frames, "in Å" the unit Å, a removed selection a strip step that removes it,
a named selection a selection of the plan that contains it, and so on. Roles that carry
no constraint of their own ("which", "relative to") are not checked.
"""

from __future__ import annotations

import re

from .plan import RANGE_PICKS, Plan
from .reader import SOFT_ROLES, answer_size, asked_shape
from .slots import ONE_BASED_WORDS

DISTANCES = {"distance", "min_distance", "com_distance"}
COUNTED = {"dssp", "hbonds", "contacts", "neighbors", "n_frames", "n_bonds"}
# what the reader does not require a plan to use, and the roles any plan satisfies
SOFT = SOFT_ROLES | {"filler", "scope", "remove", "sorted", "method"}


def _selections(plan: Plan) -> list[str]:
    out = []
    for step in plan.steps:
        for name in ("selection", "selection_2", "selection_3", "around"):
            if isinstance(step.args.get(name), str):
                out.append(step.args[name])
    return out


def _covers(plan: Plan, role: str, value) -> bool:
    compute = plan.step("compute")
    args = compute.args if compute else {}
    quantity = plan.quantity
    if role == "quantity":
        if value == "distance":
            return quantity in DISTANCES
        if value == "angle":
            return quantity in ("angle", "dihedral")
        if value == "contacts":
            return quantity in ("contacts", "neighbors", "hbonds")
        if value in ("timestep", "total_time"):
            return quantity in (value, "time_info")
        if value == "sasa":
            return quantity in ("sasa", "sasa_residue")
        if value == "n_frames":
            return True  # "frames" also qualifies other quantities ("RMSD over the frames")
        return quantity == value
    if role == "count":
        return plan.arg("reduce_entities", "how") == "count" or quantity in COUNTED
    if role == "level":
        return value == "atoms" or value in (plan.arg("reduce_entities", "level"), args.get("level")) or \
            (value == "residues" and quantity in ("dssp", "sasa_residue", "neighbors")) or \
            (value == "molecules" and plan.arg("reduce_entities", "level") == "residues")
    if role == "which_frame":
        return plan.arg("reduce_frames", "how") in ("argmax", "argmin") and \
            plan.arg("reduce_frames", "report", "frame") == value
    if role == "frames":
        extreme = {"argmax": "max", "argmin": "min"}.get(plan.arg("reduce_frames", "how"))
        if value == "each" and plan.step("reduce_frames"):  # "the per-frame RMSD … its maximum": the series, reduced
            return True
        return value in (plan.arg("reduce_frames", "how"), plan.arg("reduce_entities", "how"), extreme) or \
            (value == "min" and quantity == "min_distance")
    if role == "dssp":
        return args.get("code") == value
    if role == "angle_name":
        return args.get("angle") == value
    if role == "unit":
        return plan.unit == value or (quantity == "time_info" and value in ("ps", "ns"))
    if role == "separation":
        return int(args.get("min_separation", 0)) == value
    if role == "time":
        return plan.arg("frames", "time_ps") == value
    if role == "ordinal":
        return plan.arg("frames", "index") == max(value - 1, 0)
    if role == "frame_range":
        return plan.arg("frames", "pick") in RANGE_PICKS
    if role == "exclude_frame":  # "leave model 1 itself out": a range that does not hold it
        word, number = value[1]
        index = int(number) - (1 if word.lower().rstrip("s") in ONE_BASED_WORDS else 0)
        start, stop = plan.arg("frames", "start", 0), plan.arg("frames", "stop")
        return plan.arg("frames", "pick") == "range" and start >= 0 and not start <= index < (stop or index + 1)
    if role == "frame_base":
        return plan.step("frames") is not None
    if role in ("save", "newfile", "reload"):
        return plan.step("save") is not None
    if role == "show":
        return plan.step("show") is not None
    if role == "entity":
        how = plan.arg("reduce_entities", "how")
        extreme = {"argmax": "max", "argmin": "min"}.get(value)  # "the RMSF of the most flexible atom": its value
        return how in (value, extreme) or (value == "per_residue" and quantity == "sasa_residue")
    if role in ("exclude_self", "one_atom"):
        return quantity == "neighbors"
    if role == "ligand":
        return any("resname" in s for s in _selections(plan))
    if role == "hetero":
        return any("not protein" in s for s in _selections(plan))
    if role == "context":
        return args.get("context") == value
    if role == "which_entity":
        return plan.arg("reduce_entities", "how") in ("argmax", "argmin", "names")
    if role == "names":
        return plan.arg("reduce_entities", "how") == "names"
    if role == "time_window":
        return False
    return False


def uncovered(plan: Plan, phrases, facts=None) -> list[str]:
    """The phrases (and, with ``facts``, the selections the request names) no element of
    ``plan`` accounts for; [] when the plan covers the request."""
    if plan.parts:
        return [text for text in _uncovered_any(plan, phrases, facts)]
    missing = []
    for phrase in phrases:
        if phrase.role in SOFT:
            continue
        if phrase.role == "method" and not _method_covered(plan, phrase.value):
            missing.append(phrase.text.strip())
        elif phrase.role != "method" and not _covers(plan, phrase.role, phrase.value):
            missing.append(phrase.text.strip())
    shape = asked_shape(phrases)
    if shape and shape != answer_size(plan):  # "→ [first, last]" asks for two values
        missing.append(next(p.text.strip() for p in phrases if p.role == "format"))
    if facts is not None:
        if not any(p.role == "frame_base" for p in phrases):  # "(1-based)" shifts the numbers the slots read
            missing += _frames_uncovered(plan, facts.frames)
        # what the selection reader took itself: the answer's unit ("in Å") and a cutoff ("within 5 Å")
        if facts.unit and not _covers(plan, "unit", facts.unit):
            missing.append(f"in {facts.unit}")
        cutoff = plan.step("compute").args.get("cutoff_nm") if plan.step("compute") else None
        if facts.cutoff_angstrom is not None and (cutoff is None or abs(cutoff * 10.0 - facts.cutoff_angstrom) > 1e-9):
            missing.append(f"{facts.cutoff_angstrom:g} Å")
        selections = _selections(plan)
        stripped = plan.arg("strip", "selection") or ""
        compute = plan.step("compute")
        residue = compute.args.get("residue") if compute else None
        for mention in facts.selections:
            pool = [stripped] if mention.removed else selections
            if any(mention.selection in s for s in pool):
                continue
            if residue is not None and re.search(rf"\bresSeq {residue}$", mention.selection):
                continue  # "the phi of Trp6": the dihedral's residue
            if plan.quantity == "sequence" and mention.selection == "protein":
                continue
            missing.append(mention.text.strip())
    return missing


def _one_atom_residues(topology, selection: str) -> bool:
    """Is every residue the selection picks a single atom (so atoms, residues and molecules
    count alike)?"""
    if topology is None:
        return False
    try:
        picked = topology.select(selection)
    except Exception:  # noqa: BLE001 - validate reports selections MDTraj cannot parse
        return False
    residues = {topology.atom(int(i)).residue for i in picked}
    return bool(residues) and all(r.n_atoms == 1 for r in residues)


_CHAIN_TERMS = re.compile(r"\bchainid \d+\b|\bor\b|\band\b|[()]")


def ungrounded(plan: Plan, facts, phrases=(), topology=None) -> list[str]:
    """What the plan adds that the request does not say: a selection no selection of the
    request is part of ("count the residues" planned as ``resSeq 1``), or a counting level
    the request neither names nor implies ("how many methionines" counted as atoms; with
    ``topology``, counting the atoms of one-atom residues such as Cl⁻ is the same count). []
    when the plan adds nothing."""
    if facts is None:  # a two-part request is checked part by part where it was read
        return []
    if plan.parts:
        return [s for part in plan.parts for s in ungrounded(part, facts, phrases)]
    mentions = facts.selections

    def grounded(selection: str) -> bool:
        if any(m.selection and m.selection in selection for m in mentions):
            return True
        # "chain B" becomes the chain indices the reader looked up
        return bool(facts.chain_ids) and not _CHAIN_TERMS.sub("", selection).strip()

    added = [s for s in dict.fromkeys(_selections(plan)) if s not in ("all", "") and not grounded(s)]
    level = plan.arg("reduce_entities", "level")
    if plan.step("select") and level and not any(p.role == "level" for p in phrases):
        counted = plan.arg("select", "selection") or ""
        kinds = {"atoms" if re.search(r"\b(?:atoms?|[áa]tomos?)\b", m.text, re.I) else m.kind
                 for m in mentions if m.selection and m.selection in counted}
        natural = {"atoms": {"atoms"}, "molecules": {"residues", "molecules"}}
        if kinds and not any(level in natural.get(kind, ()) for kind in kinds) and \
                not _one_atom_residues(topology, counted):
            added.append(f"counting {level}")
    return added


def _frames_uncovered(plan: Plan, frames: list[int]) -> list[str]:
    """The frames the request names ("the first frame", "model 5") that the plan neither
    picks nor uses as its reference."""
    picked = {"first": 0, "last": -1}.get(plan.arg("frames", "pick"), plan.arg("frames", "index"))
    compute = plan.step("compute")
    used = {picked, compute.args.get("reference_frame") if compute else None,
            plan.arg("superpose", "reference_frame")}
    return [f"frame {frame}" for frame in frames if frame not in used]


def _uncovered_any(plan: Plan, phrases, facts) -> list[str]:
    """A phrase of a two-part request is covered when either part covers it."""
    per_part = [set(uncovered(part, phrases, facts)) for part in plan.parts]
    return sorted(set.intersection(*per_part))


def _method_covered(plan: Plan, value) -> bool:
    args = plan.step("compute").args if plan.step("compute") else {}
    if value == "mass_weighted":
        return args.get("weights") == "mass"
    if value == "no_mass":
        return args.get("weights") != "mass"
    if value in ("baker_hubbard", "wernet_nilsson"):
        return args.get("method", "baker_hubbard") == value
    if value == "pbc":
        return plan.quantity == "hbonds" and args.get("periodic", True)
    if value == "no_pbc":
        return not (plan.quantity == "hbonds" and args.get("periodic", True))
    return True  # shrake_rupley, simplified, superposition, probe: what the renderings do
