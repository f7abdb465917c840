"""``[n]`` citation markers: keep those that point at a source, drop the rest,
and list the cited sources with their links."""

from __future__ import annotations

import re

_MARKER = re.compile(r"\[(\d{1,2})\](?!\()")


def markers(text: str) -> list[int]:
    return [int(m.group(1)) for m in _MARKER.finditer(text)]


def clean_markers(text: str, n_sources: int) -> tuple[str, list[int]]:
    """Remove markers outside 1..n_sources; return the text and the cited numbers (in order)."""
    cited: list[int] = []

    def keep(match: re.Match) -> str:
        number = int(match.group(1))
        if 1 <= number <= n_sources:
            if number not in cited:
                cited.append(number)
            return match.group(0)
        return ""

    return _MARKER.sub(keep, text), cited


def citation_validity(text: str, n_sources: int) -> float:
    found = markers(text)
    if not found:
        return 1.0
    return sum(1 for n in found if 1 <= n <= n_sources) / len(found)
