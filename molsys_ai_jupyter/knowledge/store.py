"""The dense leg's Chroma store (the index's embedded folder, or a Chroma server)
and a batched writer for it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from haystack import Document, component
from haystack_integrations.document_stores.chroma import ChromaDocumentStore

if TYPE_CHECKING:
    from chromadb import Collection

COLLECTION = "chunks"
WRITE_BATCH = 1000


def _collection(store: ChromaDocumentStore) -> Collection:
    """The store's Chroma collection, opened on first use."""
    store._ensure_initialized()
    collection = store._collection
    assert collection is not None  # _ensure_initialized opens it or raises (the store's own check)
    return collection


class QueryChromaDocumentStore(ChromaDocumentStore):
    """A ChromaDocumentStore whose vector search leaves the stored embeddings out of
    the results: the retriever never needs them, and copying 30 × 384 floats through
    the query pipeline cost more than the search itself."""

    def search_embeddings(self, query_embeddings, top_k: int, filters: dict | None = None):
        collection = _collection(self)
        kwargs = ChromaDocumentStore._prepare_query_kwargs(filters)
        kwargs["include"] = [field for field in kwargs["include"] if field != "embeddings"]
        results = collection.query(query_embeddings=query_embeddings, n_results=top_k, **kwargs)
        return self._query_result_to_documents(results)


CHROMA_DEFAULT_PORT = 8000
CHROMA_URL_HINT = "set chroma_url (MOLSYS_AI_CHROMA_URL) to http://HOST:PORT of `chroma run`, or unset it"


def chroma_location(folder: Path | str, url: str | None = None) -> dict:
    """Where the dense store lives: ``{"persist_path": folder}`` (the index's embedded
    Chroma folder) when ``url`` is empty, else ``{"host", "port"}`` of a Chroma server
    (client/server mode: several API workers share one store)."""
    if not url or not str(url).strip():
        return {"persist_path": str(folder)}
    from ..errors import MolsysAIError

    text = str(url).strip()
    parts = urlsplit(text if "://" in text else f"http://{text}")
    if parts.scheme != "http":
        raise MolsysAIError(f"unsupported Chroma URL scheme '{parts.scheme}' in {text}",
                            "use http://HOST:PORT (put TLS in a proxy in front of the Chroma server)")
    if parts.path.strip("/") or parts.query or parts.username:
        raise MolsysAIError(f"a Chroma URL is http://HOST:PORT only, got {text}", CHROMA_URL_HINT)
    try:
        port = parts.port
    except ValueError:
        raise MolsysAIError(f"bad port in the Chroma URL {text}", CHROMA_URL_HINT) from None
    if not parts.hostname:
        raise MolsysAIError(f"no host in the Chroma URL {text}", CHROMA_URL_HINT)
    return {"host": parts.hostname, "port": port or CHROMA_DEFAULT_PORT}


def open_store(folder: Path | str, url: str | None = None) -> ChromaDocumentStore:
    """The index's dense store: its Chroma folder, or the Chroma server at ``url``
    (which must serve that same folder, e.g. ``chroma run --path <index>/chroma``)."""
    return QueryChromaDocumentStore(
        collection_name=COLLECTION,
        distance_function="cosine",
        client_settings={"anonymized_telemetry": False},
        **chroma_location(folder, url),
    )


def open_checked_store(folder: Path | str, expected: int, url: str | None = None) -> ChromaDocumentStore:
    """:func:`open_store`, once the store is seen to hold the ``expected`` chunks (the
    index manifest's count). Cheap: one ``count()``, no model. A store Chroma cannot read
    (truncated or garbage ``chroma.sqlite3``) or one holding another count (an empty
    ``chroma.sqlite3`` opens as a new, empty store) is :class:`IndexCorrupt`."""
    from chromadb.errors import InternalError

    from ..errors import IndexCorrupt, MolsysAIError
    from .index_files import REBUILD_HINT

    store = open_store(folder, url)
    remote = bool(url and str(url).strip())
    where = f"{url} (a Chroma server)" if remote else str(folder)
    hint = f"serve this index's store (`chroma run --path {folder}`), or {REBUILD_HINT}" if remote else REBUILD_HINT
    try:
        found = store.count_documents()
    except InternalError as exc:  # seen for malformed, truncated and non-database files
        raise IndexCorrupt(f"the index's dense store at {where} is unreadable ({exc})", hint) from None
    except ValueError as exc:  # how chromadb says that a Chroma server did not answer
        if not remote:
            raise
        raise MolsysAIError(f"no answer from the Chroma server at {url} ({exc})", CHROMA_URL_HINT) from None
    if found != expected:
        raise IndexCorrupt(f"the index's dense store at {where} holds {found} chunks, its manifest lists {expected}",
                           hint)
    return store


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
        collection = _collection(self.document_store)
        payloads = [p for p in map(ChromaDocumentStore._convert_document_to_chroma, documents) if p]
        for start in range(0, len(payloads), self.batch_size):
            batch = payloads[start : start + self.batch_size]
            merged: dict[str, list] = {}
            for payload in batch:
                for key, values in payload.items():
                    merged.setdefault(key, []).extend(values)
            collection.add(**merged)
        return {"documents_written": len(payloads)}
