"""The assistant: question → retrieval → compact prompt → streamed draft →
verification (one constrained rewrite, then deterministic fixes) → grounding (only
what the passages support; the passages' own words when that is too little) → an
answer with numbered citations, checked code from the docs and the real API."""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from ..config import Settings
from ..errors import InvalidQuery
from ..knowledge.api_cards import INTERNAL_PREFIXES
from ..knowledge.verifier import verify_code, verify_text
from .citations import clean_markers
from .grounding import MIN_SUPPORTED, evidence, ground, question_words
from .prompt import build_messages, rewrite_messages
from .sanitize import api_issues, sanitize

MAX_QUESTION_CHARS = 4000


@dataclass(frozen=True)
class OnTopicGate:
    """When a question is off-topic (answered "not documented" without the model): its closest
    passage is below ``weak_similarity`` in meaning, and it is either below ``similarity_floor``
    in meaning or has no evidence in words: a BM25 score below ``lexical_evidence`` and no
    MolSysSuite project named ("¿Qué es PyUnitWizard?"). Similarities depend on the query
    embedding, so there is one gate per ``query_adapter`` setting."""

    weak_similarity: float
    similarity_floor: float
    lexical_evidence: float

    def off_topic(self, similarity: float, lexical: float, names_project: bool = False) -> bool:
        if similarity >= self.weak_similarity:
            return False
        in_words = lexical >= self.lexical_evidence or names_project
        return not (similarity >= self.similarity_floor and in_words)


# none (the base query): the similarity floor alone (0.42, from the dev questions) turned away 9 of 92
# blind questions, 6 in Spanish, which the English embedder places far from the docs; those all have a
# passage at ≥ 0.32 and a BM25 score ≥ 5.6, while off-topic questions ("the capital of France", "a good
# movie") stay below 0.26 and 4.7. packaged (the adapted query): on-topic dev and blind-A questions
# have a passage at ≥ 0.24, twelve off-topic ones stay at ≤ 0.28 and a BM25 score ≤ 3.9. docs/retrieval.md
# has both gates on 96 on-topic and 80 hard off-topic questions a red team wrote.
GATES = {"none": OnTopicGate(0.42, 0.30, 5.0), "packaged": OnTopicGate(0.32, 0.24, 5.0)}


def off_topic(result) -> bool:
    """No passage close enough in meaning, nor in meaning and words together."""
    if not result.hits:
        return True
    gate = GATES.get(result.query_adapter)
    if gate is None:
        raise ValueError(f"no on-topic gate for query_adapter {result.query_adapter!r}; one of {sorted(GATES)}")
    return gate.off_topic(result.best_similarity, result.best_lexical_score, bool(result.named_projects))


API_LINES = 3
LOW_LEVEL_PREFIXES = (*INTERNAL_PREFIXES, "molsysmt.lib.")  # not what a user calls
NOT_DOCUMENTED = (
    "I could not find this in the MolSysSuite documentation, so I will not guess an answer. "
    "The closest pages are listed below."
)


@dataclass
class Source:
    number: int
    title: str
    url: str
    path: str
    project: str


@dataclass
class Answer:
    question: str
    text: str  # the final, verified answer (markdown)
    sources: list[Source]
    cited: list[int]  # source numbers the text cites
    draft: str  # what the model wrote, before verification
    verification: dict
    fixed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rewritten: bool = False
    weak_retrieval: bool = False
    api: list[str] = field(default_factory=list)
    backend: str = ""
    model: str = ""
    timings: dict = field(default_factory=dict)  # retrieval_ms, ttft_ms (from the question), llm_ms, total_ms
    grounding: dict = field(default_factory=dict)  # draft_sentences kept, dropped_sentences, dropped_blocks, from_passages

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def markdown(self) -> str:
        """The answer with its source list as Markdown links (for notebooks and terminals)."""
        text = self.text.split("\nSources:\n")[0] if self.sources else self.text
        if self.sources:
            text += "\n\n**Sources**\n\n" + "\n".join(f"{s.number}. [{s.title}]({s.url})" for s in self.sources)
        return text


def validate_question(question: str) -> str:
    if question is None or not str(question).strip():
        raise InvalidQuery("empty question", 'ask something, e.g. molsys-ai ask "how do I count waters?"')
    question = str(question).strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuery(f"question too long ({len(question)} characters, the limit is {MAX_QUESTION_CHARS})",
                           "shorten it, or put long code in the notebook context")
    return question


class Assistant:
    def __init__(self, settings: Settings, retriever=None, backend=None, registry=None):
        self.settings = settings
        self._retriever = retriever
        self._backend = backend
        self._registry = registry

    @property
    def retriever(self):
        if self._retriever is None:
            from ..knowledge.retrieval import Retriever

            self._retriever = Retriever(self.settings)
        return self._retriever

    @property
    def loaded_backend(self):
        """The model backend if one was made already, else None (nothing is loaded)."""
        return self._backend

    @property
    def backend(self):
        if self._backend is None:
            from ..llm import get_backend

            self._backend = get_backend(self.settings)
        return self._backend

    @property
    def registry(self):
        if self._registry is None:
            from ..knowledge.registry import load_registry

            self._registry = load_registry(self.settings.corpus)
        return self._registry

    def prompt_budget(self) -> int:
        """Prompt tokens: small on the embedded model (prompt length is its latency)."""
        return 300 if self.backend.name == "embedded" else 2500

    def ask(self, question: str, *, k: int = 3, project: str | None = None, history: list[dict] | None = None,
            notebook_context: str | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
        started = time.perf_counter()
        question = validate_question(question)
        backend = self.backend  # fail fast (server down, model missing) before retrieval work
        result = self.retriever.search(question, k=k, project=project)
        retrieval_ms = (time.perf_counter() - started) * 1000.0
        sources = [Source(i, _one_line(h.headings or h.title), _one_line(h.url), h.path, h.project)
                   for i, h in enumerate(result.hits, 1)]
        timings = {"retrieval_ms": round(retrieval_ms, 1)}
        # with notebook context (the user's cell, its error) the question is about their code:
        # the model answers from that context even when the docs have little to add
        if not notebook_context and off_topic(result):
            text = NOT_DOCUMENTED + "\n\n" + _sources_section(sources)
            if on_token:
                on_token(text)
            timings["ttft_ms"] = timings["total_ms"] = round((time.perf_counter() - started) * 1000.0, 1)
            report = verify_text(text, self.registry)
            return Answer(question, text, sources, [], "", report.to_dict(), weak_retrieval=True,
                          backend=backend.name, model=backend.model, timings=timings)

        messages = build_messages(question, result.hits, result.api, budget_tokens=self.prompt_budget(),
                                  history=history, notebook_context=notebook_context)
        stream = backend.stream(messages, max_tokens=self.settings.max_answer_tokens,
                                temperature=self.settings.temperature)
        with stream:  # on_token may raise (the client left): the generation stops at once
            for piece in stream:
                if on_token:
                    on_token(piece)
        draft = stream.result.text.strip()
        timings["ttft_ms"] = round(retrieval_ms + stream.result.ttft_ms, 1)
        timings["llm_ms"] = round(stream.result.total_ms, 1)

        text, rewritten = self._rewrite_if_invented(draft)
        cleaned = sanitize(text, self.registry)
        body, _ = clean_markers(cleaned.text.strip(), len(sources))
        # only what the passages support; an answer about the user's own cell and error is checked for code only
        grounded = ground(body, result.hits, self.registry, prose_checked=not notebook_context, cards=result.api)
        dropped_blocks = grounded.dropped_blocks + cleaned.dropped_blocks
        grounding = {"draft_sentences": grounded.supported_sentences, "dropped_sentences": grounded.dropped_sentences,
                     "dropped_blocks": dropped_blocks,
                     "from_passages": grounded.supported_sentences < MIN_SUPPORTED and not notebook_context}
        parts, cited = [grounded.text], list(grounded.cited)  # supported sentences and sound code blocks only
        if not notebook_context:  # then the passages' own words on the question, and their closest code
            docs = evidence(question, result.hits, result.code_hits, self.registry, with_code="```" not in grounded.text,
                            page_chunks=result.page_chunks)
            if docs.text:
                parts.append(docs.text if grounding["from_passages"] else f"From the docs: {docs.text}")
            cited += [n for n in docs.cited if n not in cited]
        if dropped_blocks:  # said after the answer, not as its first line
            parts.append(f"_(Removed {dropped_blocks} code block(s) of the model's draft: they used names or modules "
                         "that do not exist, or were not valid Python.)_")
        body = "\n\n".join(part for part in parts if part)
        extras, extra_cited = self._grounded_extras(result, body)
        final = "\n\n".join(part for part in (body, extras, _sources_section(sources)) if part)
        final = _INVISIBLE.sub("", final)
        recheck = sanitize(final, self.registry)  # the assembled answer is checked as a whole, too
        final, final_report = recheck.text, recheck.report
        cleaned.fixed += recheck.fixed
        cleaned.removed += recheck.removed
        timings["total_ms"] = round((time.perf_counter() - started) * 1000.0, 1)
        return Answer(
            question=question, text=final, sources=sources, cited=sorted(set(cited) | set(extra_cited)),
            draft=draft, verification=final_report.to_dict(), fixed=cleaned.fixed, removed=cleaned.removed,
            rewritten=rewritten, api=[c.symbol for c in result.api], backend=backend.name, model=backend.model,
            timings=timings, grounding=grounding,
        )

    def _rewrite_if_invented(self, draft: str) -> tuple[str, bool]:
        """One constrained rewrite when the draft names API that does not exist."""
        issues = api_issues(verify_text(draft, self.registry))
        if not issues:
            return draft, False
        corrections = []
        for issue in issues:
            name = issue.name if issue.kind == "unknown_symbol" else f"{issue.name}({issue.kwarg}=…)"
            fix = f"use {issue.suggestions[0]}" if issue.suggestions else "remove it"
            corrections.append(f"{name} does not exist: {fix}")
        rewrite = self.backend.complete(rewrite_messages(draft, corrections),
                                        max_tokens=self.settings.max_answer_tokens, temperature=0.0).text.strip()
        if rewrite and len(api_issues(verify_text(rewrite, self.registry))) < len(issues):
            return rewrite, True
        return draft, False

    def _grounded_extras(self, result, body: str = "") -> tuple[str, list[int]]:
        """The real signatures of the API the best sources use and the answer names."""
        signatures = [f"- `{sym.name}{_arguments(sym.signature)}`" + (f" — {sym.doc_url}" if sym.doc_url else "")
                      for sym in self.relevant_symbols(result, body)]
        return ("API:\n" + "\n".join(signatures) if signatures else ""), []

    def relevant_symbols(self, result, body: str = "", limit: int = API_LINES):
        """Public functions the best pages are about, their code calls and the answer
        names in code (``children_of(feature_id)``, when one symbol of the best pages'
        projects has that name), weighted by page rank and by the words their names share
        with the question (``least_rmsd_fit`` before the ``convert`` every example starts
        with); then the best API cards."""
        asked = question_words(result.query)
        weight: dict[str, float] = {}
        projects = {hit.project for hit in result.hits[:2]}
        for name in dict.fromkeys(_NAME_IN_CODE.findall(" ".join(_INLINE_CODE.findall(body)))):
            candidates = [s for s in self.registry.named(name) if s.name.split(".", 1)[0] in projects]
            if len(candidates) == 1:  # one meaning only
                weight[candidates[0].name] = weight.get(candidates[0].name, 0.0) + 1.0
        for rank, page in enumerate(result.hits[:2], 1):  # the function a page is about, first
            documented = documented_symbol(page.path, page.project, self.registry)
            if documented is not None:
                weight[documented.name] = weight.get(documented.name, 0.0) + 2.0 / rank
        for rank, page in enumerate(result.hits[:2], 1):
            hit = result.code_hits.get(page.path, page)
            for name in verify_code(hit.code, self.registry).symbols_used if hit.code else []:
                weight[name] = weight.get(name, 0.0) + 1.0 / rank
        for name in weight:  # and the words its name shares with the question
            weight[name] += len(question_words(name.rsplit(".", 1)[-1].replace("_", " ")) & asked)
        names = sorted(weight, key=lambda n: -weight[n]) + [c.symbol for c in result.api]
        chosen, seen = [], set()
        for name in names:
            symbol = self.registry.resolve(name)
            if symbol is None or symbol.name in seen or symbol.kind not in ("function", "class", "method"):
                continue
            if symbol.name.startswith(LOW_LEVEL_PREFIXES):
                continue
            seen.add(symbol.name)
            chosen.append(symbol)
            if len(chosen) == limit:
                break
        return chosen


_INLINE_CODE = re.compile(r"`([^`\n]+)`")
# a function written as a call (``children_of(feature_id)``): a bare ``get_missing_bonds`` may be an argument's name
_NAME_IN_CODE = re.compile(r"(?<![\w.])([A-Za-z_]\w*_\w*|[A-Z][a-z]+[A-Z]\w*)(?=\()")
# invisible characters that can hide or reorder what an answer shows (bidi overrides, zero-width
# spaces, terminal escapes and other control characters); line breaks and tabs stay
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def documented_symbol(path: str, project: str, registry):
    """The function or class a docs page is about, when its file is named after it
    (``…/tools/structure/least_rmsd_fit.ipynb`` → ``molsysmt.structure.least_rmsd_fit``,
    ``…/basic/iterator.ipynb`` → ``molsysmt.Iterator``), else None."""
    if not isinstance(path, str) or not project:
        return None
    parts = path.replace("\\", "/").split("/")
    if len(parts) < 2 or "." not in parts[-1]:
        return None
    stem, folder = parts[-1].rsplit(".", 1)[0], parts[-2]
    camel = "".join(word.capitalize() for word in stem.split("_"))
    for name in (f"{project}.{folder}.{stem}", f"{project}.{folder}.{camel}"):
        symbol = registry.resolve(name)
        if symbol is not None and symbol.kind in ("function", "class"):
            return symbol
    return None


def _arguments(signature: str) -> str:
    """``(a, b=1)`` out of ``name(a, b=1)``."""
    start = signature.find("(")
    return signature[start:] if start >= 0 else "()"


def _one_line(text) -> str:
    """A source's title or address as one line of plain text (a heading with a line break
    could start a Sources list of its own)."""
    return " ".join(_INVISIBLE.sub("", text).split()) if isinstance(text, str) else ""


def _sources_section(sources: list[Source]) -> str:
    if not sources:
        return ""
    return "Sources:\n" + "\n".join(f"[{s.number}] {s.title} — {s.url}" for s in sources)
