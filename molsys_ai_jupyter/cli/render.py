"""Plain-text rendering of search results for the terminal."""

from __future__ import annotations

import textwrap


def _snippet(text: str, width: int = 100, lines: int = 3) -> str:
    flat = " ".join(text.split())
    wrapped = textwrap.wrap(flat, width=width)[:lines]
    if len(wrapped) == lines:
        wrapped[-1] += " …"
    return "\n".join("    " + line for line in wrapped)


def print_search_result(result) -> None:
    if not result.hits and not result.api:
        print("no matches — try other words, or drop --project")
        return
    for hit in result.hits:
        where = hit.headings or hit.title
        print(f"[{hit.rank}] {hit.project} › {where}  ({hit.kind}, score {hit.score:.4f})")
        print(f"    {hit.url}")
        print(f"    {hit.path}")
        print(_snippet(hit.content))
    if result.api:
        print("\nAPI symbols:")
        for card in result.api:
            print(f"  • {card.symbol}  {card.signature}")
            if card.url:
                print(f"    {card.url}")
    print()


def ask_streaming(ask, console=None):
    """Run ``ask(on_token)`` with the model's draft streaming into a transient live view,
    which the checked answer then replaces: the answer is printed once, never the draft
    and then the answer again. Returns what ``ask`` returns."""
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = console or Console()
    pieces: list[str] = []
    with Live(Text(""), console=console, refresh_per_second=8, transient=True) as live:
        def show(piece: str) -> None:
            pieces.append(piece)
            live.update(Text("".join(pieces)))

        return ask(show)


def print_answer(answer) -> None:
    """The checked answer, what verification changed in the draft, and one status line."""
    print(answer.text)
    if answer.fixed or answer.removed:
        changes = [f"{old} → {new}" for old, new in answer.fixed] + [f"removed {n}" for n in answer.removed]
        print("\n(verified against the API: " + "; ".join(changes) + ")")
    verification = answer.verification
    if verification.get("error"):  # the checker itself failed: nothing was checked to the end
        status = f"API names not checked ({verification['error']})"
    elif verification.get("ok"):
        status = "all API names exist"
    else:
        status = f"{len(verification.get('issues', []))} issue(s) remain"
    timings = answer.timings
    print(f"\n[{answer.backend}: {answer.model} · first token {timings.get('ttft_ms', 0) / 1000:.1f} s · "
          f"total {timings.get('total_ms', 0) / 1000:.1f} s · verified: {status}]")
