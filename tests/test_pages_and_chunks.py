"""Parsing documentation files into sections, and sections into chunks."""

from __future__ import annotations

import pytest

from molsys_ai_jupyter.knowledge.chunks import chunk_page
from molsys_ai_jupyter.knowledge.embedding import model_dir
from molsys_ai_jupyter.knowledge.manifest import CorpusManifest
from molsys_ai_jupyter.knowledge.pages import load_page, make_id
from molsys_ai_jupyter.knowledge.tokens import TokenCounter


@pytest.fixture(scope="module")
def counter():
    return TokenCounter(model_dir())


def _page(corpus, name):
    manifest = CorpusManifest(corpus)
    file = next(f for f in manifest.doc_files() if f.path.endswith(name))
    return load_page(manifest.root, file)


@pytest.mark.parametrize(
    "text, expected",
    [("Selecting atoms", "selecting-atoms"), ("Tutorial_Get", "tutorial-get"), ("1. Design Philosophy", "design-philosophy"),
     ("¿Cómo?", "como"), ("`molsysmt.get()`", "molsysmt-get")],
)
def test_make_id_matches_docutils(text, expected):
    assert make_id(text) == expected


def test_markdown_sections_labels_and_code(mini_corpus):
    page = _page(mini_corpus, "guide.md")
    assert page.title == "Mini guide"
    assert [s.headings for s in page.sections] == [
        ["Mini guide"], ["Mini guide", "Installing"], ["Mini guide", "Selecting atoms"]
    ]
    assert page.sections[0].anchor == "intro-label"  # the MyST label wins over the heading id
    selecting = page.sections[2]
    code = [b for b in selecting.blocks if b.code]
    assert len(code) == 1 and "# Not a heading" in code[0].text  # '#' inside a fence is not a heading


def test_rst_headings_labels_and_literal_blocks(mini_corpus):
    page = _page(mini_corpus, "reference.rst")
    assert page.title == "Reference"
    units = page.sections[-1]
    assert units.headings == ["Reference", "Units"] and units.anchor == "units-section"
    code = [b for b in units.blocks if b.code]
    assert code and code[0].text.startswith("q = mini.quantity(1, 'nm')")
    assert any("Back to prose." in b.text for b in units.blocks if not b.code)


def test_notebook_cells_outputs_and_removed_input(mini_corpus):
    page = _page(mini_corpus, "waters.ipynb")
    texts = [b.text for s in page.sections for b in s.blocks]
    assert not any("import warnings" in t for t in texts)  # remove-input cells are not documentation
    count = next(b for s in page.sections for b in s.blocks if b.code and "n_waters" in b.text)
    assert count.output == "120"


def test_markdown_chunk_code_has_no_fences(mini_corpus, counter):
    chunks = chunk_page(_page(mini_corpus, "guide.md"), counter)
    selecting = next(c for c in chunks if c.meta["headings"].endswith("Selecting atoms"))
    assert selecting.meta["code"].startswith("import mini\n") and "```" not in selecting.meta["code"]
    assert "```python" in selecting.content  # the readable content keeps its fences


def test_chunks_keep_code_with_its_explanation(mini_corpus, counter):
    page = _page(mini_corpus, "waters.ipynb")
    chunks = chunk_page(page, counter)
    recipe = next(c for c in chunks if "n_waters=True)" in c.content)
    assert "Use `mini.get`" in recipe.content and recipe.meta["kind"] == "recipe"
    assert "mini.get(system, n_waters=True)" in recipe.meta["code"]
    assert "Output:\n120" in recipe.content
    removing = next(c for c in chunks if "mini.remove(system" in c.content)
    assert removing.meta["url"].endswith("waters.html#removing-waters")
    assert removing.meta["headings"] == "Counting waters > Removing waters"


@pytest.mark.parametrize("max_tokens", [64, 128, 256])
def test_every_passage_fits_and_no_code_block_is_split(mini_corpus, counter, max_tokens):
    page = _page(mini_corpus, "guide.md")
    # make the section long enough to need several chunks
    section = page.sections[2]
    section.blocks = section.blocks * 8
    chunks = chunk_page(page, counter, max_tokens=max_tokens)
    fence = next(b.text for b in section.blocks if b.code)
    for chunk in chunks:
        if fence not in chunk.content:  # the only thing allowed to overflow is one whole code block
            assert counter.count(chunk.passage) <= max_tokens - 2
        assert chunk.content.count("```") % 2 == 0  # fences always come in pairs: nothing split inside
    assert sum(c.content.count(fence) for c in chunks) == 8


def test_real_corpus_metadata(real_settings, counter):
    manifest = CorpusManifest(real_settings.corpus)
    file = manifest.files["molsysmt/docs/contents/user/tools/basic/get.ipynb"]
    assert file.url == "https://www.uibcdf.org/molsysmt/contents/user/tools/basic/get.html"
    chunks = chunk_page(load_page(manifest.root, file), counter)
    kinds = {c.meta["kind"] for c in chunks}
    assert "recipe" in kinds
    anchored = [c for c in chunks if "#" in c.meta["url"]]
    assert any(c.meta["url"].endswith("#with-atoms") for c in anchored)
    for chunk in chunks:
        assert chunk.meta["project"] == "molsysmt" and chunk.meta["path"] == file.corpus_path
        assert chunk.meta["title"] == "Get"
