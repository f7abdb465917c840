"""The tools of ``molsys-ai mcp``, as plain typed methods of :class:`Toolbox`.

Heavy parts load on first use, once, under a lock (the SDK runs each call on a worker
thread): the search index on the first ``search_docs``, the API registry on the first call
that needs it, MDTraj on the first structure read. Expected failures raise
:class:`~molsys_ai_jupyter.errors.MolsysAIError` (a message and a hint); the server turns
them into MCP tool errors. Nothing here runs code: ``plan_task`` renders code and checks it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..config import Settings
from ..errors import MolsysAIError
from .models import (
    ApiCard,
    ApiIssue,
    CheckCodeResult,
    Passage,
    PlanTaskResult,
    PolicyFinding,
    SearchDocsResult,
    StructureInfo,
    SymbolInfo,
)
from .paths import Roots

MAX_K = 20
MAX_DOCSTRING_CHARS = 6000
def full_name(name: str) -> str:
    """``msm.structure.get_rmsd`` → ``molsysmt.structure.get_rmsd`` (the suite's usual import
    aliases, as the verifier reads them)."""
    from ..knowledge.verifier import DEFAULT_ALIASES

    head, dot, rest = name.strip().partition(".")
    return DEFAULT_ALIASES.get(head, head) + dot + rest


class Toolbox:
    """The tools over one configuration (:class:`~molsys_ai_jupyter.config.Settings`) and
    the folders a client may read (:class:`~.paths.Roots`)."""

    def __init__(self, settings: Settings, roots: Roots):
        self.settings = settings
        self.roots = roots
        self._lock = threading.Lock()
        self._retriever = None
        self._registry = None
        self._pages = None

    # -- the heavy parts, on first use ------------------------------------------------------
    def warm_up_in_background(self) -> threading.Thread:
        """Load the index and the API registry on a daemon thread while the client
        connects, so that the first call finds them loaded or loading (it waits on the same
        lock, never loads twice). A missing index is left for that call to report."""

        def load() -> None:
            try:
                self.retriever()
                self.registry()
            except MolsysAIError:
                pass  # no index yet: the first search_docs says so, with the fix (molsys-ai index build)

        thread = threading.Thread(target=load, name="molsys-ai-warm-up", daemon=True)
        thread.start()
        return thread

    def retriever(self):
        with self._lock:
            if self._retriever is None:
                from ..knowledge.retrieval import Retriever

                retriever = Retriever(self.settings)
                retriever.warm_up()  # the index and the query encoder load here, once
                self._retriever = retriever
            return self._retriever

    def registry(self):
        with self._lock:
            if self._registry is None:
                from ..knowledge.registry import load_registry

                self._registry = load_registry(self.settings.corpus)
            return self._registry

    def pages(self):
        with self._lock:
            if self._pages is None:
                from ..knowledge.page_text import PagesByUrl

                self._pages = PagesByUrl(self.settings.corpus)
            return self._pages

    # -- tools ------------------------------------------------------------------------------
    def search_docs(self, query: str, k: int = 5, project: str | None = None) -> SearchDocsResult:
        from ..knowledge.retrieval import validate_query

        query = validate_query(query)  # an empty query is refused before the index loads
        if not 1 <= k <= MAX_K:
            raise MolsysAIError(f"k must be between 1 and {MAX_K} (got {k})", "ask for fewer passages")
        result = self.retriever().search(query, k=k, project=project or None)
        passages = [Passage(rank=h.rank, project=h.project, title=h.title, url=h.url, headings=h.headings,
                            text=h.content, code=h.code, score=round(h.score, 4)) for h in result.hits]
        api = [ApiCard(name=h.symbol, signature=h.signature, url=h.url) for h in result.api]
        return SearchDocsResult(query=query, passages=passages, api=api, latency_ms=round(result.latency_ms, 1))

    def get_symbol(self, name: str) -> SymbolInfo:
        wanted = name.strip().strip(".") if isinstance(name, str) else ""
        if not wanted:
            raise MolsysAIError("empty name", "give a dotted name, e.g. molsysmt.structure.get_rmsd")
        registry = self.registry()
        symbol = registry.resolve(full_name(wanted))
        if symbol is None:
            return SymbolInfo(found=False, query=name, suggestions=registry.suggest(full_name(wanted), n=5))
        docstring = symbol.docstring or ""
        if len(docstring) > MAX_DOCSTRING_CHARS:
            docstring = docstring[:MAX_DOCSTRING_CHARS] + "\n[…]"
        return SymbolInfo(found=True, query=name, name=symbol.name, project=symbol.project, kind=symbol.kind,
                          signature=symbol.signature, parameters=list(symbol.params), docstring=docstring or None,
                          url=symbol.doc_url, public_names=list(symbol.public_names))

    def check_code(self, source: str, workdir: Path | None = None) -> CheckCodeResult:
        from ..knowledge.verifier import verify_code
        from ..policy import check_policy

        report = verify_code(source, self.registry())
        findings = check_policy(source, set(), workdir or self.roots.default)
        issues = [ApiIssue(kind=i.kind, name=i.name, line=i.line, col=i.col, message=i.message, kwarg=i.kwarg,
                           suggestions=list(i.suggestions)) for i in report.issues]
        policy = [PolicyFinding(**f.to_dict()) for f in findings]
        return CheckCodeResult(ok=report.ok and not findings, api_ok=report.ok, api_issues=issues, api_error=report.error,
                               symbols_used=list(report.symbols_used), runs_without_consent=not findings,
                               policy_findings=policy)

    def plan_task(self, request: str, files: list[str] | None = None) -> PlanTaskResult:
        """The reader's plan for ``request`` over the files of one root folder (or of ``files``),
        its restatement and its rendered, checked code. Nothing is run and nothing is written."""
        from ..agent.observe import observe
        from ..agent.render import code_for
        from ..agent.task_plan import understand_task

        request = request.strip() if isinstance(request, str) else ""
        if not request:
            raise MolsysAIError("empty request", "say what to compute, e.g. 'the radius of gyration of 1vii.pdb'")
        folder = self.roots.default
        if files:
            paths = [self.roots.file(f) for f in files]
            folders = {p.parent for p in paths}
            if len(folders) > 1:
                raise MolsysAIError("the files are in different folders", "name files of one folder")
            folder = folders.pop()
        observation = observe(folder)
        observation.files = [f for f in observation.files if self.roots.holds(folder / f)]  # no link leads out
        if files:
            named = [p.name for p in paths]
            observation.files = [f for f in observation.files if f in named] or named
            if not any(n.lower() in request.lower() for n in named):
                request = f"{request} ({', '.join(named)})"
        understanding = understand_task(request, observation)
        plan = understanding.plan
        base = dict(restatement=understanding.restatement, plan=plan.to_dict() if plan else None,
                    engine=observation.engine, unaccounted=list(understanding.unaccounted))
        if not understanding.ok:
            return PlanTaskResult(understood=False, message=understanding.message(), **base)
        code = code_for(plan, observation.engine)
        return PlanTaskResult(understood=True, message=f"Plan: {understanding.restatement}", code=code,
                              files=[plan.file] if plan.file else [], check=self.check_code(code, folder), **base)

    def inspect_structure(self, path: str, topology: str | None = None) -> StructureInfo:
        from ..agent.observe import MOLECULAR_SUFFIXES, TRAJECTORY_ONLY
        from ..agent.task_plan import companion_topology
        from .structure import read_structure

        real = self.roots.file(path)
        top = self.roots.file(topology) if topology else None
        if top is None and real.suffix.lower() in TRAJECTORY_ONLY:
            around = [p.name for p in real.parent.iterdir() if p.suffix.lower() in MOLECULAR_SUFFIXES]
            found = companion_topology([real.name], around)
            top = self.roots.file(str(real.parent / found[0])) if found else None
        return read_structure(real, top, shown_as=path)

    def page(self, url: str) -> str:
        """A documentation page as Markdown, by its published address."""
        pages = self.pages()
        file = pages.find(url)
        if file is None:
            raise MolsysAIError(f"no documentation page at {url}",
                                "use an address that search_docs returned (a uibcdf.org page)")
        return pages.markdown(file)
