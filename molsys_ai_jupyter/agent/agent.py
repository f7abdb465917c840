"""The agent loop: observe → plan → render code → check policy → approve → execute in
the user's namespace → repair on error → report, with the final answer kept as
``_molsys_last`` in the user's namespace.

The ``plans`` design (the default) reads the request into a typed plan (:mod:`.plan`,
:mod:`.reader`), restates it in one sentence, and renders it; a request it does not
fully understand ends the run with "I did not understand …" and the closest plan, and
no number. ``recipes`` has the model fill one verified recipe; ``freeform`` has it
write the code.

The loop is resumable: :meth:`Agent.start` returns an :class:`AgentRun` whose
``next_attempt()`` plans, renders and checks the next piece of code and whose
``execute(attempt, code)`` runs it, so a front end can stop between the two and wait
for the user (a notebook's approval panel). :meth:`Agent.run` drives the same steps
and asks the agent's UI (:class:`.ui.AgentUI`) synchronously (terminals, the command
line, benchmarks)."""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..policy import check_policy, explain
from .executor import Execution, execute
from .observe import observe
from .planner import plan
from .recipes import CATALOGUE
from .ui import AgentOptions, AgentUI

# the variables agent runs made, as {name: id of the value they left}: theirs to replace, until
# the user gives the name a value of their own
AGENT_NAMES = "_molsys_agent_names"


def agent_owned(ns: dict) -> set[str]:
    """The names whose values are still those an agent run left there."""
    owned = ns.get(AGENT_NAMES)
    if not isinstance(owned, dict):
        return set()
    return {name for name, ident in owned.items() if name in ns and id(ns[name]) == ident}
HISTORY = "_molsys_history"  # every agent run of the session, for %molsys history / export
LAST = "_molsys_last"  # the last finished agent run


@dataclass
class Attempt:
    recipe: str = ""
    params: dict = field(default_factory=dict)
    code: str = ""
    error: str = ""
    policy: list = field(default_factory=list)
    edited: bool = False  # the user changed the code before running it
    summary: str = ""  # what the recipe does (to find its documentation)
    prompt: list = field(default_factory=list)  # the messages sent to the model
    reply: str = ""  # what the model answered
    verification: dict = field(default_factory=dict)  # the API registry's report on the code
    output: str = ""  # what running it printed (trimmed)
    plan: dict = field(default_factory=dict)  # the typed plan (plans design)
    restatement: str = ""  # the plan in one sentence, shown before it runs


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
    sources: list[dict] = field(default_factory=list)  # documentation pages behind the code
    plan: dict = field(default_factory=dict)  # the plan that ran (or the closest one, when not understood)
    restatement: str = ""
    outcome: str = ""  # "answered", "not understood", "failed" or "not run"
    unaccounted: list[str] = field(default_factory=list)  # the request's words the agent did not understand
    provenance: dict = field(default_factory=dict)  # a workflow's versions, platform, seeds, checksums, parameters

    def to_dict(self) -> dict:
        data = asdict(self)
        data["final_answer"] = _plain(self.final_answer)
        return data


class NotUnderstood(Exception):
    """The request has words or constraints no plan accounts for: no code, no number."""

    def __init__(self, understanding):
        self.understanding = understanding
        super().__init__(understanding.message())


class ConsentRequired(Exception):
    """The code does something that needs the user's explicit consent, which was not given."""

    def __init__(self, findings: list[dict]):
        self.findings = findings
        super().__init__("needs your consent: " + describe_findings(findings))


def describe_findings(findings: list[dict]) -> str:
    return "; ".join(explain(findings))


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


_PROJECTS = re.compile(r"\b(?:molsysmt|pyunitwizard|molsysviewer|topomt|msm|puw)\b")


def verify_api(code: str, corpus: str | Path | None) -> dict:
    """The API registry's report on code that uses the MolSysSuite libraries (names and
    keyword arguments); empty for code that does not; ``skipped`` without a corpus to check
    against."""
    if not _PROJECTS.search(code):
        return {}
    from ..errors import MolsysAIError
    from ..knowledge.registry import load_registry
    from ..knowledge.verifier import verify_code

    if corpus is None:
        return {"skipped": "no API registry to check against: no corpus given"}
    try:
        registry = load_registry(corpus)
    except (MolsysAIError, OSError) as exc:
        return {"skipped": f"no API registry to check against: {exc}"}
    return verify_code(code, registry).to_dict()


def _same_kind(finding: dict) -> tuple:
    return finding["kind"], finding["detail"]


class AgentRun:
    """One task, step by step. ``next_attempt()`` plans, renders and checks the next
    code (``None`` once the run is over); the caller then ``execute``\\ s it (with the
    consent its findings need), ``decline``\\ s it, or ``finish``\\ es the run. The run is
    recorded (``_molsys_last``, ``_molsys_history``) when it finishes.

    ``ui``: the front end the run reports its status to — the agent's, unless the front
    end that drives the run step by step takes it over (the notebook's panel does)."""

    def __init__(self, agent: "Agent", task: str, shell, workdir: str | Path = ".", show: bool = True):
        self.agent = agent
        self.ui: AgentUI | None = agent.ui
        self.task = task
        self.shell = shell
        self.show = show
        self.workdir = Path(workdir).resolve()  # a click may come after the user changed folder
        self.feedback: str | None = None
        self.finished = False
        self.last_execution: Execution | None = None
        self._working_s = 0.0  # time spent planning and running (not waiting for the user)
        with self._clock():
            observation = observe(self.workdir, shell.user_ns)
        self.observation = observation
        self.owned_at_start = agent_owned(shell.user_ns)  # the agent's own names, as the run begins
        self.result = AgentResult(task=task, ok=False, observation=observation.to_dict())

    @property
    def max_attempts(self) -> int:
        # a plan is read from the request, not guessed: reading it again gives the same plan
        return self.agent.writer.attempts(self.agent.options.max_repairs)

    @contextmanager
    def _clock(self):
        started = time.perf_counter()
        try:
            yield
        finally:
            self._working_s += time.perf_counter() - started

    def _status(self, line: str) -> None:
        if self.ui is not None:
            self.ui.status(line)

    def check(self, code: str) -> list[dict]:
        """The policy findings of ``code`` now (``syntax`` included)."""
        ns = self.shell.user_ns
        # names this or an earlier agent run made (and the user did not reassign) are the agent's
        users = set(ns) - set(self.result.new_variables) - self.owned_at_start
        return [f.to_dict() for f in check_policy(code, {name: ns[name] for name in users}, self.workdir,
                                                  shell=self.shell)]

    def next_attempt(self) -> Attempt | None:
        """Plan, render and check the next code; ``None`` when the run is over (it
        succeeded, was declined, or used up its attempts — then it is finished here).
        Errors of the language model (:class:`~molsys_ai_jupyter.errors.MolsysAIError`)
        propagate."""
        if self.finished:
            return None
        with self._clock():
            while len(self.result.attempts) < self.max_attempts:
                number = len(self.result.attempts) + 1
                if number > 1:
                    self._status(f"repairing (attempt {number} of {self.max_attempts})…")
                attempt = Attempt()
                self.result.attempts.append(attempt)
                self._status(self.agent.writer.status)
                try:
                    self.agent.write_code(self.task, self.observation, self.feedback, attempt)
                except NotUnderstood as exc:
                    understanding = exc.understanding
                    self.result.plan = understanding.plan.to_dict() if understanding.plan else {}
                    self.result.restatement = understanding.restatement
                    self.result.unaccounted = list(understanding.unaccounted)
                    self.result.outcome = "not understood"
                    self._status(str(exc))
                    self.finish(str(exc))
                    return None
                except ValueError as exc:
                    attempt.error = self.feedback = str(exc)
                    self._status(f"error: {attempt.error}")
                    continue
                self._status(self.agent.describe_plan(attempt))
                self._status("checking…")
                findings = self.check(attempt.code)
                syntax = [f for f in findings if f["kind"] == "syntax"]
                if syntax:  # broken code is not a question for the user: try again
                    attempt.error = self.feedback = f"SyntaxError on line {syntax[0]['line']}: {syntax[0]['detail']}"
                    self._status(f"error: {attempt.error}")
                    continue
                attempt.verification = verify_api(attempt.code, self.agent.options.corpus)
                if attempt.verification.get("issues") or attempt.verification.get("error"):
                    # invented API, or code the checker could not check to the end: not worth running
                    problems = [i["message"] for i in attempt.verification.get("issues", [])[:3]]
                    if attempt.verification.get("error"):
                        problems.append(f"the API check failed: {attempt.verification['error']}")
                    attempt.error = self.feedback = "; ".join(problems)
                    self._status(f"error: {attempt.error}")
                    continue
                attempt.policy = findings
                return attempt
        self.finish()
        return None

    def execute(self, attempt: Attempt, code: str | None = None, consent: list[dict] | tuple = (),
                show: bool | None = None) -> Execution:
        """Run ``code`` (default: the attempt's; an edited one replaces it) in the user's
        namespace. The policy is checked again right before: code that does not parse is
        not run (ValueError) and every finding must be among ``consent`` — the findings
        the user agreed to — or :class:`ConsentRequired` is raised and nothing runs."""
        if self.finished:
            raise RuntimeError("this agent run is over")
        code = attempt.code if code is None else code
        findings = self.check(code)
        syntax = [f for f in findings if f["kind"] == "syntax"]
        if syntax:
            raise ValueError(f"the code is not valid Python (line {syntax[0]['line']}: {syntax[0]['detail']})")
        agreed = {_same_kind(f) for f in consent}
        missing = [f for f in findings if _same_kind(f) not in agreed]
        if missing:
            raise ConsentRequired(missing)
        if code != attempt.code:
            attempt.code, attempt.edited = code, True
        attempt.policy = findings
        self._status("running…")
        result, shell = self.result, self.shell
        with self._clock():
            with working_folder(self.workdir):
                run = execute(shell, attempt.code, timeout_s=self.agent.options.timeout_s,
                              show=self.show if show is None else show)
        self.last_execution = run
        attempt.output = (run.stdout + run.stderr)[-2000:]
        result.new_variables += run.new_variables
        result.changed_variables += run.changed_variables
        sets_answer = "answer" in run.new_variables + run.changed_variables or _ASSIGNS_ANSWER.search(attempt.code)
        if run.ok and sets_answer and "answer" in shell.user_ns:  # (the same small int keeps its id)
            result.ok, result.code = True, attempt.code
            result.plan, result.restatement = attempt.plan, attempt.restatement
            result.final_answer = shell.user_ns["answer"]
            if attempt.plan.get("kind") == "workflow" and isinstance(shell.user_ns.get("run_record"), dict):
                result.provenance = shell.user_ns["run_record"]
            self._status(f"done in {self._working_s:.1f} s")
            self.finish()
        else:
            attempt.error = self.feedback = run.error or "the code did not set `answer`"
            self._status(f"error: {attempt.error}")
        return run

    def _find_sources(self, docs) -> None:
        from .sources import query_for

        started = time.perf_counter()
        summary = self.result.attempts[-1].summary if self.result.attempts else ""
        try:
            self.result.sources = docs(query_for(self.task, summary), self.agent.options.k)
        except Exception as exc:  # noqa: BLE001 - sources are a courtesy: the run's answer stands
            self._status(f"no documentation sources: {type(exc).__name__}: {exc}")
        self.result.timings["sources_ms"] = round((time.perf_counter() - started) * 1000.0, 1)

    def decline(self, attempt: Attempt, reason: str = "not approved") -> AgentResult:
        """The user did not let ``attempt`` run: nothing runs, the run ends."""
        self.result.code = attempt.code
        self.result.plan, self.result.restatement = attempt.plan, attempt.restatement
        self.result.outcome = "not run"
        return self.finish("not run: " + reason)

    def finish(self, message: str = "") -> AgentResult:
        """End the run (once) and record it in the user's namespace."""
        result = self.result
        if self.finished:
            return result
        self.finished = True
        if message:
            result.message = message
        if not result.ok and not result.message:
            last = result.attempts[-1].error if result.attempts else "nothing was tried"
            result.message = f"gave up after {len(result.attempts)} attempt(s): {last}"
        if not result.outcome:
            result.outcome = "answered" if result.ok else ("not run" if message.startswith("dry run") else "failed")
        docs = self.agent.options.docs
        if result.ok and docs is not None and self.agent.options.k > 0:
            self._find_sources(docs)
        result.timings["total_ms"] = round(self._working_s * 1000.0, 1)
        ns = self.shell.user_ns
        ns[AGENT_NAMES] = {name: id(ns[name]) for name in (self.owned_at_start | set(result.new_variables)) & set(ns)}
        ns.setdefault(HISTORY, []).append(result)
        ns[LAST] = result
        return result


class PlanWriter:
    """``plans`` / ``model-plans``: the request is read into a typed plan (by the reader, or
    by the model from the reader's hints), restated, and rendered. A plan is read, not
    guessed: reading it again gives the same plan, so there is one attempt."""

    def __init__(self, model: bool):
        self.model = model
        self.status = "planning…" if model else "reading the request…"

    def attempts(self, max_repairs: int) -> int:
        return 1

    def write(self, agent: Agent, task: str, observation, feedback: str | None, attempt: Attempt) -> None:
        from .render import code_for
        from .task_plan import understand_task

        understanding = understand_task(task, observation, backend=agent.backend if self.model else None)
        if not understanding.ok:
            raise NotUnderstood(understanding)
        attempt.plan, attempt.restatement = understanding.plan.to_dict(), understanding.restatement
        attempt.summary = understanding.restatement
        if getattr(understanding.plan, "kind", "") == "workflow":
            from .workflow.render import code_for as workflow_code

            attempt.code = workflow_code(understanding.plan)  # its engine chosen from the kernel's
        else:
            attempt.code = code_for(understanding.plan, observation.engine)


class RecipeWriter:
    """``recipes``: the model picks a verified recipe and fills its parameters; the recipe's
    plan is restated and rendered. A failure goes back to the model."""

    status = "choosing a recipe…"

    def attempts(self, max_repairs: int) -> int:
        return max_repairs + 1

    def write(self, agent: Agent, task: str, observation, feedback: str | None, attempt: Attempt) -> None:
        from .render import code_for
        from .restate import restate

        chosen = plan(task, observation, agent.backend, feedback)
        attempt.recipe, attempt.params = chosen.recipe, chosen.params
        attempt.prompt, attempt.reply = chosen.messages, chosen.raw
        recipe_plan = CATALOGUE[chosen.recipe].to_plan(chosen.params)  # a recipe is a plan template
        attempt.plan, attempt.restatement = recipe_plan.to_dict(), restate(recipe_plan)
        attempt.summary = attempt.restatement
        attempt.code = code_for(recipe_plan, observation.engine)


class FreeformWriter:
    """``freeform``: the model writes the code; a failure goes back to it."""

    status = "writing code…"

    def attempts(self, max_repairs: int) -> int:
        return max_repairs + 1

    def write(self, agent: Agent, task: str, observation, feedback: str | None, attempt: Attempt) -> None:
        user = f"Files: {', '.join(observation.files)}\nTask: {task}"
        if feedback:
            user += f"\nThe previous code failed: {feedback}\nFix it."
        attempt.prompt = [{"role": "system", "content": FREEFORM_SYSTEM}, {"role": "user", "content": user}]
        reply = attempt.reply = agent.backend.complete(attempt.prompt, max_tokens=300, temperature=0.0).text
        match = _CODE_BLOCK.search(reply)
        attempt.code = (match.group(1) if match else reply).strip()
        if not attempt.code:
            raise ValueError("the model wrote no code")


DESIGNS = {"plans": PlanWriter(model=False), "model-plans": PlanWriter(model=True), "recipes": RecipeWriter(),
           "freeform": FreeformWriter()}


class Agent:
    """``design="plans"`` (default): the request is read into a typed plan, restated and
    rendered; what it does not understand ends the run without a number.
    ``design="recipes"``: the model picks and fills a verified recipe.
    ``design="freeform"``: the model writes the code itself (for strong models; the
    designs are measured side by side by ``molsys-ai bench agent --design``).

    The design, repairs, time limit and documentation sources are ``options`` (see
    :class:`.ui.AgentOptions`). ``ui`` (see :class:`.ui.AgentUI`) is told the status as
    the run goes ("choosing a recipe…", "running…", "done in 1.2 s", …), asked before
    code runs (by :meth:`run`) and shown the result; without one nothing is shown and
    nothing that needs approval runs."""

    def __init__(self, backend, options: AgentOptions | None = None, ui: AgentUI | None = None):
        self.backend = backend
        self.options = options if options is not None else AgentOptions()
        self.writer = DESIGNS[self.options.design]  # how code is written: a typed plan, a recipe or the model's code
        self.ui = ui

    def write_code(self, task: str, observation, feedback: str | None, attempt: Attempt) -> None:
        """Fill ``attempt`` (plan, restatement, code; the prompt and reply of a model) the
        way the agent's design writes code."""
        self.writer.write(self, task, observation, feedback, attempt)

    @staticmethod
    def describe_plan(attempt: Attempt) -> str:
        if attempt.restatement:
            return f"plan: {attempt.restatement}"
        if not attempt.recipe:
            lines = len(attempt.code.splitlines())
            return f"the model wrote {lines} line{'s' if lines != 1 else ''} of code"
        params = ", ".join(f"{name}={value!r}" for name, value in attempt.params.items())
        return f"recipe {attempt.recipe}" + (f" ({params})" if params else "")

    def start(self, task: str, shell, workdir: str | Path = ".", show: bool = True) -> AgentRun:
        """A resumable run of ``task`` (see :class:`AgentRun`)."""
        return AgentRun(self, task, shell, workdir=workdir, show=show)

    def run(self, task: str, shell, workdir: str | Path = ".", show: bool = True,
            confirm_every_run: bool = False, dry_run: bool = False) -> AgentResult:
        """The UI approves code that needs consent (always) and, with ``confirm_every_run``,
        every run (without a UI nothing that needs approval runs); ``dry_run`` plans and
        renders only. The UI is shown the result."""
        result = self._run(task, shell, workdir, show, confirm_every_run, dry_run)
        if self.ui is not None:
            self.ui.show_result(result)
        return result

    def _run(self, task: str, shell, workdir: str | Path, show: bool, confirm_every_run: bool,
             dry_run: bool) -> AgentResult:
        ui = self.ui
        run = self.start(task, shell, workdir=workdir, show=show)
        while (attempt := run.next_attempt()) is not None:
            if dry_run:
                run.result.code = attempt.code
                return run.finish("dry run: the code was not run")
            if (attempt.policy or confirm_every_run) and not (
                    ui is not None and ui.approve(attempt.code, attempt.policy, plan=attempt.restatement)):
                return run.decline(attempt, describe_findings(attempt.policy) or "not approved")
            run.execute(attempt, consent=attempt.policy)
        return run.result
