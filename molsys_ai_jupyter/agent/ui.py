"""One contract for the agent's front ends: :class:`AgentOptions` (how the agent works)
and :class:`AgentUI` (what it tells and asks the user).

The agent calls ``status`` with short lines as it goes ("choosing a recipe…",
"running…", "done in 1.2 s"), ``approve`` before running code that needs consent
(always) or, with ``confirm_every_run``, any code, and ``show_result`` once
:meth:`~.agent.Agent.run` is over. The policy's findings are shown by ``approve``
itself, with the code they are about: no front end shows them apart from it.

The front ends: ``display.TextUI`` (terminals and notebooks without the panel: printed
lines and a ``[y/N]`` prompt), ``approval_panel.NotebookRun`` (the Run / Edit / Cancel
panel, whose buttons answer later: it drives the run step by step instead of through
``Agent.run``) and :class:`RecordingUI` (headless: the sidebar's suggestions, tests).

>>> ui = RecordingUI()
>>> ui.status("running…")
>>> ui.approve("import os", [{"kind": "shell", "line": 1, "detail": "os"}], plan="")
False
>>> ui.lines, len(ui.asked)
(['running…'], 1)
>>> AgentOptions(max_repairs=0).design == AgentOptions().design
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from ..config import AGENT_DESIGNS, DEFAULT_AGENT_DESIGN


@dataclass(frozen=True)
class AgentOptions:
    """How the agent works.

    ``max_repairs``: attempts after a failure (designs that write code again: recipes,
    freeform). ``timeout_s``: the most a run of the code may take. ``design``: how code
    is written — ``plans`` (a typed plan read from the request), ``model-plans``,
    ``recipes`` or ``freeform`` (see :class:`~.agent.Agent`). ``k``: documentation pages
    found by ``docs`` (``docs(query, k)``, see :mod:`.sources`) for the code that ran,
    kept as the run's sources. ``corpus``: whose API registry checks MolSysSuite code
    before it runs (None: not checked)."""

    max_repairs: int = 2
    timeout_s: float = 120.0
    design: str = DEFAULT_AGENT_DESIGN
    k: int = 3
    docs: Callable | None = field(default=None, compare=False)
    corpus: str | Path | None = None

    def __post_init__(self):
        if self.design not in AGENT_DESIGNS:
            raise ValueError(f"unknown agent design '{self.design}' ({' or '.join(AGENT_DESIGNS)})")


class AgentUI(Protocol):
    """What an agent front end does."""

    def status(self, line: str) -> None:
        """Show a short status line."""

    def approve(self, code: str, findings: list[dict], plan: str) -> bool:
        """May ``code`` run? Shows the plan in one sentence, the exact code and the
        policy's ``findings`` (what needs the user's explicit consent)."""

    def show_result(self, result) -> None:
        """Show a finished run's :class:`~.agent.AgentResult`."""


class RecordingUI:
    """Headless: keeps the status lines, what it was asked and the results; approves nothing."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.asked: list[tuple[str, list[dict], str]] = []
        self.results: list = []

    def status(self, line: str) -> None:
        self.lines.append(line)

    def approve(self, code: str, findings: list[dict], plan: str) -> bool:
        self.asked.append((code, findings, plan))
        return False

    def show_result(self, result) -> None:
        self.results.append(result)
