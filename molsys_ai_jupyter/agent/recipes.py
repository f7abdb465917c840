"""A catalogue of verified, parameterised recipes for common molecular-analysis tasks.

Small models are weak at free-form code; they are good enough to pick a recipe and
fill a few parameters (by constrained JSON). Each recipe renders plain, readable
code that sets ``answer`` (a number, list or string) — an MDTraj implementation
that runs wherever MDTraj is installed, and a molsysmt one, used when molsysmt is
importable and checked against the API registry either way.

Parameter values are always inserted with ``repr`` so a selection string can never
become code. A template line written ``?name rest`` is kept (as ``rest``) only when the
parameter ``name`` is set, and ``?name=value rest`` only when it has that value, so the
code shown to the user has no dead branches. A recipe with a ``unit`` parameter (fixed
choices) gets ``{scale}`` (the factor from MDTraj's nm) and ``{unit_word}`` (the
pyunitwizard unit name) in its templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MDTRAJ_LOAD = "import mdtraj as md\n\ntraj = md.load({file})\n"
MDTRAJ_LOAD_WITH_TOPOLOGY = "import mdtraj as md\n\ntraj = md.load({file}, top={topology})\n"
MOLSYSMT_LOAD = "import molsysmt as msm\n\nmolecular_system = msm.convert({file})\n"
UNIT_SCALE = {"Å": "10.0", "nm": "1.0", "Å²": "100.0", "nm²": "1.0"}  # from MDTraj's nm
# which atom of MDTraj's dihedral quartet belongs to the residue the angle is named after
# (phi: C(i-1) N(i) CA(i) C(i); psi: N(i) CA(i) C(i) N(i+1); omega: CA(i) C(i) N(i+1) CA(i+1); chi1: within i)
DIHEDRAL_OWNER = {"phi": "1", "psi": "0", "omega": "0", "chi1": "0"}
UNIT_WORD = {"Å": "'angstroms'", "nm": "'nanometers'", "Å²": "'angstroms**2'", "nm²": "'nanometers**2'"}


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
    mdtraj: str  # body after loading; may use {params}
    molsysmt: str | None = None
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

    def render(self, values: dict, engine: str = "mdtraj") -> str:
        resolved = self.resolve(values)
        quoted = {k: repr(v) for k, v in resolved.items()}
        if "angle" in resolved and resolved["angle"] in DIHEDRAL_OWNER:  # fixed choices: our own literals
            quoted.update(angle=resolved["angle"], owner=DIHEDRAL_OWNER[resolved["angle"]])
        if "unit" in resolved:  # fixed choices, so these are our own literals
            quoted.update(scale=UNIT_SCALE[resolved["unit"]], unit_word=UNIT_WORD[resolved["unit"]],
                          unit_label=resolved["unit"])

        def body(template: str) -> str:
            lines = []
            for line in template.splitlines(keepends=True):
                if line.startswith("?"):
                    condition, _, rest = line[1:].partition(" ")
                    name, equals, wanted = condition.partition("=")
                    if (resolved.get(name) != wanted) if equals else not resolved.get(name):
                        continue
                    line = rest
                lines.append(line)
            return "".join(lines).format(**quoted)

        if engine == "molsysmt":
            if self.molsysmt is None:
                raise ValueError(f"{self.name} has no molsysmt implementation")
            return MOLSYSMT_LOAD.format(**quoted) + body(self.molsysmt)
        load = MDTRAJ_LOAD_WITH_TOPOLOGY if resolved["topology"] else MDTRAJ_LOAD
        return load.format(**quoted) + body(self.mdtraj)


SEL = Param("selection", "all", "MDTraj selection, e.g. 'protein', 'resname HOH', 'name CA'")
FRAME = Param("int", 0, "frame (0 = first, -1 = last)")
LENGTH_UNIT = Param("str", "Å", "unit of the answer", choices=("Å", "nm"))
# the atoms "show" keeps: its selection, less what is to be left out (both engines)
SHOWN_SELECTION = ("?remove= selection = {selection}\n"
                   "?remove selection = '(' + {selection} + ') and not (' + {remove} + ')'\n")
SAVE_AS = Param("str", "", "new file name in the working folder (empty: do not save)")
AREA_UNIT = Param("str", "nm²", "unit of the answer", choices=("nm²", "Å²"))

CATALOGUE: dict[str, Recipe] = {r.name: r for r in [
    Recipe("count_atoms", "count the atoms (optionally of a selection)", "count",
           "answer = int(len(traj.topology.select({selection})))\n",
           "answer = msm.get(molecular_system, element='atom', selection={selection}, n_atoms=True)\n",
           {"selection": SEL},
           words="atoms number total how many"),
    Recipe("count_residues", "count residues, ions or molecules such as waters or chloride ions (by a selection)",
           "count",
           "atoms = traj.topology.select({selection})\n"
           "answer = len({{traj.topology.atom(i).residue.index for i in atoms}})\n",
           "answer = msm.get(molecular_system, element='group', selection={selection}, n_groups=True)\n",
           {"selection": SEL},
           words="residues molecules ions waters amino acids number how many length"),
    Recipe("count_chains", "count the chains", "count",
           "atoms = traj.topology.select({selection})\n"
           "answer = len({{traj.topology.atom(i).residue.chain.index for i in atoms}})\n",
           "answer = msm.get(molecular_system, element='chain', selection={selection}, n_chains=True)\n",
           {"selection": SEL},
           words="chains subunits polypeptide number how many"),
    Recipe("count_frames", "count the frames, models or structures of a trajectory or NMR file", "count",
           "answer = int(traj.n_frames)\n",
           "answer = msm.get(molecular_system, n_structures=True)\n",
           words="frames models snapshots conformations structures nmr trajectory length number how many"),
    Recipe("sequence", "the one-letter amino-acid sequence of the protein (optionally of one chain)", "sequence",
           "residues = [r for r in traj.topology.residues if r.is_protein]\n"
           "?chain_id residues = [r for r in residues if r.chain.chain_id == {chain_id}]\n"
           "answer = ''.join(r.code for r in residues)\n",
           None,
           {"chain_id": Param("str", "", "chain identifier such as 'A' (empty: all chains)")},
           words="sequence one-letter fasta amino acid code primary print letters"),
    Recipe("distance", "distance between two atoms (Å or nm)", "Å",
           "a = traj.topology.select({selection_1})[0]\n"
           "b = traj.topology.select({selection_2})[0]\n"
           "d = md.compute_distances(traj[{frame}], [[a, b]], periodic=False)[0, 0]  # nm\n"
           "answer = float(d) * {scale}  # in {unit_label}\n",
           "import pyunitwizard as puw\n"
           "d = msm.structure.get_distances(molecular_system, selection={selection_1}, selection_2={selection_2},\n"
           "                                structure_indices={frame}, pbc=False, syntax='MDTraj')\n"
           "answer = float(puw.get_value(puw.convert(d[0, 0, 0], to_unit={unit_word})))\n",
           {"selection_1": Param("selection", "", "first atom"), "selection_2": Param("selection", "", "second atom"),
            "frame": FRAME, "unit": LENGTH_UNIT},
           words="distance far apart separation length between atoms end-to-end"),
    Recipe("radius_of_gyration", "radius of gyration (no mass weighting), Å or nm", "Å",
           "atoms = traj.topology.select({selection})\n"
           "rg = md.compute_rg(traj.atom_slice(atoms)[{frame}])[0]  # nm\n"
           "answer = float(rg) * {scale}  # in {unit_label}\n",
           "import pyunitwizard as puw\n"
           "rg = msm.structure.get_radius_of_gyration(molecular_system, selection={selection}, syntax='MDTraj')\n"
           "answer = float(puw.get_value(puw.convert(rg[{frame}], to_unit={unit_word})))\n",
           {"selection": SEL, "frame": FRAME, "unit": LENGTH_UNIT},
           words="radius gyration rg compactness size"),
    Recipe("count_near", "count atoms (or residues) of a selection within a cutoff (Å) of another selection",
           "count",
           "import numpy as np\n"
           "around = traj.topology.select({around})\n"
           "candidates = np.setdiff1d(traj.topology.select({selection}), around)  # not the reference itself\n"
           "near = md.compute_neighbors(traj[{frame}], {cutoff_angstrom} / 10.0, around,\n"
           "                            haystack_indices=candidates, periodic=False)[0]\n"
           "?per=atoms answer = int(len(near))\n"
           "?per=residues answer = len({{traj.topology.atom(i).residue.index for i in near}})\n",
           None,
           {"selection": SEL, "around": Param("selection", "", "the reference atoms, e.g. 'resname HED'"),
            "cutoff_angstrom": Param("float", 5.0, "cutoff in Å"), "frame": FRAME,
            "per": Param("str", "atoms", "count atoms, or the residues (molecules) they belong to",
                         choices=("atoms", "residues"))},
           words="within near around close neighbours neighbors contact shell cutoff of any atom"),
    Recipe("rmsd", "RMSD of one frame against a reference frame after superposition (Å or nm)", "Å",
           "atoms = traj.topology.select({selection})\n"
           "rmsd = md.rmsd(traj[{frame}], traj, {reference_frame}, atom_indices=atoms)[0]  # nm\n"
           "answer = float(rmsd) * {scale}  # in {unit_label}\n",
           None,
           {"selection": Param("selection", "not element H", "atoms used (default: heavy atoms)"),
            "frame": Param("int", -1, "frame to compare (-1 = last)"), "reference_frame": FRAME,
            "unit": LENGTH_UNIT},
           words="rmsd root mean square deviation superposition fit aligned deviation relative reference"),
    Recipe("time_info", "time step between saved frames (ps) and total time spanned (ns)", "[ps, ns]",
           "answer = [float(traj.timestep), float(traj.time[-1] - traj.time[0]) / 1000.0]\n",
           words="time step timestep simulated duration ps ns spanned length saved frames"),
    Recipe("secondary_structure_count", "number of residues in a secondary-structure class by DSSP "
           "(H helix, E strand, C coil)", "count",
           "ss = md.compute_dssp(traj[{frame}], simplified=True)[0]\n"
           "answer = int((ss == {code}).sum())\n",
           None,
           {"code": Param("str", "H", "H (helix), E (strand) or C (coil)", choices=("H", "E", "C")), "frame": FRAME},
           words="secondary structure dssp helix helical helices strand sheet beta alpha coil"),
    Recipe("sasa_total", "total solvent accessible surface area (Shrake-Rupley), nm² or Å²", "nm²",
           "atoms = traj.topology.select({selection})\n"
           "sasa = md.shrake_rupley(traj[{frame}], mode='atom')[0][atoms].sum()  # nm²\n"
           "answer = float(sasa) * {scale}  # in {unit_label}\n",
           None,
           {"selection": SEL, "frame": FRAME, "unit": AREA_UNIT},
           words="sasa solvent accessible surface area shrake rupley exposed"),
    Recipe("count_close_pairs", "count unique pairs of atoms of a selection closer than a cutoff (Å)", "count",
           "import itertools\n"
           "atoms = traj.topology.select({selection})\n"
           "pairs = list(itertools.combinations(atoms, 2))\n"
           "d = md.compute_distances(traj[{frame}], pairs, periodic=False)[0]\n"
           "answer = int((d < {cutoff_angstrom} / 10.0).sum())\n",
           None,
           {"selection": Param("selection", "name CA", "atoms to pair"), "cutoff_angstrom": Param("float", 10.0, "Å"),
            "frame": FRAME},
           words="pairs closer contacts contact map unique pair"),
    Recipe("min_distance", "minimum (closest) distance between two groups of atoms, e.g. a ligand and the protein "
           "(Å or nm)", "Å",
           "import itertools\n"
           "group_1 = traj.topology.select({selection_1})\n"
           "group_2 = traj.topology.select({selection_2})\n"
           "pairs = [(a, b) for a, b in itertools.product(group_1, group_2) if a != b]\n"
           "d = md.compute_distances(traj[{frame}], pairs, periodic=False)[0].min()  # nm\n"
           "answer = float(d) * {scale}  # in {unit_label}\n",
           None,
           {"selection_1": Param("selection", "", "first group"), "selection_2": Param("selection", "", "second group"),
            "frame": FRAME, "unit": LENGTH_UNIT},
           words="minimum min closest shortest nearest smallest distance between contact groups"),
    Recipe("center_of_mass", "center of mass (or geometric center) of a selection, [x, y, z] in Å or nm", "[Å]",
           "atoms = traj.topology.select({selection})\n"
           "part = traj.atom_slice(atoms)[{frame}]\n"
           "?weights=mass center = md.compute_center_of_mass(part)[0]  # nm\n"
           "?weights=none center = md.compute_center_of_geometry(part)[0]  # nm\n"
           "answer = [float(x) * {scale} for x in center]  # in {unit_label}\n",
           None,
           {"selection": SEL, "frame": FRAME, "unit": LENGTH_UNIT,
            "weights": Param("str", "mass", "mass (center of mass) or none (geometric center, centroid)",
                             choices=("mass", "none"))},
           words="center centre mass geometric geometry centroid position coordinates"),
    Recipe("total_mass", "total mass (molecular weight) of a selection, in daltons (g/mol)", "Da",
           "atoms = traj.topology.select({selection})\n"
           "answer = float(sum(traj.topology.atom(i).element.mass for i in atoms))\n",
           None,
           {"selection": SEL},
           words="mass molecular weight daltons da g/mol heavy how heavy"),
    Recipe("dihedral", "a backbone or side-chain dihedral angle (phi, psi, omega, chi1) of one residue, in degrees",
           "degrees",
           "import numpy as np\n"
           "indices, angles = md.compute_{angle}(traj[{frame}])\n"
           "rows = [n for n, quartet in enumerate(indices)\n"
           "        if traj.topology.atom(quartet[{owner}]).residue.resSeq == {residue}]\n"
           "answer = float(np.degrees(angles[0, rows[0]]))\n",
           None,
           {"angle": Param("str", "phi", "phi, psi, omega or chi1", choices=("phi", "psi", "omega", "chi1")),
            "residue": Param("int", 1, "residue number (resSeq)"), "frame": FRAME},
           words="dihedral torsion angle phi psi omega chi chi1 ramachandran backbone degrees"),
    Recipe("angle", "the angle between three atoms (the second is the vertex), in degrees", "degrees",
           "import numpy as np\n"
           "triplet = [traj.topology.select(s)[0] for s in ({selection_1}, {selection_2}, {selection_3})]\n"
           "answer = float(np.degrees(md.compute_angles(traj[{frame}], [triplet], periodic=False)[0, 0]))\n",
           None,
           {"selection_1": Param("selection", "", "first atom"), "selection_2": Param("selection", "", "vertex atom"),
            "selection_3": Param("selection", "", "third atom"), "frame": FRAME},
           words="angle between three atoms vertex bond angle degrees"),
    Recipe("hbond_count", "number of hydrogen bonds (Baker-Hubbard) in a frame", "count",
           "answer = int(len(md.baker_hubbard(traj[{frame}], periodic=False)))\n",
           None,
           {"frame": FRAME},
           words="hydrogen bonds h-bonds hbonds baker hubbard"),
    Recipe("extract", "keep only a selection (e.g. a chain, the protein), optionally save it as a new file, "
           "and count the atoms kept", "count",
           "kept = traj.atom_slice(traj.topology.select({selection}))\n"
           "?save_as kept.save({save_as})\n"
           "answer = int(kept.n_atoms)\n",
           "kept = msm.extract(molecular_system, selection={selection}, syntax='MDTraj')\n"
           "?save_as msm.convert(kept, to_form={save_as})\n"
           "answer = msm.get(kept, n_atoms=True)\n",
           {"selection": Param("selection", "protein", "what to keep, e.g. 'protein', 'chainid 0'"),
            "save_as": SAVE_AS},
           words="extract keep only isolate subset select part new file save write"),
    Recipe("show", "load a structure and show it in 3D, optionally only part of it (a chain, the protein) "
           "or without some atoms (waters, ions)", "count",
           SHOWN_SELECTION +
           "shown = traj.atom_slice(traj.topology.select(selection))\n"
           "answer = int(shown.n_atoms)\n",
           SHOWN_SELECTION +
           "shown = msm.extract(molecular_system, selection=selection, syntax='MDTraj')\n"
           "answer = msm.get(shown, n_atoms=True)\n",
           {"selection": SEL, "remove": Param("selection", "", "atoms to leave out, e.g. 'water'")},
           words="show view display visualize visualise look see load open render picture 3d"),
    Recipe("strip", "remove atoms (e.g. waters, ions, a ligand), optionally save the result as a new file, "
           "and count the atoms left", "count",
           "kept = traj.topology.select('not (' + {remove} + ')')\n"
           "stripped = traj.atom_slice(kept)\n"
           "?save_as stripped.save({save_as})\n"
           "?save_as stripped = md.load({save_as})\n"
           "answer = int(stripped.n_atoms)\n",
           "stripped = msm.remove(molecular_system, selection={remove}, syntax='MDTraj')\n"
           "answer = msm.get(stripped, n_atoms=True)\n",
           {"remove": Param("selection", "water", "what to remove, e.g. 'water or resname CL'"),
            "save_as": SAVE_AS},
           words="remove delete drop strip without exclude clean discard save write new file remain left"),
]}
