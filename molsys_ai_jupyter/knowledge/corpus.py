"""Load a corpus snapshot into retrieval chunks (doc pages + API symbol cards)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .api_cards import load_cards
from .chunks import DEFAULT_MAX_TOKENS, Chunk, chunk_page
from .manifest import CorpusManifest
from .pages import load_page
from .tokens import TokenCounter


@dataclass(frozen=True)
class ChunkParams:
    max_tokens: int = DEFAULT_MAX_TOKENS
    include_internal_api: bool = False  # molsysmt.form.* cards

    def to_dict(self) -> dict:
        return {"max_tokens": self.max_tokens, "include_internal_api": self.include_internal_api}


def load_chunks(corpus_root: Path, model_dir: Path, params: ChunkParams = ChunkParams()) -> tuple[CorpusManifest, list[Chunk]]:
    manifest = CorpusManifest(corpus_root)
    counter = TokenCounter(model_dir)
    chunks: list[Chunk] = []
    for file in manifest.doc_files():
        chunks.extend(chunk_page(load_page(manifest.root, file), counter, params.max_tokens))
    chunks.extend(load_cards(manifest, include_internal=params.include_internal_api))
    return manifest, _unique(chunks)


def _unique(chunks: list[Chunk]) -> list[Chunk]:
    seen: set[str] = set()
    out = []
    for chunk in chunks:
        if chunk.id not in seen:
            seen.add(chunk.id)
            out.append(chunk)
    return out
