"""A plan as molsysmt code, for kernels where molsysmt is importable.

The same plan, the same ``answer``; selections stay in MDTraj's language and reach
molsysmt with ``syntax='MDTraj'``. Only the steps whose molsysmt call and output are
documented in the MolSysSuite docs are rendered here: loading one file, removing or
extracting atoms, saving the result, counting atoms, residues (molsysmt's groups), molecules and chains,
the number of structures, the total mass, the box volume, the radius of gyration without
mass weighting, and showing the result. :func:`unsupported` names what is left out, and
those plans stay MDTraj code (:func:`.render.code_for`). Every call is checked against the
API registry like any molsysmt code the assistant writes.

>>> from .plan import Plan, Step
>>> print(render_molsysmt(Plan([Step("load", {"file": "1tcd.pdb"}), Step("select", {"selection": "water"}),
...                             Step("reduce_entities", {"level": "molecules", "how": "count"})])).splitlines()[-1])
answer = int(msm.get(molecular_system, element='molecule', selection='water', syntax='MDTraj', n_molecules=True))
"""

from __future__ import annotations

from .plan import Plan, unit_factor
from .render_shared import FRAME_REDUCE, join_parts

# plan level → molsysmt element and its counting attribute
ELEMENTS = {"atoms": ("atom", "n_atoms"), "residues": ("group", "n_groups"), "molecules": ("molecule", "n_molecules"),
            "chains": ("chain", "n_chains")}
QUANTITIES = {"n_frames", "mass", "box_volume", "rg"}  # those of the compute step rendered here
MOLSYSMT_HEADER = ["import molsysmt as msm", "import pyunitwizard as puw", ""]


def unsupported(plan: Plan) -> str | None:
    """Why ``plan`` has no molsysmt rendering here (None when it has one)."""
    if plan.parts:
        reasons = [r for r in map(unsupported, plan.parts) if r]
        return reasons[0] if reasons else None
    if plan.arg("load", "topology"):
        return "a trajectory with a separate topology file"
    if plan.step("superpose"):
        return "superposing"
    if plan.step("select"):
        how = plan.arg("reduce_entities", "how")
        return None if how == "count" and plan.arg("reduce_entities", "level") in ELEMENTS else f"listing ({how})"
    if not plan.step("compute"):
        return None  # remove or extract, then the atoms left, or the view
    name = plan.quantity
    if name not in QUANTITIES:
        return f"{name or 'this step'}"
    if name == "rg" and plan.arg("compute", "weights") == "mass":
        return "a mass-weighted radius of gyration"
    if plan.arg("frames", "pick") in ("index", "time", "range", "after_time"):
        return "frames picked by number or time"
    if plan.arg("reduce_frames", "how") in ("each", "argmax", "argmin"):
        return "a value per frame"
    return None


def render_molsysmt(plan: Plan) -> str:
    """molsysmt code that sets ``answer`` (raises ValueError for an unsupported plan)."""
    reason = unsupported(plan)
    if reason:
        raise ValueError(f"no molsysmt rendering for {reason}")
    if plan.parts:
        return join_parts(plan, MOLSYSMT_HEADER, render_molsysmt)
    lines = list(MOLSYSMT_HEADER)
    add = lines.append
    add(f"molecular_system = msm.convert({plan.file!r}, to_form='molsysmt.MolSys')")
    if plan.step("strip"):
        add(f"molecular_system = msm.remove(molecular_system, selection={plan.arg('strip', 'selection')!r}, "
            "syntax='MDTraj')  # remove")
    if plan.step("keep"):
        add(f"molecular_system = msm.extract(molecular_system, selection={plan.arg('keep', 'selection')!r}, "
            "syntax='MDTraj')  # keep only these atoms")
    if plan.step("save"):
        add(f"msm.convert(molecular_system, to_form={plan.arg('save', 'path')!r})  # save")
    if plan.step("select"):
        element, attribute = ELEMENTS[plan.arg("reduce_entities", "level")]
        add(f"answer = int(msm.get(molecular_system, element={element!r}, selection={plan.arg('select', 'selection')!r}, "
            f"syntax='MDTraj', {attribute}=True))")
    elif plan.step("compute"):
        _compute(plan, add)
    elif not plan.step("show"):
        add("answer = int(msm.get(molecular_system, n_atoms=True))  # atoms left")
    if plan.step("show"):
        add("msm.view(molecular_system)")
    return "\n".join(lines) + "\n"


def _compute(plan: Plan, add) -> None:
    name = plan.quantity
    wanted = plan.arg("convert", "unit")
    if name == "n_frames":
        add("answer = int(msm.get(molecular_system, n_structures=True))")
        return
    if name == "mass":
        add(f"mass = msm.physchem.get_mass(molecular_system, element='system', "
            f"selection={plan.arg('compute', 'selection', 'all')!r}, syntax='MDTraj')")
        add("answer = float(puw.get_value(mass, to_unit='dalton'))  # in Da")
        return
    if name == "box_volume":
        add("values = puw.get_value(msm.get(molecular_system, box_volume=True), to_unit='nm**3')  # one per structure")
        unit = "nm**3"
    else:  # rg, no mass weighting
        add(f"rg = msm.structure.get_radius_of_gyration(molecular_system, "
            f"selection={plan.arg('compute', 'selection', 'all')!r}, syntax='MDTraj')")
        add("values = puw.get_value(rg, to_unit='nm')  # one per structure")
        unit = "nm"
    pick = plan.arg("frames", "pick")
    reduction = FRAME_REDUCE[pick or plan.arg("reduce_frames", "how") or "first"]  # pick: first or last
    factor = unit_factor("nm³" if unit == "nm**3" else "nm", wanted or "") or 1.0
    scale = f" * {factor!r}" if factor != 1.0 else ""
    add(f"answer = float({reduction}){scale}  # in {plan.unit}")
