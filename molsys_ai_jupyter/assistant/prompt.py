"""The prompt: a fixed system prefix (so llama.cpp's prefix cache reuses it), then
numbered source blocks, a few API signatures, optional notebook context and
history, and the question — trimmed to a token budget, because on the embedded
model the prompt length *is* the latency."""

from __future__ import annotations

SYSTEM_PROMPT = (
    "You are MolSys-AI, the assistant of the MolSysSuite Python libraries "
    "(molsysmt, pyunitwizard, molsysviewer, topomt). Answer the question using only "
    "the numbered sources. Cite the sources you use as [1], [2]. Only use functions "
    "that appear in the sources. If the sources do not answer it, say so. Be brief."
)
CHARS_PER_TOKEN = 3.6  # rough, for budgeting before the model's tokenizer is loaded


def approx_tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 1


def _trim(text: str, max_tokens: int) -> str:
    limit = int(max_tokens * CHARS_PER_TOKEN)
    text = text if isinstance(text, str) else ""  # a passage without text
    text = " ".join(text.split()) if "```" not in text else text.strip()
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


def source_blocks(hits, per_source_tokens: int) -> str:
    parts = []
    for number, hit in enumerate(hits, 1):
        where = hit.headings or hit.title
        parts.append(f"[{number}] {hit.project}: {where}\n{_trim(hit.content, per_source_tokens)}")
    return "\n\n".join(parts)


def api_lines(cards, limit: int = 2) -> str:
    return "\n".join(card.signature for card in cards[:limit] if card.signature)


def fit_history(history: list[dict], budget_tokens: int) -> list[dict]:
    """The most recent turns that fit in ``budget_tokens`` (oldest dropped first)."""
    kept: list[dict] = []
    used = 0
    for turn in reversed(history or []):
        cost = approx_tokens(turn.get("content", "")) + 4
        if used + cost > budget_tokens:
            break
        kept.append({"role": turn["role"], "content": turn["content"]})
        used += cost
    return list(reversed(kept))


def build_messages(question: str, hits, cards, *, budget_tokens: int, history: list[dict] | None = None,
                   notebook_context: str | None = None) -> list[dict]:
    """Messages within ``budget_tokens`` (prompt side): sources get what the rest leaves."""
    fixed = approx_tokens(SYSTEM_PROMPT) + approx_tokens(question) + 40
    api = api_lines(cards)
    fixed += approx_tokens(api)
    notebook = _trim(notebook_context, max(0, budget_tokens // 5)) if notebook_context else ""
    fixed += approx_tokens(notebook)
    turns = fit_history(history or [], max(0, budget_tokens // 4))
    fixed += sum(approx_tokens(t["content"]) + 4 for t in turns)
    per_source = max(40, (budget_tokens - fixed) // max(1, len(hits)))
    body = f"Sources:\n{source_blocks(hits, per_source)}"
    if api:
        body += f"\n\nAPI:\n{api}"
    if notebook:
        body += f"\n\nNotebook context:\n{notebook}"
    body += f"\n\nQuestion: {question}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, *turns, {"role": "user", "content": body}]


def rewrite_messages(draft: str, corrections: list[str]) -> list[dict]:
    """The one constrained rewrite after the verifier found invented API."""
    notes = "\n".join(f"- {c}" for c in corrections)
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Rewrite this answer, applying these corrections and changing nothing else:\n"
                                    f"{notes}\n\nAnswer:\n{draft}"},
    ]
