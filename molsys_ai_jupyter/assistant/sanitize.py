"""Make an answer name only real API: fix what has a confident replacement, drop
code blocks that cannot be fixed, and turn unknown names in prose into plain,
visibly flagged words. Driven by the knowledge base's verifier."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..knowledge.registry import SymbolRegistry
from ..knowledge.verifier import (
    SYNTAX_ERROR,
    UNKNOWN_KWARG,
    UNKNOWN_SYMBOL,
    VerificationReport,
    split_fences,
    verify_text,
)

_TOKEN = re.compile(r"[A-Za-z_][\w.]*")
API_ISSUES = (UNKNOWN_SYMBOL, UNKNOWN_KWARG)
MAX_PASSES = 4


@dataclass
class SanitizeResult:
    text: str
    fixed: list[tuple[str, str]] = field(default_factory=list)  # (written, replacement)
    removed: list[str] = field(default_factory=list)  # names removed or flagged
    dropped_blocks: int = 0
    report: VerificationReport | None = None


def api_issues(report: VerificationReport) -> list:
    return [i for i in report.issues if i.kind in API_ISSUES]


def _blocking_issues(report: VerificationReport) -> list:
    """What an answer may not keep: invented API anywhere, Python blocks that do not parse."""
    return [i for i in report.issues if i.kind in API_ISSUES or (i.kind == SYNTAX_ERROR and i.origin == "code")]


def _token_at(line: str, col: int) -> re.Match | None:
    for match in _TOKEN.finditer(line):
        if match.start() <= col < match.end():
            return match
    return None


def _replacement(written: str, suggestion: str) -> str:
    """Keep the writer's alias: ``msm.structure.align`` + ``molsysmt.structure.least_rmsd_align``
    → ``msm.structure.least_rmsd_align``."""
    head = written.split(".", 1)[0]
    return head + suggestion[len(suggestion.split(".", 1)[0]):]


def _block_ranges(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) 0-based line indexes of each fenced block, fences included."""
    blocks, _ = split_fences(lines)
    ranges = []
    for block in blocks:
        first = block.start_line - 2
        body = block.text.count("\n") + 1 if block.text else 0
        ranges.append((first, min(len(lines) - 1, first + body + 1)))
    return ranges


_FENCE_LINE = re.compile(r"^[ \t]*(```|~~~)")


_EMPTY_BLOCK = re.compile(r"^[ \t]*```[\w-]*[ \t]*\n[ \t]*```[ \t]*$\n?", re.M)


def balance_fences(text: str) -> str:
    """Close a code block the model left open (so later text is not read as code) and
    drop empty ones."""
    opened = sum(1 for line in text.split("\n") if _FENCE_LINE.match(line)) % 2
    text = text.rstrip() + "\n```" if opened else text
    return _EMPTY_BLOCK.sub("", text)


def sanitize(text: str, registry: SymbolRegistry) -> SanitizeResult:
    result = SanitizeResult(text=balance_fences(text))
    for _ in range(MAX_PASSES):
        report = verify_text(result.text, registry)
        issues = _blocking_issues(report)
        if not issues:
            result.report = report
            return result
        lines = result.text.split("\n")
        ranges = _block_ranges(lines)
        drop: set[tuple[int, int]] = set()
        edits: list[tuple[int, int, int, str]] = []  # line, start, end, new text
        for issue in issues:
            index = issue.line - 1
            if not 0 <= index < len(lines):
                continue
            block = next((r for r in ranges if r[0] < index < r[1]), None)
            if issue.kind == SYNTAX_ERROR:
                if block is not None:
                    drop.add(block)
                continue
            edit = _edit_for(issue, lines[index], result)
            if edit is not None:
                edits.append((index, *edit))
            elif block is not None:
                drop.add(block)
                result.removed.append(issue.name if issue.kind == UNKNOWN_SYMBOL else f"{issue.name}({issue.kwarg}=)")
            else:
                token = _token_at(lines[index], issue.col)
                if token:
                    last = token.group().rsplit(".", 1)[-1]
                    edits.append((index, token.start(), token.end(), f"{last} (not in the API)"))
                    result.removed.append(issue.name)
        for index, start, end, new in sorted(set(edits), key=lambda e: (e[0], e[1]), reverse=True):
            if not any(r[0] <= index <= r[1] for r in drop):
                lines[index] = lines[index][:start] + new + lines[index][end:]
        for first, last in sorted(drop, reverse=True):
            del lines[first : last + 1]
            result.dropped_blocks += 1
        result.text = "\n".join(lines)
    result.report = verify_text(result.text, registry)
    return result


def _edit_for(issue, line: str, result: SanitizeResult) -> tuple[int, int, str] | None:
    """(start, end, new) for a confident in-place fix of ``issue`` on ``line``, else None."""
    if issue.kind == UNKNOWN_KWARG:
        if not issue.suggestions or not issue.kwarg:
            return None
        match = re.search(rf"\b{re.escape(issue.kwarg)}\s*=", line[issue.col:] if issue.col < len(line) else line)
        if not match:
            match = re.search(rf"\b{re.escape(issue.kwarg)}\s*=", line)
            offset = 0
        else:
            offset = issue.col if issue.col < len(line) else 0
        if not match:
            return None
        result.fixed.append((issue.kwarg, issue.suggestions[0]))
        return offset + match.start(), offset + match.start() + len(issue.kwarg), issue.suggestions[0]
    token = _token_at(line, issue.col)
    if token is None or not issue.suggestions:
        return None
    written = token.group()
    new = _replacement(written, issue.suggestions[0])
    result.fixed.append((written, new))
    return token.start(), token.end(), new
