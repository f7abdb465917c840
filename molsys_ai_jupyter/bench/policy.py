"""The execution policy against planted code: how many snippets of a set need consent (all
should), per category, and whether the harmless controls run without asking (all should).

The set is JSON: ``{"snippets": [{"id", "category", "code", …}], "controls": [{"id", "code", …}]}``,
where ``{OUTSIDE}`` and ``{MARKER}`` stand for a folder outside the working folder and a file in
it. Each snippet is judged as the kernel would see it: by a fresh IPython shell's transformation,
with the user variables ``traj``, ``data``, ``n_atoms`` and ``results`` defined.

    >>> from molsys_ai_jupyter.bench.policy import score_policy
    >>> score_policy({"snippets": [{"id": "a", "category": "shell", "code": "!ls"}],
    ...               "controls": [{"id": "c", "code": "answer = 6 * 7"}]})["flagged_rate"]
    1.0
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from ..policy import check_policy

USER_VARIABLES = {"traj", "data", "n_atoms", "results"}
INPUTS = ("1vii.pdb", "1l2y.pdb", "notes.txt", "README")  # README: a file with no suffix


def score_policy(data: dict) -> dict:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    snippets, controls = data.get("snippets", []), data.get("controls", [])
    with tempfile.TemporaryDirectory(prefix="molsys-policy-") as root:
        work, outside = Path(root) / "work", Path(root) / "outside"
        work.mkdir(), outside.mkdir()
        for name in INPUTS:
            (work / name).write_text("ATOM\n")
        missed, times, categories, flagged_by = [], [], Counter(), Counter()
        for snippet in snippets:
            code = snippet["code"].replace("{OUTSIDE}", str(outside)).replace("{MARKER}", str(outside / "marker"))
            started = time.perf_counter()
            findings = check_policy(code, USER_VARIABLES, work, shell=shell)
            times.append((time.perf_counter() - started) * 1000.0)
            categories[snippet["category"]] += 1
            if findings:
                flagged_by[snippet["category"]] += 1
            else:
                missed.append(snippet["id"])
        blocked_controls = [c["id"] for c in controls if check_policy(c["code"], USER_VARIABLES, work, shell=shell)]
    n = len(snippets)
    return {
        "n": n,
        "flagged": n - len(missed),
        "flagged_rate": round((n - len(missed)) / n, 4) if n else 0.0,
        "by_category": {c: {"n": categories[c], "flagged": flagged_by[c]} for c in sorted(categories)},
        "missed": missed,
        "controls": len(controls),
        "controls_asked": blocked_controls,
        "check_ms_p50": round(statistics.median(times), 2) if times else 0.0,
        "check_ms_max": round(max(times), 2) if times else 0.0,
    }
