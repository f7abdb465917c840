"""The agent loop: observe → plan (recipe + parameters, by constrained JSON) → render
code → check policy → approve → execute in the user's namespace → repair on error →
report, with the final answer kept as ``_molsys_last`` in the user's namespace."""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from .executor import execute
from .observe import observe
from .planner import plan
from .policy import check_policy
from .recipes import CATALOGUE

AGENT_NAMES = "_molsys_agent_names"  # variables agent runs created (theirs to replace)
HISTORY = "_molsys_history"  # every agent run of the session, for %molsys history / export

# approve(code, findings) -> bool; findings need explicit consent even under --yes
Approver = Callable[[str, list], bool]


@dataclass
class Attempt:
    recipe: str = ""
    params: dict = field(default_factory=dict)
    code: str = ""
    error: str = ""
    policy: list = field(default_factory=list)


@dataclass
class AgentResult:
    task: str
    ok: bool
    final_answer: object = None
    code: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    observation: dict = field(default_factory=dict)
    new_variables: list[str] = field(default_factory=list)
    changed_variables: list[str] = field(default_factory=list)
    message: str = ""
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["final_answer"] = _plain(self.final_answer)
        return data


def _plain(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    return value if isinstance(value, (int, float, str, list, dict, type(None))) else repr(value)


@contextmanager
def working_folder(folder: str | Path):
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


FREEFORM_SYSTEM = ("Write Python code for the task. Use the files named in the task, which are in the current "
                   "folder. Use MDTraj (import mdtraj as md); distances in MDTraj are in nm. Store the final "
                   "result in a variable named answer. Reply with one ```python code block only.")
_ASSIGNS_ANSWER = re.compile(r"^answer\s*=", re.M)
_CODE_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)(?:```|$)", re.S)


class Agent:
    """``design="recipes"`` (default): the model picks and fills a verified recipe.
    ``design="freeform"``: the model writes the code itself (for strong models; measured
    against recipes by ``molsys-ai bench agent --design``)."""

    def __init__(self, backend, max_repairs: int = 2, timeout_s: float = 120.0, design: str = "recipes"):
        if design not in ("recipes", "freeform"):
            raise ValueError(f"unknown agent design '{design}' (recipes or freeform)")
        self.backend = backend
        self.max_repairs = max_repairs
        self.timeout_s = timeout_s
        self.design = design

    def _write_code(self, task: str, observation, feedback: str | None, attempt: Attempt) -> None:
        if self.design == "freeform":
            user = f"Files: {', '.join(observation.files)}\nTask: {task}"
            if feedback:
                user += f"\nThe previous code failed: {feedback}\nFix it."
            reply = self.backend.complete([{"role": "system", "content": FREEFORM_SYSTEM},
                                           {"role": "user", "content": user}], max_tokens=300, temperature=0.0).text
            match = _CODE_BLOCK.search(reply)
            attempt.code = (match.group(1) if match else reply).strip()
            if not attempt.code:
                raise ValueError("the model wrote no code")
            return
        chosen = plan(task, observation, self.backend, feedback)
        attempt.recipe, attempt.params = chosen.recipe, chosen.params
        recipe = CATALOGUE[chosen.recipe]
        engine = observation.engine if recipe.molsysmt else "mdtraj"
        attempt.code = recipe.render(chosen.params, engine=engine)

    def run(self, task: str, shell, workdir: str | Path = ".", approve: Approver | None = None,
            show: bool = True, confirm_every_run: bool = False, dry_run: bool = False) -> AgentResult:
        """``approve`` is asked before running code that needs consent (always) and, with
        ``confirm_every_run``, before every run; ``dry_run`` plans and renders only."""
        started = time.perf_counter()
        observation = observe(workdir, shell.user_ns)
        result = AgentResult(task=task, ok=False, observation=observation.to_dict())
        feedback = None
        for _ in range(self.max_repairs + 1):
            attempt = Attempt()
            result.attempts.append(attempt)
            try:
                self._write_code(task, observation, feedback, attempt)
            except ValueError as exc:
                attempt.error = feedback = str(exc)
                continue
            # names this or an earlier agent run created are the agent's, not the user's
            users = set(shell.user_ns) - set(result.new_variables) - set(shell.user_ns.get(AGENT_NAMES, ()))
            findings = check_policy(attempt.code, users, workdir)
            syntax = [f for f in findings if f.kind == "syntax"]
            if syntax:  # broken code is not a question for the user: try again
                attempt.error = feedback = f"SyntaxError on line {syntax[0].line}: {syntax[0].detail}"
                continue
            attempt.policy = [f.to_dict() for f in findings]
            if dry_run:
                result.code, result.message = attempt.code, "dry run: the code was not run"
                break
            if (attempt.policy or confirm_every_run) and not (approve and approve(attempt.code, attempt.policy)):
                reasons = "; ".join(f"{f['kind']}: {f['detail']}" for f in attempt.policy) or "not approved"
                result.code, result.message = attempt.code, "not run: " + reasons
                break
            with working_folder(workdir):
                run = execute(shell, attempt.code, timeout_s=self.timeout_s, show=show)
            result.new_variables += run.new_variables
            result.changed_variables += run.changed_variables
            sets_answer = "answer" in run.new_variables + run.changed_variables or _ASSIGNS_ANSWER.search(attempt.code)
            if run.ok and sets_answer and "answer" in shell.user_ns:  # (the same small int keeps its id)
                result.ok, result.code = True, attempt.code
                result.final_answer = shell.user_ns["answer"]
                break
            attempt.error = feedback = run.error or "the code did not set `answer`"
        if not result.ok and not result.message:
            result.message = f"gave up after {len(result.attempts)} attempt(s): {result.attempts[-1].error}"
        result.timings["total_ms"] = round((time.perf_counter() - started) * 1000.0, 1)
        shell.user_ns[AGENT_NAMES] = set(shell.user_ns.get(AGENT_NAMES, ())) | set(result.new_variables)
        shell.user_ns.setdefault(HISTORY, []).append(result)
        shell.user_ns["_molsys_last"] = result
        return result
