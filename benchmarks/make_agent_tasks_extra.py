"""Write ``agent_tasks_extra.jsonl``: agent tasks beyond the public dev set, in its format,
to check that the agent generalises (other wordings, other files, other parameters).

Each task's answer comes from running its own MDTraj reference code, written
independently of the agent's recipes. Run from the project root:

    STRUCTURES_DIR=<data>/data/structures python benchmarks/make_agent_tasks_extra.py
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path

HEADER = ("import os\nimport numpy as np\nimport mdtraj as md\n"
          "DATA = os.environ.get('STRUCTURES_DIR', 'shared/data/structures')\n")
COUNT = {"abs": 0}

# (id, task, files, tolerance, unit, reference code after HEADER)
TASKS = [
    ("x01", "What is the number of atoms in barnase_barstar.pdb?", ["barnase_barstar.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, 'barnase_barstar.pdb'))\nanswer = int(t.n_atoms)\n"),
    ("x02", "Count the water molecules in 1tcd.pdb.", ["1tcd.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, '1tcd.pdb'))\nanswer = sum(1 for r in t.topology.residues if r.is_water)\n"),
    ("x03", "How many sulfate ions are there in 1sux.pdb?", ["1sux.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, '1sux.pdb'))\nanswer = sum(1 for r in t.topology.residues if r.name == 'SO4')\n"),
    ("x04", "Give me the amino-acid sequence of 1vii.pdb in one-letter code.", ["1vii.pdb"], {"exact": True},
     "one-letter sequence",
     "t = md.load(os.path.join(DATA, '1vii.pdb'))\nanswer = ''.join(r.code for r in t.topology.residues if r.is_protein)\n"),
    ("x05", "Radius of gyration of the CA atoms of 1vii.pdb, in nm.", ["1vii.pdb"], {"rel": 0.01}, "nm",
     "t = md.load(os.path.join(DATA, '1vii.pdb'))\n"
     "answer = float(md.compute_rg(t.atom_slice(t.topology.select('name CA')))[0])\n"),
    ("x06", "What is the total solvent accessible surface area of ala3.pdb in Å^2 (Shrake-Rupley)?", ["ala3.pdb"],
     {"rel": 0.01}, "Å²",
     "t = md.load(os.path.join(DATA, 'ala3.pdb'))\nanswer = float(md.shrake_rupley(t).sum()) * 100.0\n"),
    ("x07", "In the first model of 1l2y.pdb, what is the distance between the CA of residue 1 and the CA of "
     "residue 20, in nm?", ["1l2y.pdb"], {"abs": 0.001}, "nm",
     "t = md.load(os.path.join(DATA, '1l2y.pdb'))[0]\n"
     "a = t.topology.select('resSeq 1 and name CA')[0]\nb = t.topology.select('resSeq 20 and name CA')[0]\n"
     "answer = float(md.compute_distances(t, [[a, b]], periodic=False)[0, 0])\n"),
    ("x08", "How many frames are stored in traj_pentalanine.h5?", ["traj_pentalanine.h5"], COUNT, "count",
     "t = md.load(os.path.join(DATA, 'traj_pentalanine.h5'))\nanswer = int(t.n_frames)\n"),
    ("x09", "How many hydrogen atoms does met_enkephalin.pdb contain?", ["met_enkephalin.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, 'met_enkephalin.pdb'))\n"
     "answer = sum(1 for a in t.topology.atoms if a.element.symbol == 'H')\n"),
    ("x10", "Delete all water molecules from traj_chicken_villin_HP35_solvated.h5; how many atoms are left?",
     ["traj_chicken_villin_HP35_solvated.h5"], COUNT, "count",
     "t = md.load(os.path.join(DATA, 'traj_chicken_villin_HP35_solvated.h5'), frame=0)\n"
     "answer = int(len(t.topology.select('not water')))\n"),
    ("x11", "How many residues have at least one atom within 4 Å of the BTS ligand in 1sux.pdb "
     "(not counting the ligand itself)?", ["1sux.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, '1sux.pdb'))\nlig = t.topology.select('resname BTS')\n"
     "others = np.setdiff1d(np.arange(t.n_atoms), lig)\n"
     "near = md.compute_neighbors(t, 0.4, lig, haystack_indices=others, periodic=False)[0]\n"
     "answer = len({t.topology.atom(i).residue.index for i in near})\n"),
    ("x12", "How many chains are in 1tcd.pdb according to MDTraj?", ["1tcd.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, '1tcd.pdb'))\nanswer = int(t.n_chains)\n"),
    ("x13", "RMSD between the first and the last frame of traj_pentalanine.h5 using only CA atoms, in angstrom.",
     ["traj_pentalanine.h5"], {"abs": 0.01}, "Å",
     "t = md.load(os.path.join(DATA, 'traj_pentalanine.h5'))\nca = t.topology.select('name CA')\n"
     "answer = float(md.rmsd(t[-1], t, 0, atom_indices=ca)[0]) * 10.0\n"),
    ("x14", "How many residues of 1vii.pdb are in a helix according to the simplified DSSP of MDTraj?",
     ["1vii.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, '1vii.pdb'))\n"
     "answer = int((md.compute_dssp(t, simplified=True)[0] == 'H').sum())\n"),
    ("x15", "Number of residues in beta strands (E) in 1tcd.pdb by simplified DSSP.", ["1tcd.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, '1tcd.pdb'))\n"
     "answer = int((md.compute_dssp(t, simplified=True)[0] == 'E').sum())\n"),
    ("x16", "Count the hydrogen bonds in met_enkephalin.pdb with the Baker-Hubbard criterion.",
     ["met_enkephalin.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, 'met_enkephalin.pdb'))\n"
     "answer = int(len(md.baker_hubbard(t, periodic=False)))\n"),
    ("x17", "For traj_pentalanine.h5, report the time between saved frames in ps and the total time covered "
     "in ns, as [dt_ps, total_ns].", ["traj_pentalanine.h5"], {"rel": 0.001}, "[ps, ns]",
     "t = md.load(os.path.join(DATA, 'traj_pentalanine.h5'))\n"
     "answer = [float(t.timestep), float(t.time[-1] - t.time[0]) / 1000.0]\n"),
    ("x18", "How many oxygen atoms are in caffeine.mol2?", ["caffeine.mol2"], COUNT, "count",
     "t = md.load(os.path.join(DATA, 'caffeine.mol2'))\n"
     "answer = sum(1 for a in t.topology.atoms if a.element.symbol == 'O')\n"),
    ("x19", "In the first frame of traj_chicken_villin_HP35_solvated.h5, how many water oxygens are within "
     "3.5 Å of the protein?", ["traj_chicken_villin_HP35_solvated.h5"], COUNT, "count",
     "t = md.load(os.path.join(DATA, 'traj_chicken_villin_HP35_solvated.h5'), frame=0)\n"
     "prot = t.topology.select('protein')\nwat = t.topology.select('water and element O')\n"
     "answer = int(len(md.compute_neighbors(t, 0.35, prot, haystack_indices=wat, periodic=False)[0]))\n"),
    ("x20", "How many residues does 1l2y.pdb have?", ["1l2y.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, '1l2y.pdb'))\nanswer = int(t.n_residues)\n"),
    ("x21", "What is the radius of gyration of the protein in barnase_barstar.pdb, in angstroms?",
     ["barnase_barstar.pdb"], {"rel": 0.01}, "Å",
     "t = md.load(os.path.join(DATA, 'barnase_barstar.pdb'))\n"
     "answer = float(md.compute_rg(t.atom_slice(t.topology.select('protein')))[0]) * 10.0\n"),
    ("x22", "Save 181l.pdb without its waters as dry.pdb, load the new file and tell me its number of atoms.",
     ["181l.pdb"], COUNT, "count",
     "import tempfile\nt = md.load(os.path.join(DATA, '181l.pdb'))\n"
     "out = os.path.join(tempfile.mkdtemp(), 'dry.pdb')\nt.atom_slice(t.topology.select('not water')).save(out)\n"
     "answer = int(md.load(out).n_atoms)\n"),
    ("x23", "How many atoms does md_1u19.xtc have (topology md_1u19.pdb)?", ["md_1u19.xtc", "md_1u19.pdb"],
     COUNT, "count",
     "t = md.load(os.path.join(DATA, 'md_1u19.xtc'), top=os.path.join(DATA, 'md_1u19.pdb'))\n"
     "answer = int(t.n_atoms)\n"),
    ("x24", "How many frames does md_1u19.xtc contain? Its topology is md_1u19.pdb.", ["md_1u19.xtc", "md_1u19.pdb"],
     COUNT, "count",
     "t = md.load(os.path.join(DATA, 'md_1u19.xtc'), top=os.path.join(DATA, 'md_1u19.pdb'))\n"
     "answer = int(t.n_frames)\n"),
    ("x25", "How many pairs of CA atoms in 1l2y.pdb (first model) are closer than 8 Å?", ["1l2y.pdb"], COUNT, "count",
     "import itertools\nt = md.load(os.path.join(DATA, '1l2y.pdb'))[0]\nca = t.topology.select('name CA')\n"
     "d = md.compute_distances(t, list(itertools.combinations(ca, 2)), periodic=False)[0]\n"
     "answer = int((d < 0.8).sum())\n"),
    ("x26", "How many tryptophan residues are in 181l.pdb?", ["181l.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, '181l.pdb'))\nanswer = sum(1 for r in t.topology.residues if r.name == 'TRP')\n"),
    ("x27", "What is the SASA of the last frame of traj_pentalanine.h5 in nm^2?", ["traj_pentalanine.h5"],
     {"rel": 0.01}, "nm²",
     "t = md.load(os.path.join(DATA, 'traj_pentalanine.h5'))\nanswer = float(md.shrake_rupley(t[-1]).sum())\n"),
    ("x28", "Distance in Å between the N atom of residue 1 and the C atom of residue 3 in ala3.pdb.", ["ala3.pdb"],
     {"abs": 0.01}, "Å",
     "t = md.load(os.path.join(DATA, 'ala3.pdb'))\n"
     "a = t.topology.select('resSeq 1 and name N')[0]\nb = t.topology.select('resSeq 3 and name C')[0]\n"
     "answer = float(md.compute_distances(t, [[a, b]], periodic=False)[0, 0]) * 10.0\n"),
    ("x29", "How many atoms are in chain B of 1tcd.pdb, waters included?", ["1tcd.pdb"], COUNT, "count",
     "t = md.load(os.path.join(DATA, '1tcd.pdb'))\n"
     "answer = sum(1 for a in t.topology.atoms if a.residue.chain.chain_id == 'B')\n"),
    ("x30", "How many sodium or chloride ions are there in traj_chicken_villin_HP35_solvated.h5?",
     ["traj_chicken_villin_HP35_solvated.h5"], COUNT, "count",
     "t = md.load(os.path.join(DATA, 'traj_chicken_villin_HP35_solvated.h5'), frame=0)\n"
     "answer = sum(1 for r in t.topology.residues if r.name in ('NA', 'CL'))\n"),
    ("x31", "What is the psi angle of residue 2 in ala3.pdb, in degrees?", ["ala3.pdb"], {"abs": 0.1}, "degrees",
     "t = md.load(os.path.join(DATA, 'ala3.pdb'))\n"
     "n, ca, c = (t.topology.select(f'resSeq 2 and name {a}')[0] for a in ('N', 'CA', 'C'))\n"
     "n3 = t.topology.select('resSeq 3 and name N')[0]\n"
     "answer = float(np.degrees(md.compute_dihedrals(t, [[n, ca, c, n3]], periodic=False)[0, 0]))\n"),
    ("x32", "What is the molecular weight of met_enkephalin.pdb in daltons (sum of the atomic masses)?",
     ["met_enkephalin.pdb"], {"rel": 0.001}, "Da",
     "t = md.load(os.path.join(DATA, 'met_enkephalin.pdb'))\n"
     "answer = float(sum(a.element.mass for a in t.topology.atoms))\n"),
    ("x33", "What is the minimum distance between the HED ligand and the protein in 181l.pdb, in Å?", ["181l.pdb"],
     {"abs": 0.01}, "Å",
     "t = md.load(os.path.join(DATA, '181l.pdb'))\nlig = t.topology.select('resname HED')\n"
     "prot = t.topology.select('protein')\n"
     "d = md.compute_distances(t, [(a, b) for a in lig for b in prot], periodic=False)[0]\n"
     "answer = float(d.min()) * 10.0\n"),
    ("x34", "Give the geometric center of ala3.pdb in nm as [x, y, z].", ["ala3.pdb"], {"abs": 0.001}, "nm",
     "t = md.load(os.path.join(DATA, 'ala3.pdb'))\nanswer = [float(x) for x in t.xyz[0].mean(axis=0)]\n"),
    ("x35", "phi dihedral of residue 50 in 1vii.pdb (degrees)", ["1vii.pdb"], {"abs": 0.1}, "degrees",
     "t = md.load(os.path.join(DATA, '1vii.pdb'))\n"
     "r = [r for r in t.topology.residues if r.resSeq == 50][0]\n"
     "prev = [x for x in t.topology.residues if x.index == r.index - 1][0]\n"
     "quartet = [prev.atom('C').index, r.atom('N').index, r.atom('CA').index, r.atom('C').index]\n"
     "answer = float(np.degrees(md.compute_dihedrals(t, [quartet], periodic=False)[0, 0]))\n"),
]


def main() -> None:
    out = Path(__file__).with_name("agent_tasks_extra.jsonl")
    lines = []
    for task_id, task, files, tolerance, unit, body in TASKS:
        code = HEADER + body
        namespace: dict = {}
        with warnings.catch_warnings(), tempfile.TemporaryDirectory():
            warnings.simplefilter("ignore")
            exec(compile(code, task_id, "exec"), namespace)  # noqa: S102 - our own reference code
        answer = namespace["answer"]
        lines.append(json.dumps({"id": task_id, "task": task, "files": files, "answer": answer,
                                 "tolerance": tolerance, "unit": unit, "reference_code": code}, ensure_ascii=False))
        print(task_id, repr(answer)[:60])
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(lines)} tasks)")


if __name__ == "__main__":
    os.environ.setdefault("STRUCTURES_DIR", "shared/data/structures")
    main()
