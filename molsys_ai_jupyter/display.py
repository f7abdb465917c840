"""Showing answers and agent progress in IPython: streamed into one updating output
in notebooks, printed as they come in a terminal."""

from __future__ import annotations

import time

UPDATE_EVERY_S = 0.15


def in_notebook(shell) -> bool:
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class AnswerView:
    def __init__(self, shell):
        self.notebook = in_notebook(shell)
        self.pieces: list[str] = []
        self._handle = None
        self._last = 0.0

    def token(self, piece: str) -> None:
        self.pieces.append(piece)
        if not self.notebook:
            print(piece, end="", flush=True)
            return
        from IPython.display import Markdown, display

        now = time.monotonic()
        if self._handle is None:
            self._handle = display(Markdown("".join(self.pieces)), display_id=True)
        elif now - self._last >= UPDATE_EVERY_S:
            self._handle.update(Markdown("".join(self.pieces)))
        self._last = now

    def final(self, answer) -> None:
        if self.notebook:
            from IPython.display import Markdown, display

            if self._handle is None:
                display(Markdown(answer.markdown_with_links()))
            else:
                self._handle.update(Markdown(answer.markdown_with_links()))
            return
        print("\n")
        print(answer.text)


class StatusView:
    """Short status lines of an agent run ("choosing a recipe…", "running…", "done in
    1.2 s"): one output updated in place in notebooks, printed one by one in a terminal."""

    def __init__(self, notebook: bool):
        self.notebook = notebook
        self.lines: list[str] = []
        self._handle = None

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        if not self.notebook:
            print(line, flush=True)
            return
        from IPython.display import display

        bundle = {"text/plain": "\n".join(self.lines)}
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)


FINDING_WORDS = {
    "shell": "runs a shell command",
    "install": "installs packages",
    "delete": "deletes, moves or renames files",
    "network": "uses the network",
    "dynamic": "runs code built while it runs (exec, eval, import by name)",
    "write_outside": "writes a file outside the working folder",
    "overwrite_variable": "replaces or deletes one of your variables",
    "syntax": "is not valid Python",
}


def describe_finding(finding: dict) -> str:
    """A policy finding in plain words: "line 2: runs a shell command — os.system('ls')"."""
    words = FINDING_WORDS.get(finding["kind"], finding["kind"])
    return f"line {finding['line']}: {words} — {finding['detail']}"


def text_approval(code: str, findings: list) -> bool:
    """Ask in the terminal or notebook (an input box) before running generated code."""
    print(code)
    for finding in findings:
        print(f"  needs your consent — {describe_finding(finding)}")
    reply = input("Run this code? [y/N] ").strip().lower()
    return reply in ("y", "yes")


def result_summary(result) -> str:
    """One line: the answer and where it is kept, or why there is none."""
    if result.ok:
        extra = f"; new variables: {', '.join(result.new_variables)}" if result.new_variables else ""
        return f"answer: {result.final_answer!r}  (in _molsys_last.final_answer{extra})"
    return result.message


def show_agent_result(result, shell) -> None:
    if result.code and in_notebook(shell):
        from IPython.display import Code, display

        display(Code(result.code, language="python"))
    if not result.ok and result.code and not in_notebook(shell):
        print(result.code)
    print(result_summary(result))
    if result.sources and in_notebook(shell):
        from IPython.display import Markdown, display

        display(Markdown("Documentation: " + " · ".join(
            f"[{s['title']}]({s['url']})" if s.get("url") else s["title"] for s in result.sources)))
    else:
        for source in result.sources:
            print(f"  source: {source['title']} — {source['url'] or source['path']}")
