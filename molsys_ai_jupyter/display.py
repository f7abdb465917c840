"""Showing answers in IPython: streamed into one updating Markdown output in
notebooks, printed as they come in a terminal."""

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


def text_approval(code: str, findings: list) -> bool:
    """Ask in the terminal or notebook (an input box) before running generated code."""
    print(code)
    for finding in findings:
        print(f"  needs your consent — {finding['kind']}: {finding['detail']}")
    reply = input("Run this code? [y/N] ").strip().lower()
    return reply in ("y", "yes")


def show_agent_result(result, shell) -> None:
    if result.code and in_notebook(shell):
        from IPython.display import Code, display

        display(Code(result.code, language="python"))
    if result.ok:
        extra = f"; new variables: {', '.join(result.new_variables)}" if result.new_variables else ""
        print(f"answer: {result.final_answer!r}  (in _molsys_last.final_answer{extra})")
    else:
        if result.code and not in_notebook(shell):
            print(result.code)
        print(result.message)
