"""Provenance: every agent run of a session as a notebook that re-runs top to bottom,
a plain script, or JSON (task, plan, code, attempts, policy findings, outputs, timings)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

FORMATS = (".ipynb", ".py", ".json")


def _runs_that_ran(results) -> list:
    return [r for r in results if r.ok and r.code]


def _provenance_markdown(record: dict) -> str:
    """A workflow's provenance as a short markdown list (the full record, parameters
    included, is in the JSON export and in ``run_record`` after the cell runs)."""
    lines = ["**Provenance**", ""]
    if record.get("versions"):
        lines.append("- versions: " + ", ".join(f"{k} {v}" for k, v in record["versions"].items())
                     + f", Python {record.get('python', '?')}")
    if record.get("platform"):
        lines.append(f"- platform: {record['platform']}")
    if record.get("seeds"):
        lines.append("- seeds: " + ", ".join(f"{k} {v}" for k, v in record["seeds"].items()))
    for label, key in (("inputs", "inputs"), ("force-field files", "forcefield")):
        if record.get(key):
            lines.append(f"- {label} (SHA-256): " + ", ".join(f"`{k}` {v[:16]}…" for k, v in record[key].items()))
    if record.get("when"):
        lines.append(f"- ran: {record['when']}")
    return "\n".join(lines)


def to_notebook(results, backend: str = "", step_scale: float = 1.0):
    """``step_scale`` below 1 makes every simulation of the notebook take that share of its
    steps when it is re-run (a first cell says so); the answers recorded stay those of the
    full runs."""
    import nbformat

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cells = [nbformat.v4.new_markdown_cell(
        f"# MolSys-AI session transcript\n\nExported {stamp}{f' · model: {backend}' if backend else ''}. "
        "Each task below is followed by the code that answered it; run the notebook top to bottom "
        "in the folder holding the files to reproduce every answer.")]
    if step_scale != 1.0:
        cells.append(nbformat.v4.new_code_cell(
            "# a shorter re-run: each simulation takes this share of its steps (1.0 re-runs them in full)\n"
            f"import molsys_ai_jupyter.simulation\nmolsys_ai_jupyter.simulation.STEP_SCALE = {step_scale!r}"))
    for number, result in enumerate(_runs_that_ran(results), 1):
        last = result.attempts[-1]
        if result.restatement:
            plan = f"plan: {result.restatement}"
        elif last.recipe:
            plan = f"recipe `{last.recipe}` with {json.dumps(last.params)}"
        else:
            plan = "code written by the model"
        sources = "".join(f"\n- [{s['title']}]({s['url']})" if s.get("url") else f"\n- {s['title']}"
                          for s in result.sources)
        provenance = getattr(result, "provenance", None)
        cells.append(nbformat.v4.new_markdown_cell(
            f"## {number}. {result.task}\n\n{plan}; {len(result.attempts)} attempt(s); answer: `{result.final_answer!r}`"
            + (f"\n\nDocumentation:{sources}" if sources else "")
            + (f"\n\n{_provenance_markdown(provenance)}" if provenance else "")))
        cell = nbformat.v4.new_code_cell(result.code.rstrip() + "\nanswer", execution_count=number)
        # what the run itself gave (the notebook is written, not run again)
        cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": repr(result.final_answer)},
                                               execution_count=number)]
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def to_script(results) -> str:
    parts = ['"""MolSys-AI session transcript: each task and the code that answered it."""\n']
    for number, result in enumerate(_runs_that_ran(results), 1):
        parts.append(f"# {number}. {result.task}\n{result.code.rstrip()}\nprint({number}, answer)\n")
    return "\n".join(parts)


def export(results, path: str | Path, backend: str = "", step_scale: float = 1.0) -> Path:
    """Write the transcript; the format follows the suffix (.ipynb, .py or .json).
    ``step_scale`` (notebooks only): see :func:`to_notebook`."""
    path = Path(path)
    if path.suffix not in FORMATS:
        raise ValueError(f"export to {', '.join(FORMATS)} (got '{path.suffix or path.name}')")
    if path.suffix == ".ipynb":
        import nbformat

        nbformat.write(to_notebook(results, backend, step_scale), str(path))
    elif path.suffix == ".py":
        path.write_text(to_script(results), encoding="utf-8")
    else:
        path.write_text(json.dumps([r.to_dict() for r in results], indent=2, default=repr) + "\n", encoding="utf-8")
    return path
