"""Build a knowledge index: chunks → (cached) embeddings → Chroma + BM25, as a Haystack
indexing pipeline, built aside and swapped in atomically.

Layout under the index root::

    <name>            symlink → .builds/<name>-<stamp>   (swapped with os.replace)
    .builds/<name>-<stamp>/chroma/          persistent ChromaDocumentStore
    .builds/<name>-<stamp>/bm25/            bm25s index + documents.jsonl
    .builds/<name>-<stamp>/manifest.json    what was built, from what, how

An interrupted build leaves a half-written folder in ``.builds`` that nothing
points to; the previous index stays in use and the next build removes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from ..config import Settings
from .corpus import ChunkParams, load_chunks
from .embedding import EmbeddingCache, model_dir, model_version, offline
from .index_files import MANIFEST_NAME, builds_dir, read_manifest

KEEP_PREVIOUS_BUILDS = 1


def fingerprint(chunks, params: ChunkParams, model: str) -> str:
    """Changes whenever anything stored would change: text, metadata, parameters, model."""
    digest = hashlib.sha256()
    from .bm25 import BM25_TEXT_VERSION

    digest.update(json.dumps([params.to_dict(), model, BM25_TEXT_VERSION], sort_keys=True).encode())
    for chunk in chunks:
        digest.update(chunk.id.encode())
        digest.update(chunk.content.encode())
        digest.update(json.dumps(chunk.meta, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def _counts(chunks) -> dict:
    by_project: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    pages = set()
    for chunk in chunks:
        by_project[chunk.meta["project"]] = by_project.get(chunk.meta["project"], 0) + 1
        by_kind[chunk.meta["kind"]] = by_kind.get(chunk.meta["kind"], 0) + 1
        if chunk.meta["kind"] != "api" or not chunk.meta["symbol"]:
            pages.add(chunk.meta["path"])
    return {"chunks": len(chunks), "pages": len(pages), "by_project": by_project, "by_kind": by_kind}


def build_index(
    settings: Settings,
    params: ChunkParams | None = None,
    force: bool = False,
    progress: bool = True,
    log=print,
) -> dict:
    """Build (or reuse) the index ``settings.index_name``; returns its manifest.
    ``params`` defaults to ``ChunkParams()``."""
    if params is None:
        params = ChunkParams()
    started = time.perf_counter()
    offline()
    corpus_manifest, chunks = load_chunks(settings.corpus, model_dir(), params)
    model = model_version()
    print_ = log if progress else (lambda *a, **k: None)
    fp = fingerprint(chunks, params, model)
    current = read_manifest(settings.index_path, missing_ok=True)
    from .onnx_encoder import build_encoders  # after offline(): it imports haystack

    encoders = build_encoders(settings)  # the fp32 passage and int8 query exports: built once per model, then kept
    if current and current.get("fingerprint") == fp and not force:
        print_(f"index '{settings.index_name}' is up to date ({len(chunks)} chunks); use --force to rebuild")
        return current
    print_(f"indexing {len(chunks)} chunks from {settings.corpus} …")

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    staging = Path(tempfile.mkdtemp(prefix=f"{settings.index_name}-{stamp}-", dir=builds_dir(settings)))
    stats = _run_pipeline(chunks, staging, settings, progress, encoders.passages)

    manifest = {
        "name": settings.index_name,
        "fingerprint": fp,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus": str(settings.corpus),
        "corpus_commits": corpus_manifest.commits(),
        "model": model,
        "embedding_dim": 384,
        "chunk_params": params.to_dict(),
        "counts": _counts(chunks),
        "embeddings": stats,
        "query_encoder": encoders.queries.name,
        "passage_encoder": encoders.passages.name,
        "build_seconds": round(time.perf_counter() - started, 2),
        "versions": {p: version(p) for p in ("haystack-ai", "chromadb", "chroma-haystack", "bm25s", "onnxruntime")},
    }
    (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _swap_in(settings, staging)
    print_(
        f"built index '{settings.index_name}': {len(chunks)} chunks "
        f"({stats['embedded']} embedded, {stats['cached']} from cache) in {manifest['build_seconds']} s"
    )
    return manifest


def _run_pipeline(chunks, staging: Path, settings: Settings, progress: bool, passage_encoder: Path) -> dict:
    from haystack import Document, Pipeline

    from .bm25 import Bm25sIndexWriter
    from .cached_embedder import CachedDocumentEmbedder
    from .onnx_encoder import OnnxDocumentEmbedder
    from .store import ChromaBatchWriter, open_store

    documents = [Document(id=c.id, content=c.content, meta=c.meta) for c in chunks]
    cache = EmbeddingCache(settings.embedding_cache)
    # the fp32 ONNX export: the sentence-transformers model's vectors (within 1e-6), 1.6x faster here
    embedder = CachedDocumentEmbedder(cache, progress_bar=progress,
                                      make_embedder=lambda: OnnxDocumentEmbedder(passage_encoder))
    pipeline = Pipeline()
    pipeline.add_component("embedder", embedder)
    pipeline.add_component("dense_writer", ChromaBatchWriter(open_store(staging / "chroma")))
    pipeline.add_component("bm25_writer", Bm25sIndexWriter(str(staging / "bm25")))
    pipeline.connect("embedder.documents", "dense_writer.documents")
    pipeline.connect("embedder.documents", "bm25_writer.documents")
    try:
        pipeline.run({"embedder": {"documents": documents}})
    finally:
        cache.close()
    return dict(embedder.stats)


def _swap_in(settings: Settings, staging: Path) -> None:
    link = settings.index_path
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists() and not link.is_symlink():  # a plain folder from elsewhere: keep it aside
        link.rename(builds_dir(settings) / f"{settings.index_name}-previous-{int(time.time())}")
    tmp_link = link.parent / f".{settings.index_name}.swap-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(os.path.relpath(staging, link.parent))
    os.replace(tmp_link, link)  # atomic: readers see the old or the new index, never half of one
    _prune(settings, keep=staging)


def _prune(settings: Settings, keep: Path) -> None:
    """Remove old and abandoned builds of this index, keeping the newest previous ones."""
    mine = sorted(
        (p for p in builds_dir(settings).glob(f"{settings.index_name}-*") if p.resolve() != keep.resolve()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    complete = [p for p in mine if (p / MANIFEST_NAME).is_file()]
    survivors = set(complete[:KEEP_PREVIOUS_BUILDS])
    for path in mine:
        if path not in survivors:
            shutil.rmtree(path, ignore_errors=True)
