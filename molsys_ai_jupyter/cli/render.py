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
            signature = next((l for l in card.content.splitlines() if l.startswith("Signature:")), "")
            print(f"  • {card.symbol}  {signature.removeprefix('Signature: ')}")
            if card.url:
                print(f"    {card.url}")
    print()
