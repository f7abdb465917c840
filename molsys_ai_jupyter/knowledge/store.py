"""The dense leg's persistent Chroma store and a batched writer for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haystack import Document, component
from haystack_integrations.document_stores.chroma import ChromaDocumentStore

COLLECTION = "chunks"
WRITE_BATCH = 1000


class QueryChromaDocumentStore(ChromaDocumentStore):
    """A ChromaDocumentStore whose vector search leaves the stored embeddings out of
    the results: the retriever never needs them, and copying 30 × 384 floats through
    the query pipeline cost more than the search itself."""

    def search_embeddings(self, query_embeddings, top_k: int, filters: dict | None = None):
        self._ensure_initialized()
        kwargs = ChromaDocumentStore._prepare_query_kwargs(filters)
        kwargs["include"] = [field for field in kwargs["include"] if field != "embeddings"]
        results = self._collection.query(query_embeddings=query_embeddings, n_results=top_k, **kwargs)
        return self._query_result_to_documents(results)


def open_store(folder: Path | str) -> ChromaDocumentStore:
    return QueryChromaDocumentStore(
        collection_name=COLLECTION,
        persist_path=str(folder),
        distance_function="cosine",
        client_settings={"anonymized_telemetry": False},
    )


@component
class ChromaBatchWriter:
    """Writes embedded documents to a :class:`ChromaDocumentStore` in large batches.

    ``ChromaDocumentStore.write_documents`` adds one document per Chroma call
    (2,000 documents took 59 s here); one ``add`` per batch takes seconds. The
    payload format is the store's own, so its retrievers read what this writes.
    """

    def __init__(self, document_store: ChromaDocumentStore, batch_size: int = WRITE_BATCH):
        self.document_store = document_store
        self.batch_size = batch_size

    @component.output_types(documents_written=int)
    def run(self, documents: list[Document]) -> dict[str, Any]:
        store = self.document_store
        store._ensure_initialized()
        payloads = [p for p in map(ChromaDocumentStore._convert_document_to_chroma, documents) if p]
        for start in range(0, len(payloads), self.batch_size):
            batch = payloads[start : start + self.batch_size]
            merged: dict[str, list] = {}
            for payload in batch:
                for key, values in payload.items():
                    merged.setdefault(key, []).extend(values)
            store._collection.add(**merged)
        return {"documents_written": len(payloads)}
