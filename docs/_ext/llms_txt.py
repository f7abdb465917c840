"""``llms.txt`` and ``llms-full.txt`` at the root of the built site (https://llmstxt.org), so
that agents without MCP can read the docs too: a map of this project's pages and of the
MolSysSuite documentation (one link per page), and all their text in one file.

The MolSysSuite pages come from the corpus the project is configured with
(``MOLSYS_AI_DATA``); without one, the files hold this project's pages only.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

TITLE = "MolSys-AI for Jupyter"
SUMMARY = ("The AI assistant of the MolSysSuite molecular-modelling libraries (MolSysMT, MolSysViewer, "
           "PyUnitWizard, TopoMT): cited answers from their documentation, verified code, an MCP server.")


def corpus_pages(corpus: Path | None) -> list[tuple[str, str, str, str]]:
    """(project, title, url, markdown) of each documentation page of the corpus, by project and URL."""
    if corpus is None or not (Path(corpus) / "MANIFEST.json").is_file():
        return []
    from molsys_ai_jupyter.knowledge.page_text import PagesByUrl, page_markdown
    from molsys_ai_jupyter.knowledge.pages import load_page

    found = PagesByUrl(corpus)
    pages = []
    for url, file in sorted(found.files.items(), key=lambda item: (item[1].project, item[0])):
        page = load_page(found.corpus, file)
        pages.append((file.project, page.title, url, page_markdown(page)))
    return pages


def write_llms_files(out: Path, own: list[tuple[str, str, str]], suite: list[tuple[str, str, str, str]]) -> None:
    """``own``: (title, url, text) of this project's pages; ``suite``: :func:`corpus_pages`."""
    index = [f"# {TITLE}", "", f"> {SUMMARY}", "", "## MolSys-AI for Jupyter documentation", ""]
    index += [f"- [{title}]({url})" for title, url, _ in own]
    full = [f"# {TITLE}", "", f"> {SUMMARY}", ""]
    full += [f"{text.rstrip()}\n\nSource: {url}\n" for _, url, text in own]
    project = None
    for name, title, url, text in suite:
        if name != project:
            project = name
            index += ["", f"## {name} documentation", ""]
        index.append(f"- [{title}]({url})")
        full.append(text.rstrip() + "\n")
    (out / "llms.txt").write_text("\n".join(index) + "\n", encoding="utf-8")
    (out / "llms-full.txt").write_text("\n---\n\n".join(full) + "\n", encoding="utf-8")


def _build_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    env = app.env
    own = []
    for doc in sorted(env.found_docs, key=lambda d: (d != app.config.root_doc, d)):
        title = env.titles[doc].astext() if doc in env.titles else doc
        own.append((title, app.builder.get_target_uri(doc), Path(env.doc2path(doc)).read_text(encoding="utf-8")))
    from molsys_ai_jupyter.config import load_settings

    corpus = load_settings().corpus
    suite = corpus_pages(corpus)
    if not suite:
        logger.info(f"llms.txt: no corpus at {corpus}; only this project's pages")
    write_llms_files(Path(app.outdir), own, suite)


def setup(app):
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
