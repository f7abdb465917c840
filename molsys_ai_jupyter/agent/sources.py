"""The documentation behind an agent run: the knowledge index searched with the task and
what the chosen recipe does, so the report and the transcript cite the pages (molsysmt's
first) that explain the code. Without an index the run goes on without sources and says so."""

from __future__ import annotations

from typing import Callable

# find(query, k) -> [{"title", "url", "project", "path"}]
DocsFinder = Callable[[str, int], list[dict]]


def query_for(task: str, recipe_summary: str = "") -> str:
    return f"{task} {recipe_summary}".strip()


def index_finder(settings, retriever_of: Callable[[], object]) -> tuple[DocsFinder | None, str]:
    """A finder over the knowledge index, or ``(None, why)`` when there is no usable index.
    ``retriever_of`` gives the (lazily built, shared) Retriever."""
    from ..errors import MolsysAIError
    from ..knowledge.index_files import check_index

    try:
        check_index(settings.index_path)
    except MolsysAIError as exc:
        return None, f"no documentation sources: {exc}"

    def find(query: str, k: int) -> list[dict]:
        result = retriever_of().search(query, k=k)
        return [{"title": hit.title or hit.path, "url": hit.url, "project": hit.project, "path": hit.path}
                for hit in result.hits[:k]]

    return find, ""
