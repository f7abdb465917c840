"""The dense leg as one Haystack component: query text → MiniLM embedding → Chroma.

Keeping the 384-float query embedding inside one component (instead of wiring a
text embedder to a retriever) matters here: Haystack deep-copies every value
passed between components element by element, and that copy of the embedding
list cost ~10 ms per query — a third of the latency budget.
"""

from __future__ import annotations

from typing import Any

from haystack import Document, component


@component
class DenseRetriever:
    def __init__(self, text_embedder, embedding_retriever):
        self.text_embedder = text_embedder
        self.embedding_retriever = embedding_retriever
        self.last_best_similarity = 0.0  # cosine similarity of the best chunk for the last query

    def warm_up(self) -> None:
        self.text_embedder.warm_up()

    @component.output_types(documents=list[Document])
    def run(self, text: str, filters: dict | None = None, top_k: int | None = None) -> dict[str, Any]:
        embedding = self.text_embedder.run(text=text)["embedding"]
        out = self.embedding_retriever.run(query_embedding=embedding, filters=filters, top_k=top_k)
        distances = [d.score for d in out["documents"] if d.score is not None]
        self.last_best_similarity = 1.0 - min(distances) if distances else 0.0  # Chroma scores are cosine distances
        return out
