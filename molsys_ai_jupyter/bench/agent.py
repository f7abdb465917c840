"""``molsys-ai bench agent``: task success of the agent on a task set (jsonl with
``task``, ``files``, ``answer``, ``tolerance``), each task in a fresh namespace and a
fresh working folder holding links to its files."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..agent.scoring import within
from ..errors import MolsysAIError
from .stats import latency_summary


def load_tasks(path: Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise MolsysAIError(f"tasks file not found: {path}", "pass --tasks FILE (jsonl)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_agent_bench(agent, tasks: list[dict], structures: Path, progress=None) -> dict:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    rows = []
    for number, task in enumerate(tasks, 1):
        shell.reset(new_session=False)
        with tempfile.TemporaryDirectory() as folder:
            for name in task.get("files", []):
                (Path(folder) / name).symlink_to(Path(structures) / name)
            result = agent.run(task["task"], shell, workdir=folder, show=False)
        success = result.ok and within(result.final_answer, task["answer"], task["tolerance"])
        rows.append({"id": task.get("id"), "success": success, "final_answer": result.to_dict()["final_answer"],
                     "expected": task["answer"], "attempts": len(result.attempts),
                     "recipe": result.attempts[-1].recipe if result.attempts else "",
                     "params": result.attempts[-1].params if result.attempts else {},
                     "message": result.message, "total_ms": result.timings["total_ms"]})
        if progress:
            progress(number, len(tasks), rows[-1])
    n = len(rows)
    return {
        "n": n,
        "success_rate": round(sum(r["success"] for r in rows) / n, 4) if n else 0.0,
        "first_try_rate": round(sum(r["success"] and r["attempts"] == 1 for r in rows) / n, 4) if n else 0.0,
        "total_ms": latency_summary([r["total_ms"] for r in rows]),
        "backend": agent.backend.name,
        "model": agent.backend.model,
        "design": agent.design,
        "tasks": rows,
    }
