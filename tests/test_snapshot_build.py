"""``molsys-ai corpus build``: a corpus snapshot from repositories (local checkouts, or source
archives served over HTTP as GitHub serves them), in the layout the index builder reads."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from molsys_ai_jupyter.cli.main import main
from molsys_ai_jupyter.errors import MolsysAIError
from molsys_ai_jupyter.knowledge.manifest import CorpusManifest
from molsys_ai_jupyter.snapshot.api_surface import api_surface
from molsys_ai_jupyter.snapshot.build import build_snapshot
from molsys_ai_jupyter.snapshot.doc_files import DocsConfig, api_doc_urls, page_url
from molsys_ai_jupyter.snapshot.notebooks import MAX_OUTPUT_CHARS, clean_notebook
from molsys_ai_jupyter.snapshot.sources import ProjectSource, pinned_sources, select_sources
from support.api_source import autosummary_stub, lay_out_repository, write_package_source
from support.repo_archives import ArchiveServer, commit_folder, git_archive, write_tree

COMMIT = "0123456789abcdef0123456789abcdef01234567"
SOURCE = ProjectSource("toymt", "uibcdf/toymt", COMMIT, "https://www.uibcdf.org/toymt/")

CONF = """\
project = 'toymt'
templates_path = ['_templates']
html_static_path = ['_static']
exclude_patterns = ['_build', '**.ipynb_checkpoints', 'drafts/**', 'freezer']
"""

NOTEBOOK = {
    "cells": [
        {"id": "a1", "cell_type": "markdown", "metadata": {"collapsed": True}, "source": ["# Loading\n", "Load a file."],
         "attachments": {"x.png": {"image/png": "AAAA"}}},
        {"id": "a2", "cell_type": "code", "metadata": {"tags": ["remove-input"], "scrolled": True},
         "execution_count": 3, "source": "import toymt\nsystem = toymt.load('1vii.pdb')",
         "outputs": [
             {"output_type": "stream", "name": "stdout", "text": ["x" * (MAX_OUTPUT_CHARS + 500)]},
             {"output_type": "display_data", "metadata": {},
              "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "m"}, "text/plain": "NGLWidget()"}},
             {"output_type": "execute_result", "execution_count": 3, "metadata": {},
              "data": {"text/plain": ["36"], "text/html": "<b>36</b>"}},
             {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBOR"}},
             {"output_type": "error", "ename": "ValueError", "evalue": "bad",
              "traceback": ["\x1b[0;31mValueError\x1b[0m: bad"]},
         ]},
        {"cell_type": "raw", "metadata": {}, "source": "raw text"},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                 "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}},
    "nbformat": 4,
    "nbformat_minor": 5,
}

FILES = {
    "README.md": "# toymt\n\nA toy library.\n",
    "LICENSE": "MIT License\n",
    "setup.py": "from setuptools import setup\nsetup()\n",
    "docs/conf.py": CONF,
    "docs/index.md": "# toymt\n\nWelcome.\n",
    "docs/content/user/load.ipynb": json.dumps(NOTEBOOK),
    "docs/content/user/units.rst": "Units\n=====\n\nQuantities carry units.\n",
    "docs/drafts/wip.md": "# Work in progress\n\nNot built.\n",
    "docs/_templates/layout.md": "# template\n",
    "docs/freezer/old.md": "# Superseded\n",
    "docs/_build/html/index.html": "<html></html>",
    "docs/_build/html/index.md": "# built copy\n",
    "docs/empty.md": "\n\n",
    "docs/api/index.rst": "API\n===\n\n.. autosummary::\n   :toctree: autosummary\n\n   toymt.load\n",
    "docs/api/autosummary/toymt.load.rst": "toymt.load\n==========\n\n.. currentmodule:: toymt\n\n.. autofunction:: load\n",
    "docs/api/overview.rst": "API overview\n============\n\nThe API has one function.\n",
    "devguide/release.md": "# Releasing\n\nTag and push.\n",
    "toymt/__init__.py": "from .io import load\n",
    "toymt/io.py": 'def load(path, form="toymt.System"):\n    """Load a molecular system."""\n    return path\n',
    "tests/test_io.py": "def test_load():\n    pass\n",
}


@pytest.fixture
def repo(tmp_path) -> Path:
    return write_tree(tmp_path / "checkout", FILES)


@pytest.fixture
def archive_server(tmp_path):
    """The toy repository committed with git and served like GitHub's archives: at its commit
    id and at the branch name ``main``. Yields (server, commit)."""
    folder = write_tree(tmp_path / "git-repo", FILES)
    commit = commit_folder(folder)
    body = git_archive(folder, "toymt", commit)
    with ArchiveServer({"/uibcdf/toymt/main.tar.gz": body, f"/uibcdf/toymt/{commit}.tar.gz": body}) as server:
        yield server, commit


def _manifest_files(out: Path) -> dict[str, dict]:
    manifest = json.loads((out / "MANIFEST.json").read_text())
    return {f["path"]: f for f in manifest["projects"]["toymt"]["files"]}


def test_a_checkout_becomes_a_snapshot_the_index_reads(repo, tmp_path):
    out = tmp_path / "corpus"
    manifest = build_snapshot(out, [SOURCE], local={"toymt": str(repo)})
    info = manifest["projects"]["toymt"]
    files = _manifest_files(out)
    assert sorted(files) == [
        "README.md", "devguide/release.md", "docs/_templates/layout.md", "docs/api/overview.rst",
        "docs/content/user/load.ipynb",
        "docs/content/user/units.rst", "docs/drafts/wip.md", "docs/index.md",
    ]
    assert info["excluded"] == {"build_output": 2, "freezer": 1, "empty_file": 1, "api_stub_rst": 2}
    assert info["excluded_detail"] == {"empty_file": ["docs/empty.md"]}
    assert files["docs/_templates/layout.md"]["published"] is False  # under templates_path: kept, not a page
    # URLs: built pages on the docs site, everything else on GitHub at the snapshot commit
    assert files["docs/content/user/load.ipynb"]["url"] == "https://www.uibcdf.org/toymt/content/user/load.html"
    assert files["docs/content/user/load.ipynb"]["published"] is True
    assert files["docs/drafts/wip.md"] == {**files["docs/drafts/wip.md"], "published": False,
                                           "url": f"https://github.com/uibcdf/toymt/blob/{COMMIT}/docs/drafts/wip.md"}
    assert files["README.md"]["published"] is False
    assert info["published_pages"] == 4
    # byte-for-byte copies, with git's blob id of the source
    assert (out / "toymt/docs/index.md").read_text() == FILES["docs/index.md"]
    assert files["docs/index.md"]["blob"] == "126bd8d2ea95759dede4721c1252d01472cbe29d"
    assert (out / "toymt/LICENSE").read_text() == "MIT License\n"
    # the API surface from the package source, with the autosummary page as doc_url
    records = [json.loads(line) for line in (out / "toymt/_api_surface.jsonl").read_text().splitlines()]
    assert [(r["qualname"], r["signature"], r["public_names"], r.get("doc_url")) for r in records] == [
        ("toymt.load", 'load(path, form="toymt.System")', ["toymt.load", "toymt.io.load"],
         "https://www.uibcdf.org/toymt/api/autosummary/toymt.load.html"),
    ]
    assert info["api_surface"]["records"] == 1 and manifest["totals"]["api_records"] == {"toymt": 1}
    # … and the knowledge layer reads it like the shipped snapshot
    corpus = CorpusManifest(out)
    assert corpus.commits() == {"toymt": COMMIT}
    assert [f.corpus_path for f in corpus.doc_files()][:2] == ["toymt/README.md", "toymt/devguide/release.md"]
    assert corpus.api_surfaces() == {"toymt": out / "toymt/_api_surface.jsonl"}
    assert corpus.file_url("toymt/docs/index.md") == "https://www.uibcdf.org/toymt/index.html"


def test_notebooks_keep_sources_and_text_outputs_only(repo, tmp_path):
    counts: Counter = Counter()
    cleaned = json.loads(clean_notebook(FILES["docs/content/user/load.ipynb"].encode(), counts))
    assert [c["cell_type"] for c in cleaned["cells"]] == ["markdown", "code"]  # the raw cell is gone
    markdown, code = cleaned["cells"]
    assert markdown == {"id": "a1", "cell_type": "markdown", "metadata": {}, "source": ["# Loading\n", "Load a file."]}
    assert code["metadata"] == {"tags": ["remove-input"]} and code["execution_count"] is None
    stream, result, error = code["outputs"]
    assert len(stream["text"]) == MAX_OUTPUT_CHARS and stream["text"].endswith("...[output truncated]")
    assert result == {"output_type": "execute_result", "data": {"text/plain": "36"}, "metadata": {}, "execution_count": None}
    assert error["traceback"] == ["ValueError: bad"]
    assert cleaned["metadata"] == {"kernelspec": NOTEBOOK["metadata"]["kernelspec"]}
    assert counts == Counter({"notebooks": 1, "dropped_attachments": 1, "truncated_outputs": 1,
                              "dropped_widget_outputs": 1, "dropped_mime:text/html": 1, "dropped_mime:image/png": 1,
                              "dropped_nontext_outputs": 1, "kept_error_outputs": 1})
    assert clean_notebook(b"{not json", Counter()) is None


def test_an_archive_is_fetched_once_and_its_commit_recorded(tmp_path, archive_server):
    server, commit = archive_server
    out, cache = tmp_path / "corpus", tmp_path / "cache"
    branch = ProjectSource("toymt", "uibcdf/toymt", "main", SOURCE.docs_base_url)
    manifest = build_snapshot(out, [branch], cache=cache, archive_template=server.template)
    assert manifest["projects"]["toymt"]["head_commit"] == commit  # read from the archive, not the branch name
    assert _manifest_files(out)["README.md"]["url"] == f"https://github.com/uibcdf/toymt/blob/{commit}/README.md"
    assert (out / "toymt/docs/index.md").read_text() == FILES["docs/index.md"]
    assert (cache / "toymt-main/toymt/io.py").is_file()  # the source is kept for the API surface …
    assert not (cache / "toymt-main/docs/_build/html/index.html").exists()  # … build outputs are not
    # a pinned commit is downloaded once; a branch is fetched again (it may have moved)
    pinned = [ProjectSource("toymt", "uibcdf/toymt", commit, SOURCE.docs_base_url)]
    build_snapshot(out, pinned, cache=cache, archive_template=server.template)
    build_snapshot(out, pinned, cache=cache, archive_template=server.template)
    assert server.hits == Counter({"/uibcdf/toymt/main.tar.gz": 1, f"/uibcdf/toymt/{commit}.tar.gz": 1})
    build_snapshot(out, [branch], cache=cache, archive_template=server.template)
    assert server.hits["/uibcdf/toymt/main.tar.gz"] == 2


def test_a_failed_fetch_says_why_and_keeps_the_earlier_snapshot(repo, tmp_path, archive_server):
    server, _ = archive_server
    out, cache = tmp_path / "corpus", tmp_path / "cache"
    build_snapshot(out, [SOURCE], local={"toymt": str(repo)})
    before = (out / "MANIFEST.json").read_bytes()
    missing = ProjectSource("toymt", "uibcdf/toymt", "f" * 40, SOURCE.docs_base_url)
    with pytest.raises(MolsysAIError) as caught:
        build_snapshot(out, [missing], cache=cache, archive_template=server.template)
    assert "cannot fetch toymt from http://127.0.0.1" in str(caught.value) and "--source PROJECT=DIR" in str(caught.value)
    assert (out / "MANIFEST.json").read_bytes() == before
    assert not (tmp_path / "corpus.partial").exists() and not list(cache.glob("*.partial"))


def test_a_git_checkout_names_its_commit(repo, tmp_path):
    commit = commit_folder(repo)
    manifest = build_snapshot(tmp_path / "corpus", [SOURCE], local={"toymt": str(repo)})
    assert manifest["projects"]["toymt"]["head_commit"] == commit != SOURCE.commit
    assert _manifest_files(tmp_path / "corpus")["README.md"]["url"].endswith(f"/blob/{commit}/README.md")


def test_a_folder_that_is_not_a_snapshot_is_never_replaced(repo, tmp_path):
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "thesis.md").write_text("keep me")
    with pytest.raises(MolsysAIError, match="is not a corpus snapshot"):
        build_snapshot(precious, [SOURCE], local={"toymt": str(repo)})
    assert (precious / "thesis.md").read_text() == "keep me"


def test_the_command_line_builds_and_reports(repo, tmp_path, capsys):
    out = tmp_path / "corpus"
    assert main(["corpus", "build", "--out", str(out), "--project", "molsysviewer",
                 "--source", f"molsysviewer={repo}", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["projects"]["molsysviewer"]["doc_files"] == 8
    assert summary["projects"]["molsysviewer"]["api_records"] == 1
    assert main(["corpus", "build", "--out", str(out), "--ref", "nosuch=main"]) == 2
    assert "unknown project 'nosuch'" in capsys.readouterr().err
    assert main(["corpus", "build", "--out", str(out), "--source", "molsysviewer"]) == 2
    assert "--source expects PROJECT=VALUE" in capsys.readouterr().err
    assert main(["corpus", "build", "--out", str(tmp_path / "other"), "--archive-url", "http://127.0.0.1:9/{owner}"]) == 2
    assert "bad archive URL template" in capsys.readouterr().err
    (tmp_path / "a-file").write_text("x")
    assert main(["corpus", "build", "--out", str(tmp_path / "a-file"), "--source", f"molsysviewer={repo}"]) == 2
    assert "is not a corpus snapshot" in capsys.readouterr().err
    assert main(["corpus", "sources", "--json"]) == 0
    assert [row["project"] for row in json.loads(capsys.readouterr().out)] == [s.name for s in pinned_sources()]


def test_refs_must_look_like_git_refs():
    assert select_sources(["topomt"], {"topomt": "v1.0"})[0].commit == "v1.0"
    with pytest.raises(MolsysAIError, match="not a commit"):
        select_sources(None, {"topomt": "../../etc"})


def test_the_pinned_sources_and_url_rule_match_the_shipped_snapshot(real_settings):
    """Against the real snapshot: the same commits, and every file's URL and published flag."""
    shipped = json.loads((real_settings.corpus / "MANIFEST.json").read_text())
    for source in pinned_sources():
        info = shipped["projects"][source.name]
        assert info["head_commit"] == source.commit and info.get("docs_base_url") == source.docs_base_url
        config = DocsConfig(tuple(info.get("docs_exclude_patterns") or ()), ("_templates", "_static"))
        assert [(f["url"], f["published"]) for f in info["files"]] == [
            page_url(source, config, f["path"]) for f in info["files"]
        ], source.name


def test_the_shipped_notebooks_are_already_clean(real_settings):
    """The real snapshot's notebooks went through the same rules: cleaning them changes no byte."""
    notebooks = sorted(real_settings.corpus.glob("*/**/*.ipynb"))
    assert len(notebooks) > 200
    changed = [p for p in notebooks if clean_notebook(p.read_bytes(), Counter()) != p.read_bytes()]
    assert changed == []


def test_a_snapshot_rebuilt_from_the_shipped_files_lists_the_same_files(real_settings, tmp_path):
    """Each project's shipped files laid out as a checkout (plus its docs config) → the same
    file list, URLs and, for the byte-for-byte copies, the same git blob ids."""
    shipped = json.loads((real_settings.corpus / "MANIFEST.json").read_text())
    sources = [s for s in pinned_sources() if s.name in ("topomt", "pyunitwizard", "molsyssuite")]
    local = {s.name: str(lay_out_repository(real_settings.corpus, s, tmp_path / "checkouts" / s.name, with_package=False))
             for s in sources}
    rebuilt = build_snapshot(tmp_path / "corpus", sources, local=local)
    for source in sources:
        want = {f["path"]: f for f in shipped["projects"][source.name]["files"]}
        got = {f["path"]: f for f in rebuilt["projects"][source.name]["files"]}
        assert sorted(got) == sorted(want), source.name
        for path, entry in got.items():
            assert (entry["url"], entry["published"]) == (want[path]["url"], want[path]["published"]), path
            if not path.endswith(".ipynb"):
                assert entry["blob"] == want[path]["blob"], path


@pytest.mark.parametrize("project", ["molsysmt", "pyunitwizard", "topomt", "molsysviewer"])
def test_the_shipped_api_surface_round_trips(real_settings, tmp_path, project):
    """Source written from the shipped ``_api_surface.jsonl`` (every def with its signature and
    docstring, every re-export as an import, every autosummary page as a stub) is walked back
    into the same records, in the same order; only the line numbers may differ."""
    shipped = [json.loads(line) for line in
               (real_settings.corpus / project / "_api_surface.jsonl").read_text(encoding="utf-8").splitlines()]
    source = next(s for s in pinned_sources() if s.name == project)
    assert write_package_source(shipped, tmp_path) == len(shipped)
    stubs = [autosummary_stub(source, record["doc_url"]) for record in shipped if "doc_url" in record]
    records, stats = api_surface(tmp_path, project, doc_urls=api_doc_urls(source, stubs))

    def comparable(record):
        return {**record, "defined_in": record["defined_in"].rsplit(":", 1)[0]}

    assert [comparable(r) for r in records] == [comparable(r) for r in shipped]
    assert stats["records"] == len(shipped) and stats["unparsable"] == []
