"""The recipe and parameters a selector should pick for each public dev task
(``bench/dev_agent_tasks.jsonl`` of the shared data): test_recipes runs these plans against the
reference answers, test_slots checks that the task's words give the same parameters."""

# task id → (recipe, parameters); files are given by name, as the tasks name them
DEV_TASK_PLANS = {
    "dev-t01": ("count_residues", {"file": "1vii.pdb"}),
    "dev-t02": ("count_frames", {"file": "1l2y.pdb"}),
    "dev-t03": ("count_residues", {"file": "traj_chicken_villin_HP35_solvated.h5", "selection": "resname CL"}),
    "dev-t04": ("sequence", {"file": "181l.pdb", "chain_id": "A"}),
    "dev-t05": ("distance", {"file": "met_enkephalin.pdb", "selection_1": "resSeq 1 and name N",
                             "selection_2": "resSeq 5 and name C"}),
    "dev-t06": ("radius_of_gyration", {"file": "ala3.pdb"}),
    "dev-t07": ("count_near", {"file": "181l.pdb", "selection": "water and element O", "around": "resname HED",
                               "cutoff_angstrom": 5, "per": "residues"}),
    "dev-t08": ("rmsd", {"file": "traj_pentalanine.h5"}),
    "dev-t09": ("time_info", {"file": "md_1u19.xtc", "topology": "md_1u19.pdb"}),
    "dev-t10": ("secondary_structure_count", {"file": "1l2y.pdb", "code": "H"}),
    "dev-t11": ("sasa_total", {"file": "met_enkephalin.pdb"}),
    "dev-t12": ("count_close_pairs", {"file": "1vii.pdb", "selection": "name CA", "cutoff_angstrom": 10}),
    "dev-t13": ("hbond_count", {"file": "1l2y.pdb"}),
    "dev-t14": ("strip", {"file": "181l.pdb", "remove": "water or resname CL"}),
    "dev-t15": ("strip", {"file": "1sux.pdb", "remove": "water or resname SO4", "save_as": "clean.pdb"}),
}
