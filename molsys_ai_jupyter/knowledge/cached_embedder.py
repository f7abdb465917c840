"""A Haystack component that embeds only passages it has not embedded before."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from haystack import Document, component

from .embedding import EmbeddingCache, document_embedder, passage_key


def passage_of(doc: Document) -> str:
    """The exact text the document embedder embeds (context field + content)."""
    return f"{doc.meta.get('context', '')}\n{doc.content or ''}"


@component
class CachedDocumentEmbedder:
    """Embeds the documents whose passage the cache does not hold with ``make_embedder()``
    (a Haystack document embedder of the packaged model; default the sentence-transformers
    one), and stores what it embedded."""

    def __init__(self, cache: EmbeddingCache, batch_size: int = 32, progress_bar: bool = True,
                 make_embedder: Callable[[], Any] | None = None):
        self.cache = cache
        self.make_embedder = make_embedder or (lambda: document_embedder(batch_size=batch_size, progress_bar=progress_bar))
        self.stats = {"cached": 0, "embedded": 0}

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        keys = [passage_key(passage_of(d)) for d in documents]
        cached = self.cache.get_many(keys)
        missing = [d for d, k in zip(documents, keys, strict=True) if k not in cached]
        if missing:
            embedder = self.make_embedder()
            embedder.warm_up()
            embedded = embedder.run(documents=missing)["documents"]
            fresh = {passage_key(passage_of(d)): d.embedding for d in embedded}
            self.cache.put_many(fresh)
            cached.update(fresh)
        self.stats = {"cached": len(documents) - len(missing), "embedded": len(missing)}
        return {"documents": [replace(doc, embedding=list(cached[key])) for doc, key in zip(documents, keys, strict=True)]}
