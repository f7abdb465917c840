"""``[n]`` citation markers: keep those that point at a source, drop the rest,
and list the cited sources with their links."""

from __future__ import annotations

import re

# a marker is not an index: nothing word-like or closing right before it, no "(" after it
_MARKER = re.compile(r"(?<![\w\]\)'\"])\[(\d{1,2})\](?!\()")
_CODE = re.compile(r"(^[ \t]*(```|~~~).*?^[ \t]*\2[ \t]*$|`[^`\n]*`)", re.S | re.M)


def _prose_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the parts of ``text`` outside fenced blocks and inline code."""
    spans, position = [], 0
    for code in _CODE.finditer(text):
        spans.append((position, code.start()))
        position = code.end()
    spans.append((position, len(text)))
    return spans


def _prose_markers(text: str) -> list[re.Match]:
    return [m for start, end in _prose_spans(text) for m in _MARKER.finditer(text, start, end)]


def markers(text: str) -> list[int]:
    """Citation numbers in the prose (array indexes in code are not citations)."""
    return [int(m.group(1)) for m in _prose_markers(text)]


def clean_markers(text: str, n_sources: int) -> tuple[str, list[int]]:
    """Remove markers outside 1..n_sources; return the text and the cited numbers (in order)."""
    cited: list[int] = []
    pieces, position = [], 0
    for match in _prose_markers(text):
        number = int(match.group(1))
        if 1 <= number <= n_sources:
            if number not in cited:
                cited.append(number)
            continue
        pieces.append(text[position : match.start()])
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces), cited


def citation_validity(text: str, n_sources: int) -> float:
    found = markers(text)
    if not found:
        return 1.0
    return sum(1 for n in found if 1 <= n <= n_sources) / len(found)
