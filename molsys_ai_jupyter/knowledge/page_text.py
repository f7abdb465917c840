"""Documentation pages as plain Markdown, found by their published address: what the MCP
server's resources return and what the docs site's ``llms-full.txt`` holds.

    >>> from molsys_ai_jupyter.knowledge.manifest import CorpusFile
    >>> from molsys_ai_jupyter.knowledge.pages import Block, Page, Section
    >>> page = Page(CorpusFile("mini", "docs/a.md", "https://example.org/a.html", True), "A", "md",
    ...             [Section(["A", "Use"], blocks=[Block("Call it."), Block("mini.f()", code=True)])])
    >>> print(page_markdown(page))
    # A
    <BLANKLINE>
    Source: https://example.org/a.html
    <BLANKLINE>
    ## Use
    <BLANKLINE>
    Call it.
    <BLANKLINE>
    ```python
    mini.f()
    ```
    <BLANKLINE>
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urldefrag

from .manifest import CorpusFile, CorpusManifest
from .pages import Page, load_page


def page_markdown(page: Page) -> str:
    """The page's sections as Markdown: its title, its address, then each heading and its blocks."""
    lines = [f"# {page.title}", "", f"Source: {page.file.url}", ""]
    for section in page.sections:
        if len(section.headings) > 1:
            lines += ["#" * min(len(section.headings), 6) + " " + section.headings[-1], ""]
        for block in section.blocks:
            if block.code:
                lines += ["```python", block.text.strip("\n"), "```", ""]
                if block.output.strip():
                    lines += ["```text", block.output.strip("\n"), "```", ""]
            else:
                lines += [block.text.strip("\n"), ""]
    return "\n".join(lines)


class PagesByUrl:
    """The documentation files of a corpus by their address (the fragment ignored)."""

    def __init__(self, corpus: str | Path):
        self.corpus = Path(corpus)
        manifest = CorpusManifest(self.corpus)
        self.files: dict[str, CorpusFile] = {urldefrag(f.url).url: f for f in manifest.doc_files() if f.url}

    def find(self, url: str) -> CorpusFile | None:
        return self.files.get(urldefrag(url.strip()).url)

    def markdown(self, file: CorpusFile) -> str:
        return page_markdown(load_page(self.corpus, file))
