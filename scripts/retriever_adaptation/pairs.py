"""(question, passage) pairs for adapting the dense retriever to the MolSysSuite docs,
synthesised from the corpus itself, each with a hard negative mined by BM25.

The questions are the ones the corpus asks of itself:

- ``recipe``: the prose a page writes before a code cell ("Let's remove the water
  molecules") → the passage holding that code;
- ``heading``: a section heading, as a question where it is one ("How to convert …" →
  "How do I convert …?") → the section's first passage;
- ``api``: the first docstring line of a public function → the page named after the
  function (``molsysmt.remove`` → ``tools/basic/remove.ipynb``), when there is one;
- ``sentence``: one sentence of a passage with several (the inverse cloze task) → that
  passage.

The negative is the best BM25 passage of another page: close in words, wrong in place.
Pages cited by evaluation questions (``exclude_pages``) give no question, so the figures
measured on those questions stay honest; their passages still serve as negatives.

Besides these, ``written_questions.jsonl`` holds 1,754 questions written about the pages
(in two batches, 2–12 per page with content, 28 % in Spanish, each with an exact quote of its
page as evidence) by writers who saw neither the evaluation questions nor this code; ``export``
writes them out expanded as the retriever expands a query.

Run from the repository root, with the project's environment::

    python scripts/retriever_adaptation/pairs.py OUT_DIR   # pairs_*, written_*, chunks.jsonl, eval.json, minilm/

then ``DATA=OUT_DIR python fit.py`` on a GPU (the encoder adapted on these pairs: about 4
minutes for 28 variants on one H100; no variant ranked better than the base model, so
nothing of it ships), or ``DATA=OUT_DIR python query_adapter.py VARIANT…`` on a CPU (the
query adapter the package ships, fitted to the written questions in seconds).
``docs/retrieval.md`` has what each measured.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from molsys_ai_jupyter.knowledge.corpus import ChunkParams, load_chunks
from molsys_ai_jupyter.knowledge.manifest import CorpusManifest
from molsys_ai_jupyter.knowledge.pages import load_page
from molsys_ai_jupyter.train.dataset import clean_prose, recipe_pairs

MIN_QUERY_WORDS = 3
MAX_QUERY_CHARS = 300
MIN_SENTENCE_WORDS, MAX_SENTENCE_WORDS = 6, 40
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _stable(path: str, n: int) -> int:
    import hashlib

    return int(hashlib.sha1(f"{path}\x00{n}".encode()).hexdigest()[:8], 16)


@dataclass
class Pair:
    query: str
    positive: str  # the passage as embedded: context line, then content
    negative: str
    page: str
    kind: str

    def to_dict(self) -> dict:
        return asdict(self)


def heading_query(heading: str, title: str) -> str:
    """A heading as the question it answers ("" for one that is only the page's name)."""
    heading = heading.strip().rstrip(":.")
    if heading.lower() == title.strip().lower() or len(heading.split()) < 2:
        return ""
    if heading.lower().startswith("how to "):
        return f"How do I {heading[7:]}?"
    return heading


def _queries(corpus_root: Path, pages: dict[str, list], exclude: frozenset[str]) -> list[tuple[str, str, int, str]]:
    """(query, page, index of the positive chunk in that page, kind)."""
    manifest = CorpusManifest(corpus_root)
    out = []
    for file in manifest.doc_files():
        path = file.corpus_path
        if path in exclude or path not in pages:
            continue
        chunks = pages[path]
        page = load_page(manifest.root, file)
        for question, code, _ in recipe_pairs(page):
            intent = clean_prose(question.split("): ", 1)[-1])
            first_line = next((line for line in code.splitlines() if line.strip() and not line.startswith("```")), "")
            where = next((n for n, c in enumerate(chunks) if first_line and first_line.strip() in c.content), None)
            if where is not None and len(intent.split()) >= MIN_QUERY_WORDS:
                out.append((intent[:MAX_QUERY_CHARS], path, where, "recipe"))
        seen = set()
        for n, chunk in enumerate(chunks):
            heading = (chunk.meta.get("headings") or "").split(" > ")[-1]
            query = heading_query(heading, chunk.meta.get("title", ""))
            if query and query not in seen:
                seen.add(query)
                out.append((query, path, n, "heading"))
            sentences = [s for s in _SENTENCE.split(clean_prose(chunk.content)) if
                         MIN_SENTENCE_WORDS <= len(s.split()) <= MAX_SENTENCE_WORDS and "`" not in s and "|" not in s]
            if len(sentences) >= 2:  # one sentence of several: it points at the passage without being all of it
                out.append((sentences[_stable(path, n) % len(sentences)], path, n, "sentence"))
    stems = defaultdict(list)
    for path in pages:
        stems[(path.split("/")[0], Path(path).stem.lower())].append(path)
    for project, surface in manifest.api_surfaces().items():
        for line in surface.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("kind") != "function" or not record.get("docstring"):
                continue
            short = record["qualname"].rsplit(".", 1)[-1].lower()
            targets = [p for p in stems.get((project, short), []) if p not in exclude]
            summary = clean_prose(record["docstring"].strip().split("\n\n")[0]).replace("\n", " ")
            if len(targets) == 1 and len(summary.split()) >= MIN_QUERY_WORDS:
                out.append((summary[:MAX_QUERY_CHARS], targets[0], 0, "api"))
    return out


def build_pairs(corpus_root: Path, model_dir: Path, exclude_pages: frozenset[str] = frozenset(),
                seed: int = 0) -> tuple[list[Pair], dict]:
    """The pairs and their counts; deterministic for a corpus and ``seed``."""
    import bm25s

    from molsys_ai_jupyter.knowledge.bm25 import tokenize

    _, chunks = load_chunks(corpus_root, model_dir, ChunkParams())
    docs = [c for c in chunks if not c.meta.get("symbol")]
    pages: dict[str, list] = defaultdict(list)
    for chunk in docs:
        pages[chunk.meta["path"]].append(chunk)
    index = bm25s.BM25()
    index.index([tokenize(c.passage) for c in docs], show_progress=False)
    vocab = index.vocab_dict
    pairs, counts = [], defaultdict(int)
    seen = set()
    for query, path, where, kind in _queries(corpus_root, pages, exclude_pages):
        key = re.sub(r"\W+", " ", query.lower()).strip()
        if key in seen:
            continue
        seen.add(key)
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            continue
        ids, _ = index.retrieve([tokens], k=min(10, len(docs)), show_progress=False, n_threads=1)
        negative = next((docs[int(i)] for i in ids[0] if docs[int(i)].meta["path"] != path), None)
        if negative is None:
            continue
        pairs.append(Pair(query, pages[path][where].passage, negative.passage, path, kind))
        counts[kind] += 1
    random.Random(seed).shuffle(pairs)
    info = {"pairs": len(pairs), "by_kind": dict(counts), "pages": len({p.page for p in pairs}),
            "excluded_pages": len(exclude_pages)}
    return pairs, info


def cited_pages(*question_files: Path) -> frozenset[str]:
    """Every page cited as a gold source by these question sets (JSONL with ``gold_sources``)."""
    pages = set()
    for path in question_files:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                pages.update(json.loads(line)["gold_sources"])
    return frozenset(pages)


WRITTEN_QUESTIONS = Path(__file__).with_name("written_questions.jsonl")


def written_questions(exclude_pages: frozenset[str] = frozenset(), path: Path = WRITTEN_QUESTIONS) -> list[dict]:
    """The questions written for training, each about one page (``question``, ``page``,
    ``evidence``, ``kind``, ``lang``), less those about ``exclude_pages``."""
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["page"] not in exclude_pages]


def export(out: Path) -> None:
    """Everything ``fit.py`` reads: two sets of pairs (``pairs_excl.jsonl`` without the
    pages any evaluation question cites, ``pairs_all.jsonl`` from every page), every
    indexed chunk as it is embedded, and for the dev and both blind question sets the BM25
    leg's top 30 with scores and the projects each question names (as the retriever reads
    them); and the base model."""
    import re
    import shutil

    from haystack import Document

    from molsys_ai_jupyter.config import load_settings
    from molsys_ai_jupyter.knowledge.bm25 import Bm25sRetriever
    from molsys_ai_jupyter.knowledge.cached_embedder import passage_of
    from molsys_ai_jupyter.knowledge.embedding import model_dir
    from molsys_ai_jupyter.knowledge.glossary import expand_query
    from molsys_ai_jupyter.knowledge.retrieval import _PROJECT_NAMES

    settings = load_settings()
    sets = {"dev": settings.bench / "dev_questions.jsonl", "A": Path("benchmarks/doc_questions_blind.jsonl"),
            "B": Path("benchmarks/doc_questions_blind_b.jsonl"), "C": Path("benchmarks/doc_questions_blind_c.jsonl")}
    sets = {name: path for name, path in sets.items() if path.is_file()}
    out.mkdir(parents=True, exist_ok=True)
    for name, exclude in (("excl", cited_pages(*sets.values())), ("all", frozenset())):
        pairs, info = build_pairs(settings.corpus, model_dir(), exclude)
        (out / f"pairs_{name}.jsonl").write_text("".join(json.dumps(p.to_dict()) + "\n" for p in pairs))
        print(name, json.dumps(info))
        written = [dict(q, expanded=expand_query(q["question"])) for q in written_questions(exclude)]
        (out / f"written_{name}.jsonl").write_text("".join(json.dumps(q) + "\n" for q in written))
        print(f"written_{name}", len(written))
    index = settings.index_path.resolve()
    docs = [json.loads(line) for line in (index / "bm25" / "documents.jsonl").open()]
    position = {d["id"]: n for n, d in enumerate(docs)}
    (out / "chunks.jsonl").write_text("".join(json.dumps({
        "passage": passage_of(Document(content=d["content"], meta=d["meta"])), "path": d["meta"]["path"],
        "project": d["meta"].get("project", ""), "card": bool(d["meta"].get("symbol"))}) + "\n" for d in docs))
    bm25 = Bm25sRetriever(str(index / "bm25"), top_k=30)
    bm25.warm_up()
    evaluation = {}
    for name, path in sets.items():
        rows = []
        for line in path.read_text().splitlines():
            if line.strip():
                question = json.loads(line)
                text = expand_query(question["query"])
                named = sorted(p for p, pattern in _PROJECT_NAMES.items() if re.search(pattern, question["query"], re.I))
                rows.append({"id": question["id"], "expanded": text, "gold": question["gold_sources"], "named": named,
                             "bm25": [[position[d.id], float(d.score)] for d in bm25.run(query=text)["documents"]]})
        evaluation[name] = rows
    (out / "eval.json").write_text(json.dumps(evaluation))
    shutil.copytree(model_dir(), out / "minilm", dirs_exist_ok=True)


if __name__ == "__main__":
    import sys

    export(Path(sys.argv[1]))
