"""A Haystack component that embeds only passages it has not embedded before."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from haystack import Document, component

from .embedding import EmbeddingCache, document_embedder, passage_key


def passage_of(doc: Document) -> str:
    """The exact text the document embedder embeds (context field + content)."""
    return f"{doc.meta.get('context', '')}\n{doc.content or ''}"


@component
class CachedDocumentEmbedder:
    def __init__(self, cache: EmbeddingCache, batch_size: int = 32, progress_bar: bool = True):
        self.cache = cache
        self.batch_size = batch_size
        self.progress_bar = progress_bar
        self.stats = {"cached": 0, "embedded": 0}

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        keys = [passage_key(passage_of(d)) for d in documents]
        cached = self.cache.get_many(keys)
        missing = [d for d, k in zip(documents, keys) if k not in cached]
        if missing:
            embedder = document_embedder(batch_size=self.batch_size, progress_bar=self.progress_bar)
            embedder.warm_up()
            embedded = embedder.run(documents=missing)["documents"]
            fresh = {passage_key(passage_of(d)): d.embedding for d in embedded}
            self.cache.put_many(fresh)
            cached.update(fresh)
        self.stats = {"cached": len(documents) - len(missing), "embedded": len(missing)}
        return {"documents": [replace(doc, embedding=list(cached[key])) for doc, key in zip(documents, keys)]}
