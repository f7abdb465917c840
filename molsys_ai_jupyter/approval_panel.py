"""Approval in notebooks: a panel with Run / Edit / Cancel instead of a ``[y/N]`` prompt.

A button click reaches the kernel only once the cell has finished, so the panel does
not block: ``%%molsys`` plans and renders the code, shows the panel and returns; a
click runs the (possibly edited) code in the user's namespace and carries on with the
agent's loop — a failed run is repaired and the new code gets a panel of its own.
What runs without asking (``--yes`` and code that needs no consent) runs while the cell
does, exactly as in a terminal. Code that needs consent (the execution policy's
findings) runs only through the red consent button, after the findings were shown for
that very code; an edit is checked again before it runs.

Every piece of model or document text it shows (the plan, the code, errors, source
titles and URLs) is escaped; links are http(s) or relative only.

Imported only in notebook front ends (it imports ipywidgets)."""

from __future__ import annotations

import html
import traceback
from functools import wraps

import ipywidgets as widgets
from IPython.display import display
from IPython.utils.capture import capture_output

from . import viewer
from .agent.agent import AgentRun, ConsentRequired
from .display import TextUI, link_html, result_summary
from .errors import MolsysAIError
from .policy import KIND_NOUNS, describe


def highlight(code: str) -> str:
    """``code`` as syntax-highlighted HTML (inline styles: no stylesheet needed)."""
    from pygments import highlight as pygments_highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return pygments_highlight(code, PythonLexer(), HtmlFormatter(noclasses=True))


def _grey(text: str) -> str:
    return f"<span style='color:#666'>{html.escape(text)}</span>"


def _handler(method):
    """A button callback that never fails silently: an unexpected error is shown in the
    panel (a click's exception would otherwise only reach the kernel's log)."""

    @wraps(method)
    def wrapper(panel, *_):
        try:
            method(panel)
        except Exception as exc:  # noqa: BLE001 - shown to the user, with the traceback
            panel.say(f"internal error: {type(exc).__name__}: {exc}", error=True)
            panel.output.append_stderr(traceback.format_exc())

    return wrapper


class AttemptPanel:
    """The code of one attempt with its buttons, the policy findings that need consent,
    a line of notes and the output of the run."""

    def __init__(self, owner: "NotebookRun", attempt, number: int, auto: bool = False):
        self.owner = owner
        self.attempt = attempt
        self.number = number
        self.done = False  # ran or cancelled: the buttons are spent
        self.checked_code = attempt.code  # the code whose findings are on show
        self.checked_findings: list[dict] = list(attempt.policy)
        plan = owner.run.agent.describe_plan(attempt)
        self.title = widgets.HTML(f"<b>attempt {number} of {owner.run.max_attempts}</b> · {html.escape(plan)}")
        self.code_view = widgets.HTML(highlight(attempt.code))
        lines = attempt.code.count("\n") + 2
        self.editor = widgets.Textarea(value=attempt.code, rows=min(max(lines, 4), 30),
                                       layout=widgets.Layout(width="100%", display="none"))
        self.findings = widgets.HTML()
        self.run_button = widgets.Button(description="Run", button_style="primary", icon="play",
                                         tooltip="run this code in the kernel")
        self.edit_button = widgets.Button(description="Edit", icon="pencil", tooltip="change the code first")
        self.cancel_button = widgets.Button(description="Cancel", icon="times", tooltip="run nothing")
        self.consent_button = widgets.Button(description="Run anyway", button_style="danger", icon="warning",
                                             layout=widgets.Layout(width="auto", display="none"))
        self.buttons = widgets.HBox([self.run_button, self.consent_button, self.edit_button, self.cancel_button])
        self.note = widgets.HTML()
        self.output = widgets.Output()
        self.widget = widgets.VBox([self.title, self.code_view, self.editor, self.findings, self.buttons,
                                    self.note, self.output],
                                   layout=widgets.Layout(border="1px solid #ddd", padding="4px", margin="4px 0"))
        self.run_button.on_click(self._on_run)
        self.consent_button.on_click(self._on_consent)
        self.edit_button.on_click(self._on_edit)
        self.cancel_button.on_click(self._on_cancel)
        self.editor.observe(self._on_change, "value")
        self.show_findings(attempt.policy)
        if auto:
            self.buttons.layout.display = "none"
            self.say("runs without asking (--yes)")

    # what the panel shows

    @property
    def code(self) -> str:
        """The code the panel would run: the editor's once Edit was clicked."""
        return self.editor.value if self.editor.layout.display != "none" else self.attempt.code

    def say(self, text: str, error: bool = False) -> None:
        colour = "#b00" if error else "#333"
        self.note.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"

    def show_findings(self, findings: list[dict]) -> None:
        consent = [f for f in findings if f["kind"] != "syntax"]
        if not consent:
            self.findings.value = ""
            self.consent_button.layout.display = "none"
            self.run_button.layout.display = ""
            return
        items = "".join(f"<li>{html.escape(describe(f))}</li>" for f in consent)
        self.findings.value = ("<div style='color:#b00'><b>This code needs your consent — it:</b>"
                               f"<ul style='margin:2px 0'>{items}</ul></div>")
        kinds = list(dict.fromkeys(KIND_NOUNS.get(f["kind"], f["kind"]) for f in consent))
        self.consent_button.description = "I consent: run it (" + ", ".join(kinds) + ")"
        self.consent_button.layout.display = ""
        self.run_button.layout.display = "none"

    def lock(self) -> None:
        for control in (self.run_button, self.consent_button, self.edit_button, self.cancel_button, self.editor):
            control.disabled = True

    def unlock(self) -> None:
        for control in (self.run_button, self.consent_button, self.edit_button, self.cancel_button, self.editor):
            control.disabled = False

    def spent(self) -> None:
        self.done = True
        self.lock()

    # what the buttons do

    @_handler
    def _on_edit(self) -> None:
        if self.done:
            return
        self.editor.value = self.code
        self.code_view.layout.display = "none"
        self.editor.layout.display = ""
        self.edit_button.disabled = True
        self.say("edit the code, then Run (it is checked again before it runs)")

    def _on_change(self, change) -> None:
        if change["new"] == self.checked_code:
            self.show_findings(self.checked_findings)
        elif self.consent_button.layout.display != "none":
            # a consent given to other code does not carry over: Run checks the new code first
            self.consent_button.layout.display = "none"
            self.run_button.layout.display = ""
            self.findings.value = _grey("the code changed: Run checks it before running it")

    def _check(self, code: str) -> list[dict] | None:
        """The findings of ``code`` (now on show), or None when it is not valid Python."""
        findings = self.owner.run.check(code)
        syntax = [f for f in findings if f["kind"] == "syntax"]
        if syntax:
            self.say(f"not run: this is not valid Python (line {syntax[0]['line']}: {syntax[0]['detail']}); "
                     "fix it or Cancel", error=True)
            return None
        self.checked_code, self.checked_findings = code, findings
        self.show_findings(findings)
        return findings

    @_handler
    def _on_run(self) -> None:
        if self.done:
            return
        code = self.code
        findings = self._check(code)
        if findings is None:
            return
        if findings:
            self.say("not run yet: read what this code does above; run it with the red button, or Edit / Cancel",
                     error=True)
            return
        self.owner.execute(self, code, consent=[])

    @_handler
    def _on_consent(self) -> None:
        if self.done:
            return
        code = self.code
        agreed = {(f["kind"], f["detail"]) for f in self.checked_findings}
        if code != self.checked_code:  # the findings on show are not this code's: show its own
            self._on_run()
            return
        findings = self._check(code)
        if findings is None:
            return
        if any((f["kind"], f["detail"]) not in agreed for f in findings):
            self.say("not run: the code now does more than you agreed to (see above); consent again to run it",
                     error=True)
            return
        self.owner.execute(self, code, consent=findings)

    @_handler
    def _on_cancel(self) -> None:
        if self.done:
            return
        self.owner.cancel(self)


class NotebookRun:
    """Drives an :class:`AgentRun` in a notebook: runs straight through what needs no
    approval while the cell executes, shows a panel (in one box per task) where approval
    is needed, and carries on when a button is clicked.

    It is the run's :class:`~.agent.ui.AgentUI` (it takes the run over): status lines go
    to ``ui`` — the cell's UI (default :class:`~.display.TextUI`) — until the panel is on
    show, then into the panel. Approval is asynchronous: :meth:`approve` says only what
    runs without asking (``--yes``, code that needs no consent); for anything else a
    panel is shown and its buttons answer later, which is why the run is driven step by
    step here rather than through ``Agent.run``."""

    def __init__(self, run: AgentRun, shell, *, ui=None, yes: bool = False, view: bool = True,
                 insert: bool = False):
        self.run = run
        self.shell = shell
        self.yes = yes
        self.view = view
        self.insert = insert
        self.panels: list[AttemptPanel] = []
        self.box: widgets.VBox | None = None  # shown once the first approval is needed
        self.status_lines: list[str] = []
        self.cell_ui = ui if ui is not None else TextUI(shell)  # status (and result) while the cell runs
        run.ui = self  # the run now reports to the panel
        self.header = widgets.HTML(f"<b>%%molsys</b> · {html.escape(run.task)}")
        self.summary = widgets.HTML()
        self.result_output = widgets.Output()
        self.status_line = widgets.HTML()

    @property
    def result(self):
        return self.run.result

    def status(self, line: str) -> None:
        self.status_lines.append(line)
        if self.box is None:
            self.cell_ui.status(line)
        else:
            self.status_line.value = _grey(line)

    def approve(self, code: str, findings: list[dict], plan: str = "") -> bool:
        """Whether ``code`` runs without a panel: with ``--yes``, when it needs no consent.
        Otherwise a panel asks, and a button answers later."""
        return self.yes and not findings

    def start(self) -> "NotebookRun":
        """Call while the cell runs: returns once the run has finished or waits for a click."""
        self._advance()
        return self

    def _advance(self) -> None:
        while True:
            try:
                attempt = self.run.next_attempt()
            except MolsysAIError as exc:
                if self.box is None:
                    raise  # still in the cell: the magic reports it as one line
                self.run.finish(f"stopped: {exc}")
                attempt = None
            if attempt is None:
                self._finished()
                return
            auto = self.approve(attempt.code, attempt.policy, attempt.restatement)
            if auto and self.box is None:
                self.run.execute(attempt, show=True)  # in the cell, like a terminal
                continue
            panel = self._add(attempt, auto)
            if not auto:
                return  # a button carries on
            if not self._execute(panel, attempt.code, consent=[]):
                panel.buttons.layout.display = ""  # it needs a decision after all
                return

    def _add(self, attempt, auto: bool) -> AttemptPanel:
        panel = AttemptPanel(self, attempt, number=len(self.run.result.attempts), auto=auto)
        self.panels.append(panel)
        first = self.box is None
        if first:
            self.box = widgets.VBox()
        self.box.children = [self.header, *(p.widget for p in self.panels), self.status_line]
        if first:
            self.cell_ui.status("waiting for your approval below")
            display(self.box)
        self.status_line.value = _grey("waiting for your approval" if not auto else "running…")
        return panel

    def execute(self, panel: AttemptPanel, code: str, consent: list[dict]) -> None:
        """A click on Run or on the consent button: run, then carry on with the loop."""
        if self._execute(panel, code, consent):
            self._advance()

    def _execute(self, panel: AttemptPanel, code: str, consent: list[dict]) -> bool:
        panel.lock()
        refused = None
        with panel.output:  # in a kernel, what bypasses the capture (a traceback) lands here too
            try:
                run = self.run.execute(panel.attempt, code, consent=consent, show=False)
            except (ConsentRequired, ValueError) as exc:
                refused = exc
        if refused is not None:
            panel.unlock()
            if isinstance(refused, ConsentRequired):
                panel.show_findings(refused.findings)
            panel.say(f"not run: {refused}", error=True)
            return False
        panel.spent()
        outputs = []
        if run.stdout:
            outputs.append({"output_type": "stream", "name": "stdout", "text": run.stdout})
        if run.stderr:
            outputs.append({"output_type": "stream", "name": "stderr", "text": run.stderr})
        outputs += [{"output_type": "display_data", "data": data, "metadata": {}} for data in run.displays]
        panel.output.outputs += tuple(outputs)
        if self.run.result.ok:
            panel.say(f"ran in {run.duration_ms / 1000:.1f} s")
        else:
            panel.say(f"failed: {panel.attempt.error}", error=True)
        return True

    def cancel(self, panel: AttemptPanel) -> None:
        panel.spent()
        self.run.decline(panel.attempt, "cancelled")
        panel.say("cancelled: nothing was run")
        self._finished()

    def _emit(self, obj) -> None:
        """Display ``obj`` in the result area (a click comes after the cell has finished)."""
        with capture_output(stdout=False, stderr=False, display=True) as captured:
            display(obj)
        self.result_output.outputs += tuple({"output_type": "display_data", "data": o.data, "metadata": o.metadata}
                                            for o in captured.outputs)

    def _finished(self) -> None:
        self.show_result(self.run.result)

    def show_result(self, result) -> None:
        """In the cell, when everything ran while it did; in the panel otherwise."""
        ns = self.shell.user_ns
        if self.box is None:  # everything ran while the cell did
            self.cell_ui.show_result(result)
            if self.view:
                viewer.show_structure(result, ns)
            if self.insert and result.ok:
                self.shell.set_next_input(result.code, replace=False)
            return
        colour = "#060" if result.ok else "#b00"
        if not result.ok:
            self.status_line.value = ""  # the summary says why
        links = "".join(f"<li>{link_html(src.get('url'), str(src['title']))}</li>" for src in result.sources)
        self.summary.value = (f"<span style='color:{colour}'>{html.escape(result_summary(result))}</span>"
                              + (f"<div>Documentation:<ul>{links}</ul></div>" if links else ""))
        self.box.children = [self.header, *(p.widget for p in self.panels), self.summary, self.result_output,
                             self.status_line]
        if self.view:
            viewer.show_structure(result, ns, emit=self._emit,
                                  say=lambda line: self.result_output.append_stdout(line + "\n"))
        if self.insert and result.ok:
            self.result_output.append_stdout("--insert: a new cell can only be added while the cell runs; "
                                             "the code is in _molsys_last.code\n")
