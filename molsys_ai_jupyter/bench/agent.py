"""``molsys-ai bench agent``: task success of the agent on a task set (jsonl with
``task``, ``files``, ``answer``, ``tolerance``; optionally ``copies``, {name in the folder:
structure file it is a copy of}). Each task runs as a user would run it: in a fresh kernel
whose working folder holds copies of the task's files. A task whose ``answer`` is null has
no right number: the agent must not give one."""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from ..agent.kernel_runner import KernelError, run_agent
from ..agent.scoring import within
from ..config import DEFAULT_AGENT_DESIGN
from ..errors import MolsysAIError

TASK_TIMEOUT_S = 600.0  # one task: kernel start, planning, repairs and runs


def load_tasks(path: Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise MolsysAIError(f"tasks file not found: {path}", "pass --tasks FILE (jsonl)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _source(task: dict, name: str) -> str:
    return task.get("copies", {}).get(name, name)


def _check_files(tasks: list[dict], structures: Path) -> None:
    missing = sorted({_source(task, name) for task in tasks for name in task.get("files", [])
                      if not (structures / _source(task, name)).is_file()})
    if missing:
        raise MolsysAIError(f"structure files not found in {structures}: {', '.join(missing)}",
                            "pass --structures DIR or --data DIR")


OUTCOMES = ("right", "wrong", "not understood", "failed", "crashed")


def outcome_of(task: dict, result: dict | None) -> str:
    """right: answered within tolerance; wrong: answered outside it (the worst case: it
    looks like an answer); not understood: said so, no number; failed: tried and gave up;
    crashed: the kernel or the agent itself broke."""
    if result is None:
        return "crashed"
    if result["ok"]:
        return "right" if within(result["final_answer"], task["answer"], task.get("tolerance", {})) else "wrong"
    if result.get("outcome") == "not understood":
        return "not understood"
    return "failed"


def _row(task: dict, result: dict | None, error: str | None, seconds: float) -> dict:
    attempts = result["attempts"] if result else []
    last = attempts[-1] if attempts else {}
    final = result["final_answer"] if result else None
    tolerance = task.get("tolerance", {})
    outcome = outcome_of(task, result)
    ok = outcome == "right"
    if error is None and result and not ok:
        error = result["message"] if not result["ok"] else f"{final!r} is not {task['answer']!r} within {tolerance}"
    return {"id": task.get("id"), "ok": ok, "outcome": outcome, "final_answer": final, "expected": task["answer"],
            "attempts": len(attempts), "seconds": round(seconds, 2), "error": error,
            "recipe": last.get("recipe", ""), "params": last.get("params", {}),
            "restatement": (result or {}).get("restatement", ""),
            "agent_seconds": round(result["timings"].get("total_ms", 0.0) / 1000.0, 2) if result else None}


def run_agent_bench(tasks: list[dict], structures: Path, *, backend, env: dict | None = None,
                    design: str = DEFAULT_AGENT_DESIGN, max_repairs: int = 2, timeout_s: float = TASK_TIMEOUT_S,
                    progress=None) -> dict:
    """``backend`` names the model in the result; the kernels build their own from ``env``."""
    structures = Path(structures)
    _check_files(tasks, structures)
    rows = []
    started = time.perf_counter()
    for number, task in enumerate(tasks, 1):
        task_started = time.perf_counter()
        result, error = None, None
        with tempfile.TemporaryDirectory(prefix="molsys-bench-") as folder:
            for name in task.get("files", []):
                shutil.copyfile(structures / _source(task, name), Path(folder) / name)
            try:
                # k=0: no documentation search (it does not change the answer, only adds time)
                result = run_agent(task["task"], folder, env=env, yes=True, max_repairs=max_repairs,
                                   design=design, timeout_s=timeout_s, k=0)
            except KernelError as exc:  # this task's kernel died or hung: the others still run
                error = str(exc)
            except MolsysAIError as exc:  # the request itself refused in one line (an empty cell): no number
                result = {"ok": False, "outcome": "not understood", "attempts": [], "final_answer": None,
                          "message": exc.message, "timings": {}, "restatement": ""}
        rows.append(_row(task, result, error, time.perf_counter() - task_started))
        if progress:
            progress(number, len(tasks), rows[-1])
    n = len(rows)

    attempts = [r["attempts"] for r in rows if r["attempts"]]

    def rate(count: int) -> float:
        return round(count / n, 4) if n else 0.0

    return {
        "n": n,
        "success_rate": rate(sum(r["ok"] for r in rows)),
        # success, plus the tasks with no right number (answer null) that got none: the best possible is 1.0
        "correct_rate": rate(sum(r["ok"] or (r["expected"] is None and r["outcome"] in ("not understood", "failed"))
                                 for r in rows)),
        "wrong_rate": rate(sum(r["outcome"] == "wrong" for r in rows)),  # answered, outside tolerance
        "abstain_rate": rate(sum(r["outcome"] == "not understood" for r in rows)),
        "failure_rate": rate(sum(r["outcome"] == "failed" for r in rows)),
        "crash_rate": rate(sum(r["outcome"] == "crashed" for r in rows)),
        "first_try_rate": rate(sum(r["ok"] and r["attempts"] == 1 for r in rows)),
        # over the tasks the agent reported on (a kernel that died or hung reports none)
        "mean_attempts": round(statistics.fmean(attempts), 2) if attempts else 0.0,
        "median_seconds": round(statistics.median(r["seconds"] for r in rows), 2) if n else 0.0,
        "total_seconds": round(time.perf_counter() - started, 1),
        "backend": backend.name,
        "model": backend.model,
        "design": design,
        "max_repairs": max_repairs,
        "results": rows,
    }
