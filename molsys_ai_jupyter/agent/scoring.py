"""Is an agent's final answer right? The tolerance rules of the agent task sets."""

from __future__ import annotations


def within(got, expected, tolerance: dict) -> bool:
    if isinstance(expected, list):
        if not isinstance(got, (list, tuple)):
            return False
        if tolerance.get("set"):
            return sorted(map(str, got)) == sorted(map(str, expected))
        return len(got) == len(expected) and all(within(g, e, tolerance) for g, e in zip(got, expected, strict=True))
    if tolerance.get("exact") or isinstance(expected, str):
        return str(got).strip() == str(expected).strip()
    try:
        got, expected = float(got), float(expected)
    except (TypeError, ValueError):
        return False
    if "abs" in tolerance:
        return abs(got - expected) <= tolerance["abs"]
    if "rel" in tolerance:
        return abs(got - expected) <= tolerance["rel"] * abs(expected)
    return got == expected
