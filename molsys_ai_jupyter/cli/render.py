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


def print_answer(answer, streamed: bool) -> None:
    """After a streamed draft, print what verification changed and the final answer's extras."""
    if not streamed:
        print(answer.text)
    else:
        print("\n")
        if answer.text.strip() != answer.draft.strip() and not answer.weak_retrieval:
            if answer.fixed or answer.removed or answer.rewritten:
                changes = [f"{old} → {new}" for old, new in answer.fixed] + [f"removed {n}" for n in answer.removed]
                print("Verified against the API: " + ("; ".join(changes) or "rewritten") + ". The checked answer:\n")
                print(answer.text)
            else:
                tail = answer.text[len(answer.draft.strip()):].strip() if answer.text.startswith(answer.draft.strip()) else answer.text
                print(tail)
    verification = answer.verification
    status = "all API names exist" if verification.get("ok") else f"{len(verification.get('issues', []))} issue(s) remain"
    timings = answer.timings
    print(f"\n[{answer.backend}: {answer.model} · first token {timings.get('ttft_ms', 0) / 1000:.1f} s · "
          f"total {timings.get('total_ms', 0) / 1000:.1f} s · verified: {status}]")
