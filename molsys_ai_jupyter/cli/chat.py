"""``molsys-ai chat``: a multi-turn conversation in the terminal. Answers stream in as
rendered Markdown, then are replaced by the verified answer; citations are links."""

from __future__ import annotations

from typing import Callable

from ..errors import MolsysAIError

HELP = "Commands: /clear forgets the conversation, /quit (or Ctrl-D) leaves."


def run_chat(assistant, *, k: int = 3, project: str | None = None, read: Callable[[str], str] = input,
             console=None) -> int:
    from rich.console import Console

    console = console or Console()
    backend = assistant.backend
    console.print(f"[bold]MolSys-AI[/bold] chat · {backend.name}: {backend.model}. {HELP}")
    history: list[dict] = []
    while True:
        try:
            question = read("you › ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return 0
        if not question:
            continue
        if question in ("/quit", "/exit"):
            return 0
        if question == "/clear":
            history.clear()
            console.print("(conversation cleared)")
            continue
        try:
            answer = _live_answer(console, assistant, question, k=k, project=project, history=history)
        except MolsysAIError as exc:  # the conversation survives a bad turn
            console.print(f"[red]error:[/red] {exc}")
            continue
        if answer.fixed or answer.removed:
            console.print(f"[dim](verified against the API: {len(answer.fixed)} fixed, {len(answer.removed)} removed)[/dim]")
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.draft or answer.text}]


def _live_answer(console, assistant, question: str, **ask):
    """One turn: the draft streams in as rendered Markdown, then the verified answer (its
    citations as links) replaces it. Returns the answer."""
    from rich.live import Live
    from rich.markdown import Markdown

    pieces: list[str] = []
    with Live(Markdown(""), console=console, refresh_per_second=8) as live:
        def show(piece: str) -> None:
            pieces.append(piece)
            live.update(Markdown("".join(pieces)))

        answer = assistant.ask(question, on_token=show, **ask)
        live.update(Markdown(answer.markdown))
    return answer
