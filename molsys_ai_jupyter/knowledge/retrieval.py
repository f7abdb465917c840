"""Hybrid retrieval: Haystack components joining the dense leg (MiniLM embeddings in
Chroma, the query embedded by an int8 ONNX export of the same model) and the BM25 leg
(bm25s): pages by their rescaled scores (``fusion.py``), API cards by reciprocal rank.

Each leg's ranking is split in two before fusion: documentation chunks
(fused, then collapsed per source page with ``max_per_source`` so the top-k
covers distinct pages) and API symbol cards (fused separately, returned beside
the pages). Cards ranked among the pages crowded them out (dev set: recall@5
0.80 → 0.83, MRR@10 0.63 → 0.70 once split), while the assistant wants both:
the page that shows how, and the exact signature.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import QUERY_ADAPTERS, Settings
from ..errors import InvalidQuery
from .api_cards import SIGNATURE_PREFIX
from .glossary import expand_query
from .index_files import check_index

if TYPE_CHECKING:
    from haystack_integrations.document_stores.chroma import ChromaDocumentStore

    from .dense import DenseRetriever

MAX_QUERY_CHARS = 20_000
LEG_TOP_K = 30
MODES = ("hybrid", "dense", "bm25")
QUERY_ENCODERS = ("auto", "onnx-int8", "full")



@dataclass
class Hit:
    rank: int
    score: float
    project: str
    path: str
    url: str
    title: str
    headings: str
    kind: str
    content: str
    code: str
    symbol: str
    id: str
    aliases: str = ""  # API cards: every public dotted name of the symbol, space-separated

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def signature(self) -> str:
        """For an API card, its call signature (empty for documentation chunks)."""
        line = next((text for text in self.content.splitlines() if text.startswith(SIGNATURE_PREFIX)), "")
        return line.removeprefix(SIGNATURE_PREFIX)


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]  # documentation chunks, best first, one per page
    api: list[Hit]  # API symbol cards, best first
    latency_ms: float = 0.0
    best_similarity: float = 0.0  # cosine similarity of the closest chunk (dense leg): how on-topic the query is
    best_lexical_score: float = 0.0  # BM25 score of the best chunk (lexical leg): the same, in words
    query_adapter: str = "none"  # the setting the query was embedded with (similarities depend on it)
    named_projects: tuple[str, ...] = ()  # the MolSysSuite projects the query names ("molsysmt", "puw.")
    code_hits: dict = field(default_factory=dict)  # page path → its best-ranked chunk with code (for examples)
    page_chunks: dict = field(default_factory=dict)  # page path → its retrieved chunks, best first (for evidence)

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "latency_ms": round(self.latency_ms, 2),
            "best_similarity": round(self.best_similarity, 4),
            "best_lexical_score": round(self.best_lexical_score, 4),
            "query_adapter": self.query_adapter,
            "named_projects": list(self.named_projects),
            "hits": [h.to_dict() for h in self.hits],
            "api": [h.to_dict() for h in self.api],
        }


_PROJECT_NAMES = {"molsysmt": r"\bmolsysmt\b|\bmsm\.", "pyunitwizard": r"\bpyunitwizard\b|\bpuw\.",
                  "molsysviewer": r"\bmolsysviewer\b", "topomt": r"\btopomt\b", "molsyssuite": r"\bmolsyssuite\b"}
RRF_K = 60  # Haystack's reciprocal rank fusion constant
NAMED_PROJECT_BONUS = 0.25  # in units of the top rank's fused score: about 15 ranks near the top
PAGES_REORDERED = 30
CHUNKS_PER_PAGE = 4  # retrieved chunks of a page kept for the answer's evidence  # how deep the named-project preference looks


def named_projects(query: str, projects: list[str]) -> tuple[str, ...]:
    """The projects of the index that ``query`` names ("in pyunitwizard", "msm.")."""
    return tuple(p for p in projects if p in _PROJECT_NAMES and re.search(_PROJECT_NAMES[p], query, re.I))


def prefer_named_projects(hits: list, named: tuple[str, ...], projects: list[str]) -> list:
    """The fused pages with those of the ``named`` projects (:func:`named_projects`) moved
    up: each page scores 1/(k + rank), and a named project's pages get
    ``NAMED_PROJECT_BONUS``/(k + 1) more; ranks are renumbered. On the dev questions this
    raised the hybrid's MRR@10 0.777 → 0.806; on the blind ones it changed nothing."""
    if not named or len(named) == len(projects):
        return hits
    bonus = NAMED_PROJECT_BONUS / (RRF_K + 1)
    order = sorted(range(len(hits)), key=lambda i: -(1.0 / (RRF_K + i + 1) + (bonus if hits[i].project in named else 0.0)))
    reordered = [hits[i] for i in order]
    for rank, hit in enumerate(reordered, 1):
        hit.rank = rank
    return reordered


def validate_query(query: str) -> str:
    if query is None or not str(query).strip():
        raise InvalidQuery("empty query", "type a question, e.g. molsys-ai search \"how do I select CA atoms?\"")
    query = str(query).strip()
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"query too long ({len(query)} characters, the limit is {MAX_QUERY_CHARS})", "shorten it")
    return query.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate ("\ud800") becomes "?"


class Retriever:
    """Searches one built index. Heavy parts load on first use (or ``warm_up``)."""

    def __init__(self, settings: Settings, leg_top_k: int = LEG_TOP_K, max_per_source: int = 1, n_api: int = 3,
                 query_encoder: str = "auto"):
        if query_encoder not in QUERY_ENCODERS:
            raise ValueError(f"query_encoder must be one of {QUERY_ENCODERS}, got {query_encoder!r}")
        if settings.query_adapter not in QUERY_ADAPTERS:
            raise ValueError(f"settings.query_adapter must be one of {QUERY_ADAPTERS}, got {settings.query_adapter!r}")
        self.settings = settings
        self.query_encoder = query_encoder  # "auto": the int8 ONNX encoder when built, else the full model
        self.index_path = Path(settings.index_path)
        self.manifest = check_index(self.index_path)
        self.projects = sorted(self.manifest["counts"]["by_project"])
        self.leg_top_k = leg_top_k
        self.max_per_source = max_per_source
        self.n_api = n_api
        self._dense: DenseRetriever | None = None  # the legs, made by warm_up
        self._store: ChromaDocumentStore | None = None

    # -- set-up ------------------------------------------------------------------
    def dense_store(self) -> ChromaDocumentStore:
        """The dense leg's Chroma store, checked against the manifest's chunk count first
        (cheap: no model loads), so a broken or empty store is one clear error early."""
        if self._store is None:
            from .embedding import offline

            offline()  # before haystack is imported: it reads its telemetry switch then
            from .store import open_checked_store

            self._store = open_checked_store(self.index_path.resolve() / "chroma", self.manifest["counts"]["chunks"],
                                             self.settings.chroma_url)
        return self._store

    def warm_up(self) -> None:
        if self._dense is not None:
            return
        store = self.dense_store()
        from haystack.components.joiners import DocumentJoiner
        from haystack_integrations.components.retrievers.chroma import ChromaEmbeddingRetriever

        from .bm25 import Bm25sRetriever
        from .dense import DenseRetriever
        from .fusion import PageScoreFusion
        from .splitter import PagesAndCards

        real = self.index_path.resolve()
        self._dense = dense = DenseRetriever(self._query_embedder(),
                                             ChromaEmbeddingRetriever(store, top_k=self.leg_top_k))
        self._bm25 = Bm25sRetriever(str(real / "bm25"), top_k=self.leg_top_k)
        self._split = PagesAndCards()
        self._page_fusion = PageScoreFusion()
        self._card_joiner = DocumentJoiner(join_mode="reciprocal_rank_fusion")
        dense.warm_up()
        self._bm25.warm_up()
        self.search("warm up", k=1)  # first call pays one-off costs (Chroma load, BM25 load)

    @property
    def _dense_leg(self) -> DenseRetriever:
        """The dense leg (made by ``warm_up``)."""
        if self._dense is None:
            raise RuntimeError("call warm_up() first")
        return self._dense

    def _legs(self, text: str, filters: dict | None, mode: str) -> tuple[list, list]:
        """Pages and API cards, best first: each leg's ranking split in two, then the two
        legs fused (``hybrid``: pages by their rescaled scores, cards by reciprocal rank),
        or one leg alone.

        The same Haystack components a ``Pipeline`` would connect, called in order: the
        pipeline deep-copies every document on every edge, which cost about 5 ms of a
        15 ms query here."""
        legs = []
        if mode in ("hybrid", "dense"):
            legs.append(self._split.run(documents=self._dense_leg.run(text=text, filters=filters)["documents"]))
        if mode in ("hybrid", "bm25"):
            legs.append(self._split.run(documents=self._bm25.run(query=text, filters=filters)["documents"]))
        if len(legs) == 1:
            return legs[0]["pages"], legs[0]["cards"]
        dense, bm25 = legs
        pages = self._page_fusion.run(bm25=bm25["pages"], dense=dense["pages"])["documents"]
        cards = self._card_joiner.run(documents=[dense["cards"], bm25["cards"]])["documents"]
        return pages, cards

    @property
    def query_adapter(self) -> str | None:
        """The version of the query adapter in use (``query_adapter.packaged_version``), or
        None when the setting is ``none``."""
        if self.settings.query_adapter == "none":
            return None
        from .query_adapter import packaged_version

        return packaged_version()

    def _query_embedder(self):
        """The int8 ONNX query encoder (built by ``index build``), or the full model; then
        the query adapter, unless the setting turns it off."""
        from .onnx_encoder import OnnxQueryEmbedder, encoder_paths

        path = encoder_paths(self.settings).queries
        if self.query_encoder == "onnx-int8" or (self.query_encoder == "auto" and path.is_file()):
            self.query_encoder = "onnx-int8"
            embedder = OnnxQueryEmbedder(path)
        else:
            import torch

            from .embedding import text_embedder

            torch.set_num_threads(1)  # one query at a time: 1 thread has the best tail latency here
            self.query_encoder = "full"
            embedder = text_embedder()
        if self.settings.query_adapter == "none":
            return embedder
        from .query_adapter import AdaptedQueryEmbedder

        return AdaptedQueryEmbedder(embedder)

    # -- queries -----------------------------------------------------------------
    def _filters(self, project: str | None) -> dict | None:
        if not project:
            return None
        if project not in self.projects:
            raise InvalidQuery(f"unknown project '{project}'", f"choose one of: {', '.join(self.projects)}")
        return {"field": "meta.project", "operator": "==", "value": project}

    def search(self, query: str, k: int = 5, project: str | None = None, mode: str = "hybrid") -> SearchResult:
        """Search the index; ``latency_ms`` of the result excludes the one-off warm-up."""
        query = validate_query(query)
        filters = self._filters(project)
        if mode not in MODES:
            raise InvalidQuery(f"unknown retrieval mode '{mode}'", f"choose one of: {', '.join(MODES)}")
        if k < 1:
            raise InvalidQuery(f"k must be at least 1 (got {k})")
        self.warm_up()
        started = time.perf_counter()
        expanded = expand_query(query)
        pages, cards = self._legs(expanded, filters, mode)
        hits = self._collapse(pages, max(k, PAGES_REORDERED), self.max_per_source)
        named = named_projects(query, self.projects)
        if mode == "hybrid" and not project:
            hits = prefer_named_projects(hits, named, self.projects)
        hits = hits[:k]
        wanted = {hit.path for hit in hits}
        code_chunks = [d for d in pages if (d.meta or {}).get("code") and d.meta.get("path") in wanted]
        return SearchResult(
            query=query,
            hits=hits,
            code_hits={h.path: h for h in self._collapse(code_chunks, len(wanted), 1)},
            page_chunks=self._chunks_of(pages, wanted),
            api=self._collapse(cards, self.n_api, 1),
            latency_ms=(time.perf_counter() - started) * 1000.0,
            best_similarity=self._dense_leg.last_best_similarity if mode != "bm25" else 0.0,
            best_lexical_score=self._bm25.last_best_score if mode != "dense" else 0.0,
            query_adapter=self.settings.query_adapter,
            named_projects=named,
        )

    @classmethod
    def _chunks_of(cls, pages, wanted: set[str], per_page: int = CHUNKS_PER_PAGE) -> dict[str, list[Hit]]:
        """The retrieved chunks of each wanted page, best first (a page's answer may sit
        in a chunk other than the one that ranked it)."""
        chosen: dict[str, list] = {}
        for doc in pages:
            path = (doc.meta or {}).get("path")
            if path in wanted and len(chosen.setdefault(path, [])) < per_page:
                chosen[path].append(doc)
        return {path: cls._collapse(docs, per_page, 0) for path, docs in chosen.items()}

    @staticmethod
    def _collapse(documents, k: int, max_per_source: int) -> list[Hit]:
        hits: list[Hit] = []
        per_source: dict[str, int] = {}
        for doc in documents:
            if len(hits) >= k:
                break
            meta = doc.meta or {}
            key = meta.get("symbol") or meta.get("path", "")
            if max_per_source and per_source.get(key, 0) >= max_per_source:
                continue
            per_source[key] = per_source.get(key, 0) + 1
            hits.append(
                Hit(
                    rank=len(hits) + 1,
                    score=float(doc.score or 0.0),
                    project=meta.get("project", ""),
                    path=meta.get("path", ""),
                    url=meta.get("url", ""),
                    title=meta.get("title", ""),
                    headings=meta.get("headings", ""),
                    kind=meta.get("kind", ""),
                    content=doc.content or "",
                    code=meta.get("code", ""),
                    symbol=meta.get("symbol", ""),
                    id=doc.id,
                    aliases=meta.get("aliases", ""),
                )
            )
        return hits
