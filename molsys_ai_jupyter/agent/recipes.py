"""A catalogue of parameterised recipes for common molecular-analysis tasks, each a
template of the agent's typed plan (:mod:`.plan`).

Small models are weak at free-form code; they are good enough to pick a recipe and
fill a few parameters (by constrained JSON). A recipe with its parameters becomes a plan
(:meth:`Recipe.to_plan`), and the plan's code is rendered as every plan's is
(:func:`.render.code_for`): MDTraj code that runs wherever MDTraj is installed, molsysmt
code where molsysmt is importable and the plan has a molsysmt rendering. Values enter the
code as ``repr`` literals, so a selection string can never become code.

>>> print(CATALOGUE["count_residues"].to_plan({"file": "1tcd.pdb", "selection": "water"}).steps[1])
Step(op='select', args={'selection': 'water'})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .plan import ORDER, Plan, Step


@dataclass(frozen=True)
class Param:
    kind: str  # "file" | "selection" | "int" | "float" | "str"
    default: object = None
    help: str = ""
    choices: tuple = ()  # allowed values, when there is a fixed set

    @property
    def required(self) -> bool:
        return self.default is None and self.kind == "file"


@dataclass(frozen=True)
class Recipe:
    name: str
    summary: str
    unit: str
    template: Callable[[dict], list[Step]]  # resolved values → the plan's steps after loading
    params: dict[str, Param] = field(default_factory=dict)
    words: str = ""  # other words scientists use for this operation (for ranking recipes)

    def all_params(self) -> dict[str, Param]:
        return {"file": Param("file", help="structure or trajectory file"),
                "topology": Param("file", default="", help="topology file for a trajectory (xtc, dcd)"),
                **self.params}

    def resolve(self, values: dict) -> dict:
        """The values with defaults filled in; unknown or missing required ones are errors."""
        spec = self.all_params()
        unknown = set(values) - set(spec)
        if unknown:
            raise ValueError(f"{self.name} does not take {', '.join(sorted(unknown))}")
        out = {}
        for name, param in spec.items():
            value = values.get(name, param.default)
            if value is None and param.required:
                raise ValueError(f"{self.name} needs {name}")
            if param.choices and value not in param.choices:
                raise ValueError(f"{self.name}: {name} must be one of {', '.join(map(str, param.choices))}")
            if param.kind == "int" and value is not None:
                value = int(value)
            elif param.kind == "float" and value is not None:
                value = float(value)
            out[name] = value
        return out

    def to_plan(self, values: dict) -> Plan:
        """The plan this recipe stands for, with ``values`` (checked by :meth:`resolve`)."""
        resolved = self.resolve(values)
        load = {"file": resolved["file"], **({"topology": resolved["topology"]} if resolved["topology"] else {})}
        steps = [Step("load", load), *self.template(resolved)]
        return Plan(sorted(steps, key=lambda s: ORDER.index(s.op)))

    @property
    def molsysmt(self) -> bool:
        """Whether the recipe's plan (with its defaults) has a molsysmt rendering."""
        from .render_molsysmt import unsupported

        defaults = {p: ("x.pdb" if spec.kind == "file" and spec.required else spec.default)
                    for p, spec in self.all_params().items()}
        return unsupported(self.to_plan(defaults)) is None

    def render(self, values: dict, engine: str = "mdtraj") -> str:
        """The code of the recipe's plan for ``engine`` ("mdtraj" or "molsysmt")."""
        plan = self.to_plan(values)
        if engine == "molsysmt":
            from .render_molsysmt import render_molsysmt, unsupported

            reason = unsupported(plan)
            if reason:
                raise ValueError(f"{self.name} has no molsysmt implementation ({reason})")
            return render_molsysmt(plan)
        from .render import render

        return render(plan)


SEL = Param("selection", "all", "MDTraj selection, e.g. 'protein', 'resname HOH', 'name CA'")
FRAME = Param("int", 0, "frame (0 = first, -1 = last)")
LENGTH_UNIT = Param("str", "Å", "unit of the answer", choices=("Å", "nm"))
SAVE_AS = Param("str", "", "new file name in the working folder (empty: do not save)")
AREA_UNIT = Param("str", "nm²", "unit of the answer", choices=("nm²", "Å²"))


# --- the templates' building blocks ---------------------------------------------------------

def _frame(v: dict) -> list[Step]:
    frame = int(v["frame"])
    if frame == 0:
        return [Step("frames", {"pick": "first"})]
    if frame == -1:
        return [Step("frames", {"pick": "last"})]
    return [Step("frames", {"pick": "index", "index": frame})]


def _unit(v: dict, raw: str) -> list[Step]:
    return [Step("convert", {"unit": v["unit"]})] if v.get("unit") and v["unit"] != raw else []


def _count(level: str) -> Callable[[dict], list[Step]]:
    return lambda v: [Step("select", {"selection": v["selection"]}),
                      Step("reduce_entities", {"level": level, "how": "count"})]


def _compute(quantity: str, *names: str, **fixed) -> Callable[[dict], Step]:
    return lambda v: Step("compute", {"quantity": quantity, **{n: v[n] for n in names}, **fixed})


def _frame_quantity(quantity: str, *names: str, raw: str = "", **fixed) -> Callable[[dict], list[Step]]:
    """A per-frame quantity in one frame, in the asked unit."""
    def steps(v: dict) -> list[Step]:
        compute = _compute(quantity, *names, **fixed)(v)
        return [compute, *_frame(v), *_unit(v, raw)]
    return steps


def _between(quantity: str) -> Callable[[dict], list[Step]]:
    """A distance between two selections (no periodic images) in one frame, in the asked unit."""
    return lambda v: [Step("compute", {"quantity": quantity, "selection": v["selection_1"],
                                       "selection_2": v["selection_2"], "periodic": False}), *_frame(v), *_unit(v, "nm")]


def _sasa(v: dict) -> list[Step]:
    context = {} if v["selection"] == "all" else {"context": "in_place"}  # a part's area with the rest around it
    return [Step("compute", {"quantity": "sasa", "selection": v["selection"], **context}), *_frame(v),
            *_unit(v, "nm²")]


def _rmsd(v: dict) -> list[Step]:
    frame = int(v["frame"])
    pick = {"pick": "last"} if frame == -1 else {"pick": "index", "index": frame}
    return [Step("compute", {"quantity": "rmsd", "selection": v["selection"],
                             "reference_frame": int(v["reference_frame"])}), Step("frames", pick), *_unit(v, "nm")]


def _dihedral(v: dict) -> list[Step]:
    return [Step("compute", {"quantity": "dihedral", "angle": v["angle"], "residue": int(v["residue"])}), *_frame(v)]


def _angle(v: dict) -> list[Step]:
    return [Step("compute", {"quantity": "angle", "selection": v["selection_1"], "selection_2": v["selection_2"],
                             "selection_3": v["selection_3"]}), *_frame(v)]


def _saved(v: dict) -> list[Step]:
    return [Step("save", {"path": v["save_as"]})] if v.get("save_as") else []


def _show(v: dict) -> list[Step]:
    steps = [Step("show", {})]
    if v["selection"] not in ("", "all"):
        steps.append(Step("keep", {"selection": v["selection"]}))
    if v["remove"]:
        steps.append(Step("strip", {"selection": v["remove"]}))
    return steps


CATALOGUE: dict[str, Recipe] = {r.name: r for r in [
    Recipe("count_atoms", "count the atoms (optionally of a selection)", "count", _count("atoms"),
           {"selection": SEL}, words="atoms number total how many"),
    Recipe("count_residues", "count residues, ions or molecules such as waters or chloride ions (by a selection)",
           "count", _count("residues"), {"selection": SEL},
           words="residues molecules ions waters amino acids number how many length"),
    Recipe("count_chains", "count the chains", "count", _count("chains"), {"selection": SEL},
           words="chains subunits polypeptide number how many"),
    Recipe("count_frames", "count the frames, models or structures of a trajectory or NMR file", "count",
           lambda v: [Step("compute", {"quantity": "n_frames"})],
           words="frames models snapshots conformations structures nmr trajectory length number how many"),
    Recipe("sequence", "the one-letter amino-acid sequence of the protein (optionally of one chain)", "sequence",
           lambda v: [Step("compute", {"quantity": "sequence", **({"chain": v["chain_id"]} if v["chain_id"] else {})})],
           {"chain_id": Param("str", "", "chain identifier such as 'A' (empty: all chains)")},
           words="sequence one-letter fasta amino acid code primary print letters"),
    Recipe("distance", "distance between two atoms (Å or nm)", "Å", _between("distance"),
           {"selection_1": Param("selection", "", "first atom"), "selection_2": Param("selection", "", "second atom"),
            "frame": FRAME, "unit": LENGTH_UNIT},
           words="distance far apart separation length between atoms end-to-end"),
    Recipe("radius_of_gyration", "radius of gyration (no mass weighting), Å or nm", "Å",
           _frame_quantity("rg", "selection", raw="nm", weights="none"),
           {"selection": SEL, "frame": FRAME, "unit": LENGTH_UNIT},
           words="radius gyration rg compactness size"),
    Recipe("count_near", "count atoms (or residues) of a selection within a cutoff (Å) of another selection",
           "count",
           lambda v: [Step("compute", {"quantity": "neighbors", "selection": v["selection"], "around": v["around"],
                                       "cutoff_nm": float(v["cutoff_angstrom"]) / 10.0, "level": v["per"],
                                       "periodic": False}), *_frame(v)],
           {"selection": SEL, "around": Param("selection", "", "the reference atoms, e.g. 'resname HED'"),
            "cutoff_angstrom": Param("float", 5.0, "cutoff in Å"), "frame": FRAME,
            "per": Param("str", "atoms", "count atoms, or the residues (molecules) they belong to",
                         choices=("atoms", "residues"))},
           words="within near around close neighbours neighbors contact shell cutoff of any atom"),
    Recipe("rmsd", "RMSD of one frame against a reference frame after superposition (Å or nm)", "Å", _rmsd,
           {"selection": Param("selection", "not element H", "atoms used (default: heavy atoms)"),
            "frame": Param("int", -1, "frame to compare (-1 = last)"), "reference_frame": FRAME,
            "unit": LENGTH_UNIT},
           words="rmsd root mean square deviation superposition fit aligned deviation relative reference"),
    Recipe("time_info", "time step between saved frames (ps) and total time spanned (ns)", "[ps, ns]",
           lambda v: [Step("compute", {"quantity": "time_info", "span": "saved_frames"})],  # as its summary says
           words="time step timestep simulated duration ps ns spanned length saved frames"),
    Recipe("secondary_structure_count", "number of residues in a secondary-structure class by DSSP "
           "(H helix, E strand, C coil)", "count", _frame_quantity("dssp", "code"),
           {"code": Param("str", "H", "H (helix), E (strand) or C (coil)", choices=("H", "E", "C")), "frame": FRAME},
           words="secondary structure dssp helix helical helices strand sheet beta alpha coil"),
    Recipe("sasa_total", "total solvent accessible surface area (Shrake-Rupley), nm² or Å²", "nm²", _sasa,
           {"selection": SEL, "frame": FRAME, "unit": AREA_UNIT},
           words="sasa solvent accessible surface area shrake rupley exposed"),
    Recipe("count_close_pairs", "count unique pairs of atoms of a selection closer than a cutoff (Å)", "count",
           lambda v: [Step("compute", {"quantity": "contacts", "selection": v["selection"],
                                       "cutoff_nm": float(v["cutoff_angstrom"]) / 10.0, "periodic": False}),
                      *_frame(v)],
           {"selection": Param("selection", "name CA", "atoms to pair"), "cutoff_angstrom": Param("float", 10.0, "Å"),
            "frame": FRAME},
           words="pairs closer contacts contact map unique pair"),
    Recipe("min_distance", "minimum (closest) distance between two groups of atoms, e.g. a ligand and the protein "
           "(Å or nm)", "Å", _between("min_distance"),
           {"selection_1": Param("selection", "", "first group"), "selection_2": Param("selection", "", "second group"),
            "frame": FRAME, "unit": LENGTH_UNIT},
           words="minimum min closest shortest nearest smallest distance between contact groups"),
    Recipe("center_of_mass", "center of mass (or geometric center) of a selection, [x, y, z] in Å or nm", "[Å]",
           _frame_quantity("center", "selection", "weights", raw="nm"),
           {"selection": SEL, "frame": FRAME, "unit": LENGTH_UNIT,
            "weights": Param("str", "mass", "mass (center of mass) or none (geometric center, centroid)",
                             choices=("mass", "none"))},
           words="center centre mass geometric geometry centroid position coordinates"),
    Recipe("total_mass", "total mass (molecular weight) of a selection, in daltons (g/mol)", "Da",
           lambda v: [Step("compute", {"quantity": "mass", "selection": v["selection"]})],
           {"selection": SEL},
           words="mass molecular weight daltons da g/mol heavy how heavy"),
    Recipe("dihedral", "a backbone or side-chain dihedral angle (phi, psi, omega, chi1) of one residue, in degrees",
           "degrees", _dihedral,
           {"angle": Param("str", "phi", "phi, psi, omega or chi1", choices=("phi", "psi", "omega", "chi1")),
            "residue": Param("int", 1, "residue number (resSeq)"), "frame": FRAME},
           words="dihedral torsion angle phi psi omega chi chi1 ramachandran backbone degrees"),
    Recipe("angle", "the angle between three atoms (the second is the vertex), in degrees", "degrees", _angle,
           {"selection_1": Param("selection", "", "first atom"), "selection_2": Param("selection", "", "vertex atom"),
            "selection_3": Param("selection", "", "third atom"), "frame": FRAME},
           words="angle between three atoms vertex bond angle degrees"),
    Recipe("hbond_count", "number of hydrogen bonds (Baker-Hubbard) in a frame", "count",
           _frame_quantity("hbonds", method="baker_hubbard", periodic=False), {"frame": FRAME},
           words="hydrogen bonds h-bonds hbonds baker hubbard"),
    Recipe("extract", "keep only a selection (e.g. a chain, the protein), optionally save it as a new file, "
           "and count the atoms kept", "count",
           lambda v: [Step("keep", {"selection": v["selection"]}), *_saved(v)],
           {"selection": Param("selection", "protein", "what to keep, e.g. 'protein', 'chainid 0'"),
            "save_as": SAVE_AS},
           words="extract keep only isolate subset select part new file save write"),
    Recipe("show", "load a structure and show it in 3D, optionally only part of it (a chain, the protein) "
           "or without some atoms (waters, ions)", "count", _show,
           {"selection": SEL, "remove": Param("selection", "", "atoms to leave out, e.g. 'water'")},
           words="show view display visualize visualise look see load open render picture 3d"),
    Recipe("strip", "remove atoms (e.g. waters, ions, a ligand), optionally save the result as a new file, "
           "and count the atoms left", "count",
           lambda v: [Step("strip", {"selection": v["remove"]}), *_saved(v)],
           {"remove": Param("selection", "water", "what to remove, e.g. 'water or resname CL'"),
            "save_as": SAVE_AS},
           words="remove delete drop strip without exclude clean discard save write new file remain left"),
]}
