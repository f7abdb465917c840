"""``POST /molsys-ai/agent/suggest``: the agent's code for a task, planned and checked
but not run — the sidebar puts it in the notebook, and the notebook's kernel runs it.

The agent plans in the notebook's folder (it sees the molecular files there) knowing
the names of the kernel's variables (sent by the sidebar, not their values), up to
``max_repairs`` times again when the model's plan does not fit the files, with the
agent ``design`` the sidebar's settings chose (plans, recipes or freeform). ``docs``
(see :mod:`..agent.sources`) finds the ``k`` documentation pages behind the code."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from ..config import DEFAULT_AGENT_DESIGN

ANSWER = re.compile(r"^answer\s*=", re.MULTILINE)


def suggest(task: str, workdir: str | Path, backend, root_dir: str | Path | None = None,
            max_repairs: int = 1, docs=None, k: int = 3, variables: tuple[str, ...] = (),
            design: str = DEFAULT_AGENT_DESIGN, corpus: str | Path | None = None) -> dict:
    from ..agent.agent import Agent
    from ..agent.recipes import CATALOGUE
    from ..agent.sources import query_for
    from ..agent.ui import AgentOptions, RecordingUI
    from ..errors import MolsysAIError

    ui = RecordingUI()  # headless: keeps the status lines; nothing is approved, nothing runs
    agent = Agent(backend, AgentOptions(max_repairs=max_repairs, design=design, corpus=corpus), ui=ui)
    # what the agent records stays here, not in a kernel; the kernel's names (values unknown)
    # make code that would replace one of them need consent, as in the kernel itself
    shell = SimpleNamespace(user_ns=dict.fromkeys(variables))
    run = agent.start(task, shell, workdir=workdir, show=False)
    attempt = run.next_attempt()  # errors of the model (MolsysAIError) propagate
    if attempt is None:
        raise MolsysAIError(f"no code for this task: {run.result.message}",
                            "name a molecular file of the notebook's folder and what to compute")
    run.finish("suggested, not run")
    sources, sources_note = [], ""
    if docs is not None and k > 0:
        try:
            sources = docs(query_for(task, attempt.summary), k)
        except Exception as exc:  # noqa: BLE001 - sources are a courtesy: the code stands
            sources_note = f"no documentation sources: {type(exc).__name__}: {exc}"
    recipe = CATALOGUE.get(attempt.recipe)
    folder = Path(workdir).resolve()
    relative = folder.relative_to(Path(root_dir).resolve()).as_posix() if root_dir else str(folder)
    return {
        "task": task,
        "design": design,
        "recipe": attempt.recipe,
        "summary": recipe.summary if recipe else "",
        "unit": recipe.unit if recipe else "",
        "params": attempt.params,
        "code": shows_its_answer(attempt.code),
        "plan": attempt.restatement or agent.describe_plan(attempt),
        "restatement": attempt.restatement,  # the typed plan in one sentence (plans design)
        "plan_steps": attempt.plan,
        "policy": attempt.policy,  # findings that need the user's explicit consent before running
        "needs_consent": bool(attempt.policy),
        "attempts": len(run.result.attempts),
        "errors": [a.error for a in run.result.attempts if a.error],
        "files": run.observation.files,
        "engine": run.observation.engine,
        "workdir": relative,
        "sources": sources,  # [{"title", "url", "project", "path"}]
        "sources_note": sources_note,
        "steps": ui.lines,
        "backend": backend.name,
        "model": backend.model,
    }


def shows_its_answer(code: str) -> str:
    """The code as a notebook cell that shows its result: ``answer`` as the last line
    (the cell's output, like any last expression), when the code sets it."""
    body = code.rstrip()
    if not ANSWER.search(body) or body.splitlines()[-1].strip() == "answer":
        return code
    return body + "\nanswer\n"
