"""benchmarks/md_tasks.jsonl, the blind set of simulation-workflow requests: well formed, and
each request's independent reference code (OpenMM and PDBFixer on the CPU platform, fixed
seeds) still gives the answer recorded with it, within its tolerance, with the OpenMM and
PDBFixer this project installs. A set whose answers drift with a library's release would
score the agent against the wrong numbers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

TASKS_FILE = Path(__file__).resolve().parents[1] / "benchmarks" / "md_tasks.jsonl"
TASKS = [json.loads(line) for line in TASKS_FILE.read_text().splitlines() if line.strip()]
CATEGORIES = {"prepare", "build", "system", "minimise", "simulate", "analyse", "impossible"}


class TestTheSet:
    def test_is_well_formed(self):
        assert len(TASKS) >= 15
        assert len({t["id"] for t in TASKS}) == len(TASKS)
        for task in TASKS:
            assert {"id", "task", "files", "answer", "tolerance", "unit", "reference_code", "category"} <= set(task)
            assert task["category"] in CATEGORIES, task["id"]
            assert (task["answer"] is None) == (task["category"] == "impossible"), task["id"]
            assert set(task["tolerance"]) <= {"abs", "rel"} and task["tolerance"], task["id"]
        assert {t["category"] for t in TASKS} == CATEGORIES  # every kind of step is asked for


def _agrees(got, task) -> bool:
    expected, tolerance = task["answer"], task["tolerance"]
    if expected is None:
        return got is None
    if got is None or not math.isfinite(float(got)):
        return False
    allowed = max(tolerance.get("abs", 0.0), tolerance.get("rel", 0.0) * abs(expected))
    return abs(float(got) - expected) <= allowed


@pytest.mark.slow
class TestReferenceAnswers:
    @pytest.mark.parametrize("task", TASKS, ids=[t["id"] for t in TASKS])
    def test_reference_code_gives_the_recorded_answer(self, task, real_settings, tmp_path, monkeypatch):
        pytest.importorskip("openmm")
        pytest.importorskip("pdbfixer")
        monkeypatch.setenv("STRUCTURES_DIR", str(real_settings.structures))
        monkeypatch.chdir(tmp_path)  # anything a reference writes stays in the test's folder
        namespace: dict = {"__name__": "__reference__"}
        exec(compile(task["reference_code"], f"<{task['id']}>", "exec"), namespace)
        assert _agrees(namespace.get("answer"), task), (task["id"], namespace.get("answer"), task["answer"])
