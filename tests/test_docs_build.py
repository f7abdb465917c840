"""The project's Sphinx site (docs/) builds with no warning at all (-W --keep-going), with
the chat widget on every page, the reference pages generated from the code, and a
JupyterLite demo that loads nothing from elsewhere (local Pyodide, the project's wheel,
no PyPI fallback). Downloads come from ~/.cache/molsys-ai/lite once (scripts/build_lite.py)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from molsys_ai_jupyter.config import ENV_VARS, Settings

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
API_URL = "https://gpu-node.example.org/molsys-ai"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("docs")
    out = root / "html"
    env = dict(os.environ, MOLSYS_AI_API_URL=API_URL, MOLSYS_AI_DOCS_BUILD=str(root / "build"))
    env.pop("MOLSYS_AI_LITE_DIR", None)
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", str(DOCS), str(out)],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=1200)
    (root / "sphinx.log").write_text(done.stdout + "\n" + done.stderr)
    return out, done


def test_build_has_no_warnings(site):
    out, done = site
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert done.returncode == 0 and warnings == [], "\n".join(warnings) or done.stderr[-3000:]


def test_every_page_has_the_chat_widget_and_nothing_from_elsewhere(site):
    out, _ = site
    pages = sorted(p for p in out.glob("*.html") if p.name not in ("genindex.html", "search.html"))
    names = {p.stem for p in pages}
    assert {"index", "install", "quickstart", "magics", "sidebar", "cli", "serving", "serving-vllm", "configuration",
            "architecture", "docs-chatbot", "demo", "agent-design"} <= names
    for page in pages:
        html = page.read_text()
        assert f'"apiUrl": "{API_URL}"' in html, page.name
        assert "_static/molsys-ai-chat.js" in html and "_static/molsys-ai-chat.css" in html, page.name
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
        assert remote == [], f"{page.name} loads {remote}"
    assert (out / "_static" / "molsys-ai-chat.js").is_file()


def test_reference_pages_come_from_the_code(site):
    out, _ = site
    configuration = (out / "configuration.html").read_text()
    for field in dataclasses.fields(Settings):
        assert f'<span class="pre">{field.name}</span>' in configuration, field.name
    for variable in ENV_VARS.values():
        assert variable in configuration, variable
    assert str(REPO) not in configuration and str(Path.home()) + "/" not in configuration  # no machine paths
    cli = (out / "cli.html").read_text()
    for command in ("molsys-ai index build", "molsys-ai ask", "molsys-ai run", "molsys-ai serve", "molsys-ai doctor"):
        assert f">{command}<" in cli, command
    assert "usage: molsys-ai ask" in cli


def test_jupyterlite_demo_is_self_contained(site):
    out, _ = site
    lite = out / "lite"
    config = json.loads((lite / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"].startswith("./static/pyodide/")
    assert "molsys-ai-jupyterlab" in config["disabledExtensions"]
    pyodide = lite / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    for name in ("micropip", "ipython", "jedi", "traitlets"):
        entry = lock["packages"][name]
        assert (pyodide / entry["file_name"]).is_file(), entry["file_name"]
    assert (pyodide / "pyodide.asm.wasm").is_file() and (pyodide / "python_stdlib.zip").is_file()
    wheels = json.loads((lite / "pypi" / "all.json").read_text())
    assert {"molsys-ai-jupyter", "comm"} <= set(wheels)
    notebook = json.loads((lite / "files" / "notebooks" / "molsys-ai-demo.ipynb").read_text())
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in notebook["cells"]]
    assert f"%config MolsysAI.api_url = {API_URL!r}" in "\n".join(sources)
    assert any(s.startswith("%pip install molsys-ai-jupyter") for s in sources)
    assert any(s.startswith("%molsys ask ") for s in sources)


def test_the_build_leaves_the_source_folder_clean(site):
    assert not (DOCS / ".jupyterlite.doit.db").exists()
    assert not (DOCS / "_contents").exists()
    untracked = subprocess.run(["git", "status", "--porcelain", "--ignored", "--", "docs"], cwd=REPO,
                               capture_output=True, text=True).stdout
    assert "_build" not in untracked and ".doit" not in untracked


# ---------------------------------------------------------------- binder/ (its install step agrees with pyproject; the rest runs in test_binder.py)

BINDER = REPO / "binder"


def test_binder_files_agree_with_pyproject():
    import tomllib

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    assert subprocess.run(["bash", "-n", str(post_build)]).returncode == 0
    script = post_build.read_text()
    wanted = re.search(r'^EXTRAS="([^"]+)"', script, re.M).group(1).split(",")
    assert set(wanted) <= set(extras), f"postBuild asks for extras {wanted}, pyproject has {sorted(extras)}"
    assert {"embedded", "lab"} <= set(wanted)  # the model and the sidebar
    assert 'pip install --no-cache-dir ".[${EXTRAS}]"' in script
    # torch comes from the CPU index first, at the version pyproject pins (a CUDA build is GBs)
    pin_line = re.search(r"^TORCH_PIN=.*$", script, re.M).group(0)
    pin = subprocess.run(["bash", "-c", f"{pin_line}; echo $TORCH_PIN"], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    assert pin.stdout.strip() in extras["rag"] and pin.stdout.strip().startswith("torch==")
    cpu_index = script.index('"${TORCH_PIN}" --index-url https://download.pytorch.org/whl/cpu')
    assert cpu_index < script.index('pip install --no-cache-dir ".[${EXTRAS}]"')

    environment = (BINDER / "environment.yml").read_text()
    python = re.search(r"^\s*- python=(\d+)\.(\d+)", environment, re.M)
    minimum = re.search(r">=(\d+)\.(\d+)", pyproject["project"]["requires-python"])
    assert (int(python[1]), int(python[2])) >= (int(minimum[1]), int(minimum[2]))
    assert re.search(r"^\s*- nodejs=(\d+)", environment, re.M), "the sidebar is built by npm during pip install"

    notebook = json.loads((BINDER / "molsys-ai-demo.ipynb").read_text())
    assert notebook["nbformat"] == 4
    sources = "\n".join("".join(c["source"]) for c in notebook["cells"])
    assert "%load_ext molsys_ai_jupyter" in sources and "%molsys ask" in sources
    assert "bash binder/prepare-demo" in script
    assert subprocess.run(["bash", "-n", str(BINDER / "prepare-demo")]).returncode == 0


def test_demo_notebooks_use_only_existing_magics():
    from molsys_ai_jupyter.magics import usage

    USAGE = usage()

    for path in (BINDER / "molsys-ai-demo.ipynb", DOCS / "notebooks" / "molsys-ai-demo.ipynb"):
        notebook = json.loads(path.read_text())
        for cell in notebook["cells"]:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for line in source.splitlines():
                if line.startswith("%molsys "):
                    assert f"%molsys {line.split()[1]}" in USAGE, (path.name, line)


def test_the_wheel_installs_the_sidebar_and_its_server_extension(site):
    """What ``pip install .`` puts in an environment that is not editable (binder's postBuild,
    a user's install): the built labextension, its install.json, the server extension switched
    on, and the shipped data files (corpus sources, training configs)."""
    import zipfile

    out, _ = site
    wheel = next((out / "lite" / "pypi").glob("molsys_ai_jupyter-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    data = next(n.split("/", 1)[0] for n in names if ".data/" in n.split("/", 1)[0] + "/")
    labextension = f"{data}/data/share/jupyter/labextensions/molsys-ai-jupyterlab"
    assert {f"{labextension}/package.json", f"{labextension}/install.json"} <= names
    assert any(n.startswith(f"{labextension}/static/remoteEntry.") for n in names)
    assert f"{data}/data/etc/jupyter/jupyter_server_config.d/molsys_ai_jupyter.json" in names
    assert {"molsys_ai_jupyter/snapshot/sources.toml", "molsys_ai_jupyter/sphinx/static/molsys-ai-chat.js"} <= names


@pytest.mark.needs_corpus  # the MolSysSuite pages of llms.txt come from the shared corpus
def test_site_publishes_llms_txt_for_agents_without_mcp(site):
    out, _ = site
    index = (out / "llms.txt").read_text()
    full = (out / "llms-full.txt").read_text()
    assert index.startswith("# MolSys-AI for Jupyter\n\n> ")
    assert "](mcp.html)" in index and "](index.html)" in index
    assert "https://www.uibcdf.org/molsysmt/" in index  # the MolSysSuite corpus (MOLSYS_AI_DATA)
    assert "molsys-ai mcp --http" in full and "Source: https://www.uibcdf.org/molsysmt/" in full


def test_llms_files_list_each_page_and_hold_their_text(mini_corpus, tmp_path):
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        import llms_txt
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    suite = llms_txt.corpus_pages(mini_corpus)
    assert sorted((p, t, u) for p, t, u, _ in suite) == [
        ("mini", "Counting waters", "https://example.org/mini/content/waters.html"),
        ("mini", "Mini guide", "https://example.org/mini/content/guide.html"),
        ("mini", "Reference", "https://example.org/mini/content/reference.html")]
    llms_txt.write_llms_files(tmp_path, [("Tools for any agent (MCP)", "mcp.html", "# Tools\n\nmolsys-ai mcp\n")], suite)
    index = (tmp_path / "llms.txt").read_text()
    full = (tmp_path / "llms-full.txt").read_text()
    assert "- [Tools for any agent (MCP)](mcp.html)" in index
    assert "## mini documentation" in index and "- [Mini guide](https://example.org/mini/content/guide.html)" in index
    assert "molsys-ai mcp\n\nSource: mcp.html" in full
    assert "indices = mini.select(system, selection='name CA')" in full  # the pages' code, not only links
    assert "Source: https://example.org/mini/content/waters.html" in full
    assert llms_txt.corpus_pages(tmp_path / "no-corpus") == []
