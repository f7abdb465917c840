"""Structure-aware chunking of pages into retrieval chunks.

Rules: chunks never cross a section (heading) boundary; a code block is never
split; a notebook code cell stays with the markdown that explains it (a
"recipe"); every embedded passage — heading context + content — fits in
``max_tokens`` model tokens. A code block longer than that stays whole in the
chunk content, and only its embedded passage is cut.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from .pages import Block, Page, Section
from .tokens import MODEL_MAX_TOKENS, SPECIAL_TOKENS, TokenCounter

# 192 beat 128 and 256 on the dev set (indexes/recipes/README.md); 256 is the model's limit
DEFAULT_MAX_TOKENS = 192
PASSAGE_SEPARATOR = "\n"


@dataclass
class Chunk:
    id: str
    content: str  # what a reader (user or LLM) sees
    meta: dict = field(default_factory=dict)  # includes "context": the project › page › heading line

    @property
    def passage(self) -> str:
        """What is embedded and BM25-indexed: the context line, then the content
        (the same text the Haystack embedder builds from ``meta_fields_to_embed``)."""
        return f"{self.meta.get('context', '')}{PASSAGE_SEPARATOR}{self.content}"


def page_kind(page: Page) -> str:
    path = page.file.path
    if "/api/" in path:
        return "api"
    if page.fmt == "ipynb" or "tutorial" in path.lower() or "showcase" in path:
        return "tutorial"
    return "guide"


def _render(block: Block, fmt: str) -> str:
    if not block.code or fmt != "ipynb":
        return block.text
    text = f"```python\n{block.text}\n```"
    if block.output:
        text += f"\nOutput:\n{block.output}"
    return text


def _code_of(block: Block) -> str:
    """The code of a code block, without Markdown fence lines."""
    lines = block.text.splitlines()
    if lines and lines[0].lstrip().startswith(("```", "~~~")):
        lines = lines[1:]
        if lines and lines[-1].strip() in ("```", "~~~", "````"):
            lines = lines[:-1]
    return "\n".join(lines)


def _split_prose(text: str, budget: int, counter: TokenCounter) -> list[str]:
    """Split an over-long prose block at sentence or line boundaries."""
    pieces = re.split(r"(?<=[.!?])\s+|\n", text)
    out: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current} {piece}".strip() if current else piece
        if current and counter.count(candidate) > budget:
            out.append(current)
            current = piece
        else:
            current = candidate
    if current:
        out.append(current)
    # a single sentence longer than the budget is cut hard
    return [counter.cut(p, budget) if counter.count(p) > budget else p for p in out]


def context_line(page: Page, section: Section) -> str:
    trail = [h for h in section.headings if h != page.title]
    parts = [page.file.project, page.title, *trail]
    return " › ".join(p for p in parts if p)


def _pack(units: list[tuple[str, bool]], budget: int, counter: TokenCounter) -> list[list[tuple[str, bool]]]:
    """Greedy packing of (text, is_code) units into groups within ``budget`` tokens.

    When a code unit overflows the current group, the prose unit right before it
    (its explanation) moves with it into the next group.
    """
    groups: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    used = 0
    for text, is_code in units:
        size = counter.count(text) + 1
        if current and used + size > budget:
            carry: list[tuple[str, bool]] = []
            if is_code and len(current) > 1 and not current[-1][1]:
                carry = [current.pop()]
            groups.append(current)
            current = carry
            used = sum(counter.count(t) + 1 for t, _ in current)
        current.append((text, is_code))
        used += size
    if current:
        groups.append(current)
    return groups


def chunk_page(page: Page, counter: TokenCounter, max_tokens: int = DEFAULT_MAX_TOKENS) -> list[Chunk]:
    max_tokens = min(max_tokens, MODEL_MAX_TOKENS)
    kind = page_kind(page)
    chunks: list[Chunk] = []
    for section in page.sections:
        context = context_line(page, section)
        budget = max(32, max_tokens - SPECIAL_TOKENS - counter.count(context) - 1)
        units: list[tuple[str, bool]] = []
        for block in section.blocks:
            text = _render(block, page.fmt)
            if not block.code and counter.count(text) > budget:
                units.extend((piece, False) for piece in _split_prose(text, budget, counter))
            else:
                units.append((text, block.code))
        for group in _pack(units, budget, counter):
            content = "\n\n".join(text for text, _ in group)
            rendered_code = {text for text, is_code in group if is_code}
            code = "\n\n".join(
                _code_of(b) for b in section.blocks if b.code and _render(b, page.fmt) in rendered_code
            )
            url = page.file.url
            if section.anchor and section.headings and section.headings[0:1] != [section.headings[-1]]:
                url = f"{url}#{section.anchor}"
            chunk_kind = "recipe" if code and page.fmt == "ipynb" else kind
            meta = {
                "project": page.file.project,
                "path": page.file.corpus_path,
                "url": url,
                "anchor": section.anchor,
                "title": page.title,
                "headings": " > ".join(section.headings),
                "kind": chunk_kind,
                "code": code,
                "symbol": "",
                "context": context,
            }
            chunk = Chunk(id="", content=content, meta=meta)
            chunk.id = _chunk_id(page.file.corpus_path, len(chunks), chunk.passage)
            chunks.append(chunk)
    return chunks


def _chunk_id(path: str, ordinal: int, passage: str) -> str:
    digest = hashlib.sha1(f"{path}\x00{ordinal}\x00{passage}".encode()).hexdigest()
    return digest[:20]
