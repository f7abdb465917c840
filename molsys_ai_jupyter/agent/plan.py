"""The typed plan: what the agent will do, as a short program of steps from a fixed
catalogue, before any code exists.

A plan is plain data (``Plan.to_dict()`` is JSON and matches :func:`plan_schema`):

    load → [strip | keep] → [frames] → compute → [reduce over frames] → [convert] → [save] → [show]
    load → [strip | keep] → select → count or list (residues, molecules, chains, atoms) → …

The plan is the unit the user approves (its :func:`~.restate.restate` sentence is shown
before anything runs), the unit stored in ``_molsys_last`` and exported; the code is
rendered from it (:mod:`.render`), never written free-hand. :func:`validate` checks a plan
against the file's real topology: every selection must parse and pick atoms, residues and
chains must exist, a frame must be in range, a step must fit what comes before it.

>>> plan = Plan(steps=[Step("load", {"file": "1tcd.pdb"}), Step("select", {"selection": "water"}),
...                    Step("reduce_entities", {"level": "molecules", "how": "count"})])
>>> plan.quantity
'count'
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ---- the catalogue ---------------------------------------------------------------------------------

LEVELS = ("atoms", "residues", "molecules", "chains")
FRAME_REDUCTIONS = ("each", "mean", "min", "max", "std", "first", "last", "change", "argmax", "argmin", "fraction")
FRAME_REPORTS = ("frame", "model", "time")  # what argmax/argmin over frames answers: index from 0, model from 1, time
ENTITY_REDUCTIONS = ("count", "names", "sum", "mean", "max", "min", "argmax", "argmin", "value")
FRAME_PICKS = ("all", "first", "last", "index", "time", "range", "after_time")
RANGE_PICKS = ("range", "after_time")  # several frames: a slice from 0 (stop excluded), or the frames after a time
UNITS = ("nm", "Å", "nm²", "Å²", "nm³", "Å³", "degrees", "radians", "ps", "ns", "count", "Da", "kDa", "g/cm³", "kg/m³", "K", "")
ANGLES = ("phi", "psi", "omega", "chi1")
HBOND_METHODS = ("baker_hubbard", "wernet_nilsson")


@dataclass(frozen=True)
class Quantity:
    """A computable quantity. ``shape``: "frame" (one value per frame), "frame_vector"
    (a vector per frame), "frame_entity" (a value per frame and per residue/atom),
    "entity" (one value per atom over the whole trajectory), "static" (no frames)."""

    label: str  # in a restatement: "the radius of gyration"
    shape: str
    unit: str  # MDTraj's unit of the raw value
    args: tuple[str, ...] = ()  # required arguments
    optional: tuple[str, ...] = ()


QUANTITIES: dict[str, Quantity] = {
    "rg": Quantity("the radius of gyration", "frame", "nm", ("selection",), ("weights",)),
    "sasa": Quantity("the solvent accessible surface area (Shrake-Rupley)", "frame", "nm²", ("selection",),
                     ("context",)),
    "sasa_residue": Quantity("the SASA of each residue (Shrake-Rupley)", "frame_entity", "nm²", ("selection",), ()),
    "rmsd": Quantity("the RMSD after superposition", "frame", "nm", ("selection",), ("reference_frame",)),
    "rmsf": Quantity("the RMSF of each atom after superposition", "entity", "nm", ("selection",),
                     ("reference_frame",)),
    "distance": Quantity("the distance", "frame", "nm", ("selection", "selection_2"), ("periodic",)),
    "min_distance": Quantity("the minimum distance", "frame", "nm", ("selection", "selection_2"), ("periodic",)),
    "com_distance": Quantity("the distance between the centres of mass", "frame", "nm",
                             ("selection", "selection_2"), ()),
    "angle": Quantity("the angle", "frame", "degrees", ("selection", "selection_2", "selection_3"), ()),
    "dihedral": Quantity("the dihedral angle", "frame", "degrees", ("angle", "residue"), ("chain",)),
    # with a selection: assigned on the whole system (DSSP needs the neighbours), counted over the selection's residues
    "dssp": Quantity("the residues in DSSP class", "frame", "count", ("code",), ("selection",)),
    # with selection_2: the bonds between two groups (donor in one, acceptor in the other); with only a
    # selection: the bonds within it (donor and acceptor both in it)
    "hbonds": Quantity("the hydrogen bonds", "frame", "count", (), ("method", "periodic", "selection", "selection_2")),
    "contacts": Quantity("the pairs closer than", "frame", "count", ("selection", "cutoff_nm"),
                         ("min_separation", "level", "periodic")),
    "neighbors": Quantity("within of", "frame", "count", ("selection", "around", "cutoff_nm"), ("level", "periodic")),
    "center": Quantity("the centre of mass", "frame_vector", "nm", ("selection",), ("weights",)),
    "box_volume": Quantity("the box volume", "frame", "nm³", (), ()),
    "box_lengths": Quantity("the box edge lengths", "frame_vector", "nm", (), ()),
    "density": Quantity("the mass density (total mass over the box volume)", "frame", "g/cm³", ("selection",), ()),
    "max_distance": Quantity("the largest distance between any two atoms", "frame", "nm", ("selection",), ()),
    "mass": Quantity("the total mass", "static", "Da", ("selection",), ()),
    "neighbor_residues": Quantity("the residues within of", "static", "", ("selection", "around", "cutoff_nm"),
                                  ("periodic", "report")),
    "n_frames": Quantity("the number of frames", "static", "count", (), ()),
    "n_bonds": Quantity("the number of bonds in the topology", "static", "count", (), ()),
    "timestep": Quantity("the time between saved frames", "static", "ps", (), ()),
    "time": Quantity("the simulation time", "frame", "ps", (), ()),  # of a frame: with a frames step
    "temperature": Quantity("the temperature stored in the file", "frame", "K", (), ()),  # MDTraj's HDF5 only
    "total_time": Quantity("the time spanned from the first to the last frame", "static", "ps", (), ("span",)),
    "time_info": Quantity("the time step (ps) and the total time (ns)", "static", "", (), ("span",)),
    "sequence": Quantity("the one-letter sequence", "static", "", (), ("chain", "selection")),
}

UNIT_FACTORS = {  # from the raw unit to the asked one
    ("nm", "Å"): 10.0, ("nm²", "Å²"): 100.0, ("nm³", "Å³"): 1000.0, ("ps", "ns"): 0.001,
    ("degrees", "radians"): 0.017453292519943295, ("g/cm³", "kg/m³"): 1000.0, ("Da", "kDa"): 0.001,
}


def unit_factor(raw: str, wanted: str) -> float | None:
    """The factor from ``raw`` to ``wanted`` (1.0 when equal), None when they do not convert."""
    if not wanted or wanted == raw:
        return 1.0
    return UNIT_FACTORS.get((raw, wanted))


# the step kinds, each with its argument names and their JSON types
STEP_ARGS: dict[str, dict[str, dict]] = {
    "load": {"file": {"type": "string"}, "topology": {"type": "string"}},
    "strip": {"selection": {"type": "string"}},
    "keep": {"selection": {"type": "string"}},
    "frames": {"pick": {"enum": list(FRAME_PICKS)}, "index": {"type": "integer"}, "time_ps": {"type": "number"},
               "start": {"type": "integer"}, "stop": {"type": ["integer", "null"]}, "inclusive": {"type": "boolean"}},
    "superpose": {"selection": {"type": "string"}, "reference_frame": {"type": "integer"}},
    "select": {"selection": {"type": "string"}},
    "compute": {"quantity": {"enum": sorted(QUANTITIES)}, "selection": {"type": "string"},
                "selection_2": {"type": "string"}, "selection_3": {"type": "string"},
                "around": {"type": "string"}, "cutoff_nm": {"type": "number"},
                "min_separation": {"type": "integer"}, "level": {"enum": list(LEVELS)},
                "reference_frame": {"type": "integer"}, "weights": {"enum": ["mass", "none"]},
                "angle": {"enum": list(ANGLES)}, "residue": {"type": "integer"}, "chain": {"type": "string"},
                "code": {"enum": ["H", "E", "C"]}, "method": {"enum": list(HBOND_METHODS)},
                "periodic": {"type": "boolean"}, "context": {"enum": ["isolated", "in_place"]},
                "span": {"enum": ["saved_frames"]},  # a total time asked as the span of the saved frames
                "report": {"enum": ["labels", "numbers"]}},  # residues listed by name and number, or by number  # a total time asked as the span of the saved frames
    # fraction: of the frames whose value is above and/or below a threshold (in the quantity's raw unit)
    "reduce_frames": {"how": {"enum": list(FRAME_REDUCTIONS)}, "report": {"enum": list(FRAME_REPORTS)},
                      "above": {"type": "number"}, "below": {"type": "number"}, "percent": {"type": "boolean"}},
    "reduce_entities": {"level": {"enum": list(LEVELS)}, "how": {"enum": list(ENTITY_REDUCTIONS)},
                        "residue": {"type": "integer"}, "report": {"enum": ["label", "number"]}},
    "convert": {"unit": {"enum": [u for u in UNITS if u]}},
    "save": {"path": {"type": "string"}},
    "show": {},
}
ORDER = ["load", "strip", "keep", "frames", "superpose", "select", "compute", "reduce_entities", "reduce_frames",
         "convert", "save", "show"]


@dataclass
class Step:
    op: str
    args: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"op": self.op, **self.args}

    @classmethod
    def from_dict(cls, data: dict) -> "Step":
        data = dict(data)
        op = data.pop("op", None)
        if op not in STEP_ARGS:
            raise PlanError(f"unknown step {op!r} (steps: {', '.join(STEP_ARGS)})")
        unknown = set(data) - set(STEP_ARGS[op])
        if unknown:
            raise PlanError(f"step {op} does not take {', '.join(sorted(unknown))}")
        return cls(op, data)


class PlanError(ValueError):
    """A plan that is not well formed, or does not fit the files."""


@dataclass
class Plan:
    """Steps; or, for a request that asks two things ("how many atoms and how many
    residues remain?"), ``parts``: one plan per answer, the answer being their list."""

    steps: list[Step] = field(default_factory=list)
    parts: list["Plan"] = field(default_factory=list)

    def to_dict(self) -> dict:
        if self.parts:
            return {"parts": [p.to_dict() for p in self.parts]}
        return {"steps": [s.to_dict() for s in self.steps]}

    @classmethod
    def from_dict(cls, data: dict) -> "Plan":
        if isinstance(data, dict) and isinstance(data.get("parts"), list) and len(data["parts"]) >= 2:
            return cls(parts=[cls.from_dict(p) for p in data["parts"]])
        steps = data.get("steps") if isinstance(data, dict) else None
        if not isinstance(steps, list) or not steps:
            raise PlanError("a plan is {'steps': [...]} with at least a load step")
        return cls([Step.from_dict(s) for s in steps])

    def step(self, op: str) -> Step | None:
        if self.parts:
            return self.parts[0].step(op)
        return next((s for s in self.steps if s.op == op), None)

    def arg(self, op: str, name: str, default=None):
        step = self.step(op)
        return step.args.get(name, default) if step else default

    @property
    def quantity(self) -> str:
        """The compute step's quantity, or "count"/"names" for a select-and-reduce plan."""
        if self.step("compute"):
            return self.arg("compute", "quantity")
        how = self.arg("reduce_entities", "how")
        return "count" if how == "count" else (how or "")

    @property
    def file(self) -> str:
        return self.arg("load", "file", "")

    @property
    def unit(self) -> str:
        """The unit of the final answer."""
        wanted = self.arg("convert", "unit")
        if wanted:
            return wanted
        if self.arg("reduce_entities", "how") in ("argmax", "argmin", "names"):
            return ""  # a residue's label, or names
        if self.arg("reduce_frames", "how") in ("argmax", "argmin"):
            return "ps" if self.arg("reduce_frames", "report") == "time" else ""  # when, or which frame
        if self.arg("reduce_frames", "how") == "fraction":
            return "%" if self.arg("reduce_frames", "percent") else ""
        if self.step("compute"):
            return QUANTITIES[self.quantity].unit
        return "count" if self.arg("reduce_entities", "how") == "count" else ""

    def elements(self) -> set[tuple[str, object]]:
        """What the plan accounts for, as (role, value) pairs: the coverage check ties
        each constraint-bearing phrase of the request to one of these."""
        out: set[tuple[str, object]] = set()
        for part in self.parts:
            out |= part.elements()
        for step in self.steps:
            out.add(("op", step.op))
            for name, value in step.args.items():
                if isinstance(value, (str, int, float)):
                    out.add((f"{step.op}.{name}", value))
        if self.quantity:
            out.add(("quantity", self.quantity))
        return out


def plan_schema(files: list[str]) -> dict:
    """The JSON schema of a plan whose load step names one of ``files``."""
    steps = []
    for op, args in STEP_ARGS.items():
        props = {"op": {"const": op}, **args}
        if op == "load":
            props = {"op": {"const": op}, "file": {"enum": list(files)}, "topology": {"enum": list(files) + [""]}}
        steps.append({"type": "object", "properties": props, "required": ["op"], "additionalProperties": False})
    return {"type": "object", "properties": {"steps": {"type": "array", "items": {"anyOf": steps}, "minItems": 2}},
            "required": ["steps"], "additionalProperties": False}


# ---- checks ---------------------------------------------------------------------------------------

def check_shape(plan: Plan) -> None:
    """The steps are in catalogue order, each at most once, and fit together."""
    if plan.parts:
        for part in plan.parts:
            check_shape(part)
        return
    ops = [s.op for s in plan.steps]
    if not ops or ops[0] != "load":
        raise PlanError("a plan starts with a load step")
    if len(set(ops)) != len(ops):
        raise PlanError("each step appears at most once")
    if ops != sorted(ops, key=ORDER.index):
        raise PlanError(f"steps out of order: {' → '.join(ops)}")
    if not plan.file:
        raise PlanError("the load step names no file")
    compute, select = plan.step("compute"), plan.step("select")
    if compute and select:
        raise PlanError("a plan either computes a quantity or selects and reduces entities, not both")
    if select and not plan.step("reduce_entities"):
        raise PlanError("a select step is followed by a count or list (reduce_entities)")
    if not (compute or select or plan.step("save") or plan.step("show") or plan.step("strip") or plan.step("keep")):
        raise PlanError("the plan computes nothing")
    if compute:
        name = compute.args.get("quantity")
        if name not in QUANTITIES:
            raise PlanError(f"unknown quantity {name!r}")
        quantity = QUANTITIES[name]
        missing = [a for a in quantity.args if compute.args.get(a) in (None, "")]
        if missing:
            raise PlanError(f"{name} needs {', '.join(missing)}")
        extra = set(compute.args) - {"quantity"} - set(quantity.args) - set(quantity.optional)
        if extra:
            raise PlanError(f"{name} does not take {', '.join(sorted(extra))}")
        how = plan.arg("reduce_frames", "how")
        if quantity.shape == "static" and plan.step("reduce_frames"):
            raise PlanError(f"{name} has no value per frame to reduce over frames")
        if quantity.shape in ("frame_entity", "entity") and not plan.step("reduce_entities"):
            raise PlanError(f"{name} has one value per residue or atom: say how to reduce them")
        if quantity.shape == "entity" and (how or (plan.step("frames") and plan.arg("frames", "pick") not in RANGE_PICKS)):
            raise PlanError(f"{name} is computed over all frames at once")
        if how == "each" and quantity.shape == "frame_vector":
            raise PlanError("one vector per frame: pick a frame or average")
        if how in ("argmax", "argmin") and (quantity.shape != "frame" or plan.step("frames")):  # (a range too)
            raise PlanError("which frame has the largest or smallest value: one value per frame, over all frames")
    if plan.arg("reduce_frames", "how") == "fraction":
        if plan.arg("reduce_frames", "above") is None and plan.arg("reduce_frames", "below") is None:
            raise PlanError("a fraction of frames needs a condition: above or below a value")
        if plan.step("compute") and QUANTITIES[plan.quantity].shape != "frame":
            raise PlanError("a fraction of frames needs one value per frame")
    elif any(plan.arg("reduce_frames", k) is not None for k in ("above", "below", "percent")):
        raise PlanError("only a fraction of frames takes a condition")
    if plan.arg("reduce_frames", "report") and plan.arg("reduce_frames", "how") not in ("argmax", "argmin"):
        raise PlanError("only argmax or argmin over frames report a frame, a model or a time")
    if plan.step("reduce_entities") and compute and QUANTITIES[plan.quantity].shape not in ("frame_entity", "entity"):
        raise PlanError(f"{plan.quantity} has no value per residue or atom to reduce")
    unit = plan.arg("convert", "unit")
    if plan.arg("reduce_frames", "how") in ("argmax", "argmin"):
        if unit and unit_factor(plan.arg("reduce_frames", "report") == "time" and "ps" or "", unit) is None:
            raise PlanError(f"{unit} is not a unit of a frame's {plan.arg('reduce_frames', 'report', 'frame')}")
    elif unit and compute and unit_factor(QUANTITIES[plan.quantity].unit, unit) is None:
        raise PlanError(f"{QUANTITIES[plan.quantity].label} is not in a unit that converts to {unit}")


def validate(plan: Plan, topology=None, n_frames: int | None = None) -> None:
    """``check_shape`` and the plan against the file: ``topology`` is an MDTraj Topology
    (after the strip or keep step, selections are checked on what is left)."""
    check_shape(plan)
    if plan.parts:
        for part in plan.parts:
            validate(part, topology, n_frames)
        return
    if topology is None:
        return
    for op in ("strip", "keep", "superpose"):
        if plan.step(op) and plan.arg(op, "selection"):  # removing what is not there changes nothing
            _picks(topology, plan.arg(op, "selection"), f"the {op} step", allow_empty=op == "strip")
    if plan.step("select"):
        _unique_residue(topology, plan.arg("select", "selection"), plan.file)
    remaining = topology
    if plan.step("strip") or plan.step("keep"):
        chosen = (f"not ({plan.arg('strip', 'selection')})" if plan.step("strip") else plan.arg("keep", "selection"))
        atoms = _picks(topology, chosen, "what is left")
        remaining = topology.subset(atoms)
    compute = plan.step("compute")
    if compute:
        for name in ("selection", "selection_2", "selection_3", "around"):
            if compute.args.get(name) not in (None, "", "all"):
                picked = _picks(remaining, compute.args[name], f"{plan.quantity}'s {name}")
                if plan.quantity in ("distance", "angle") and len(picked) != 1:
                    raise PlanError(f"{compute.args[name]!r} picks {len(picked)} atoms; {plan.quantity} needs one atom "
                                    "for each end")
        for name in ("cutoff_nm", "time_ps"):
            value = compute.args.get(name)
            if value is not None and not (isinstance(value, (int, float)) and 0 < value < 1e6):
                raise PlanError(f"{name} {value!r} is out of range")
        if plan.quantity == "rmsf" and len(_picks(remaining, compute.args.get("selection", "all"), "rmsf")) < 3:
            raise PlanError("an RMSF after superposition needs at least 3 atoms to superpose on")
        if plan.quantity == "sequence":
            odd = sorted({f"{r.name}{r.resSeq}" for r in remaining.residues if r.is_protein
                          and r.name not in STANDARD_RESIDUES and r.name not in CAPS})
            if odd:
                raise PlanError("non-standard residues have no agreed one-letter code: " + ", ".join(odd[:6]))
        for name in ("selection", "selection_2", "selection_3", "around"):
            _unique_residue(remaining, compute.args.get(name), plan.file)
        residue = compute.args.get("residue")
        if residue is not None:
            _check_dihedral_residue(remaining, residue, compute.args.get("chain"), compute.args.get("angle"), plan.file)
        if plan.quantity in ("dssp", "dihedral", "sequence") and not any(r.is_protein for r in remaining.residues):
            raise PlanError(f"{plan.quantity} needs protein residues; {plan.file} has none")
        if plan.quantity == "hbonds" and not any(a.element is not None and a.element.symbol == "H"
                                                 for a in remaining.atoms):
            raise PlanError(f"hydrogen bonds need hydrogens; {plan.file} has none")
    if plan.step("select") and plan.arg("select", "selection") not in (None, "", "all"):
        _picks(remaining, plan.arg("select", "selection"), "the select step", allow_empty=True)
    timed = plan.quantity in ("timestep", "total_time", "time_info", "time") or plan.arg("frames", "pick") == "time" \
        or plan.arg("reduce_frames", "report") == "time"
    suffix = "." + plan.file.lower().rsplit(".", 1)[-1]
    if timed and suffix not in TIMED_FORMATS:  # MDTraj numbers the frames 0, 1, 2… as "times" there
        kind = {".dcd": "a DCD file", ".pdb": "a PDB file (its models are not a time series)"}.get(
            suffix, f"{plan.file}")
        raise PlanError(f"{kind} holds no times MDTraj can read: ask by frame number")
    if plan.quantity == "temperature" and suffix != ".h5":
        raise PlanError(f"{plan.file} stores no temperatures (MDTraj's HDF5 files, .h5, can)")
    if plan.quantity in ("timestep", "total_time", "time_info") and n_frames is not None and n_frames < 2:
        raise PlanError(f"{plan.file} has one frame: it has no time step")
    if plan.arg("frames", "pick") in RANGE_PICKS and plan.step("compute") and \
            QUANTITIES[plan.quantity].shape not in ("frame", "frame_entity", "entity"):
        raise PlanError(f"{QUANTITIES[plan.quantity].label} is not taken over a range of frames")
    if plan.arg("frames", "pick") == "after_time" and suffix not in TIMED_FORMATS:
        raise PlanError(f"{plan.file} holds no times MDTraj can read: ask by frame number")
    if n_frames is not None and plan.arg("frames", "pick") == "range":
        start, stop = plan.arg("frames", "start", 0), plan.arg("frames", "stop")
        stop = n_frames if stop is None else stop
        start = start + n_frames if start < 0 else start
        if not 0 <= start < stop <= n_frames:
            raise PlanError(f"frames {start} to {stop - 1} are out of range: {plan.file} has {n_frames} frame(s)")
    for step, name in (("compute", "reference_frame"), ("superpose", "reference_frame")):
        reference = plan.arg(step, name)
        if n_frames is not None and reference is not None and not -n_frames <= int(reference) < n_frames:
            raise PlanError(f"the reference frame {reference} is out of range: {plan.file} has {n_frames} frame(s), "
                            "numbered from 0")
    if n_frames is not None and plan.arg("frames", "pick") == "index":
        index = plan.arg("frames", "index", 0)
        if not -n_frames <= index < n_frames:
            raise PlanError(f"frame {index} is out of range: {plan.file} has {n_frames} frame(s), numbered from 0")


TIMED_FORMATS = {".h5", ".xtc", ".trr", ".nc", ".netcdf"}  # the formats whose times MDTraj reads
SIDECHAIN_GAMMA = ("CG", "SG", "OG", "OG1", "CG1")  # the fourth atom of chi1
STANDARD_RESIDUES = {"ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE", "LEU", "LYS", "MET", "PHE",
                     "PRO", "SER", "THR", "TRP", "TYR", "VAL"}
CAPS = {"ACE", "NME", "NH2", "NMA"}


def _unique_residue(topology, selection, file: str) -> None:
    """A selection naming a residue by number ("resSeq 10 and name CA") names one residue:
    a number that several chains use is ambiguous without the chain."""
    import re

    if not isinstance(selection, str) or not re.search(r"\bresSeq \d+\b", selection):
        return
    try:
        picked = topology.select(selection)
    except Exception:  # noqa: BLE001 - _picks reports selections MDTraj cannot parse
        return
    residues = {topology.atom(i).residue.index for i in picked}
    if re.search(r"\bresSeq \d+ to \d+", selection):  # a range: each number it covers must be one residue
        numbers: dict[int, set] = {}
        for i in picked:
            residue = topology.atom(int(i)).residue
            numbers.setdefault(residue.resSeq, set()).add(residue.index)
        repeated = sorted(n for n, found in numbers.items() if len(found) > 1)
        if repeated:
            raise PlanError(f"{selection!r}: residue numbers {repeated[0]}… appear more than once in {file} (other "
                            "chains, a second molecule or waters reuse them): name the chain or the residues")
        return
    if len(residues) > 1 and not re.search(r"\bresSeq \d+ to \d+|\bresname\b(?! \w+ and resSeq)", selection) \
            and "chainid" not in selection:
        raise PlanError(f"{selection!r} is {len(residues)} residues in {file} (the number repeats in several chains "
                        "or molecules): name the chain")


def _check_dihedral_residue(topology, number: int, chain: str | None, angle: str | None, file: str) -> None:
    """The residue exists once, and has the angle: phi needs a residue before it in the
    chain, psi and omega one after it, chi1 a side chain with a gamma atom."""
    found = [r for r in topology.residues if r.resSeq == number
             and (not chain or (getattr(r.chain, "chain_id", None) or str(r.chain.index)) == chain)]
    if not found:
        raise PlanError(f"there is no residue number {number} in {file}")
    if len(found) > 1:
        raise PlanError(f"residue number {number} appears {len(found)} times in {file}; name the chain")
    residue = found[0]
    neighbours = [r for r in residue.chain.residues if r.is_protein]
    if angle == "phi" and (not neighbours or neighbours[0] is residue):
        raise PlanError(f"{residue} is the first residue of its chain: it has no phi")
    if angle in ("psi", "omega") and (not neighbours or neighbours[-1] is residue):
        raise PlanError(f"{residue} is the last residue of its chain: it has no {angle}")
    if angle == "chi1" and not any(a.name in SIDECHAIN_GAMMA for a in residue.atoms):
        raise PlanError(f"{residue} has no chi1 (no gamma atom)")


def _picks(topology, selection: str, where: str, allow_empty: bool = False):
    try:
        picked = topology.select(selection)
    except Exception as exc:  # noqa: BLE001 - MDTraj raises ValueError and pyparsing errors of its own
        raise PlanError(f"{where}: {selection!r} is not a selection MDTraj understands "
                        f"({str(exc).splitlines()[0][:100]})") from None
    if not len(picked) and not allow_empty:
        raise PlanError(f"{where}: {selection!r} picks no atom")
    return picked
