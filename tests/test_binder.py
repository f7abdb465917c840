"""binder/: what mybinder.org runs after installing the package (``binder/prepare-demo``), run
here against the five repositories served as GitHub source archives on loopback; then the
demo notebook executed in a real kernel, and JupyterLab opening it.

The archives are made with ``git archive`` from the shipped snapshot laid out as each
repository: its documentation files, and package source written from its API surface (see
``support/api_source.py``), with the autosummary stubs that give ``doc_url``. The network is the only
part of mybinder.org's build that is not exercised.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
import requests
from nbclient import NotebookClient

from molsys_ai_jupyter.snapshot.sources import pinned_sources
from support.api_source import lay_out_repository
from support.repo_archives import ArchiveServer, commit_folder, git_archive
from support.servers import free_port, stopped_at_the_end, wait_until_up

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def github(real_settings, tmp_path_factory):
    """The five repositories, each committed with git and served at its pinned commit id."""
    root = tmp_path_factory.mktemp("github")
    archives, commits = {}, {}
    for source in pinned_sources():
        folder = lay_out_repository(real_settings.corpus, source, root / source.name)
        commits[source.name] = commit_folder(folder)
        archives[f"/{source.repo}/{source.commit}.tar.gz"] = git_archive(folder, source.name, commits[source.name])
    with ArchiveServer(archives) as server:
        yield server, commits


@pytest.fixture(scope="module")
def binder_home(github, tmp_path_factory, shared_embedding_cache):
    """A copy of the repository's binder/ folder and a fresh HOME, after ``prepare-demo``."""
    server, commits = github
    base = tmp_path_factory.mktemp("binder")
    checkout, home = base / "repo", base / "home"
    shutil.copytree(REPO / "binder", checkout / "binder")
    home.mkdir()
    cache = base / "cache"
    cache.mkdir()
    (cache / "embeddings").symlink_to(shared_embedding_cache / "embeddings", target_is_directory=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MOLSYS_AI_", "XDG_", "JUPYTER"))}
    env.update(HOME=str(home), PATH=f"{BIN}{os.pathsep}{env['PATH']}", MOLSYS_AI_CACHE=str(cache),
               MOLSYS_AI_ARCHIVE_URL=server.template)
    done = subprocess.run(["bash", "binder/prepare-demo"], cwd=checkout, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return checkout, home, env, done, server, commits


def test_prepare_demo_builds_the_corpus_the_settings_and_the_index(binder_home, real_settings, real_index):
    checkout, home, env, done, server, commits = binder_home
    data = home / "molsys-ai-data"
    # every repository fetched once, at its pinned commit
    assert sorted(server.hits) == sorted(f"/{s.repo}/{s.commit}.tar.gz" for s in pinned_sources())
    manifest = json.loads((data / "corpus" / "MANIFEST.json").read_text())
    assert {name: p["head_commit"] for name, p in manifest["projects"].items()} == commits
    shipped = json.loads((real_settings.corpus / "MANIFEST.json").read_text())
    for name, project in manifest["projects"].items():  # the same files, and the same API surface
        assert [f["path"] for f in project["files"]] == [f["path"] for f in shipped["projects"][name]["files"]], name
    assert manifest["totals"]["api_records"] == shipped["totals"]["api_records"]
    config = (home / ".config/molsys-ai/config.toml").read_text()
    assert f'data_root = "{data}"' in config and f'index_root = "{data}/indexes"' in config
    info = subprocess.run([str(BIN / "molsys-ai"), "index", "info", "--json"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    index = json.loads(info.stdout)
    assert index["corpus_commits"] == commits
    assert index["counts"] == real_index[1]["counts"]  # the same chunks as the index of the shipped snapshot
    assert (checkout / "binder" / "md_1u19.pdb").read_text().count("ATOM") > 1000
    server_config = json.loads((home / ".jupyter/jupyter_server_config.json").read_text())
    demo = {"default_url": "/lab/tree/binder/molsys-ai-demo.ipynb"}
    assert server_config == {"ServerApp": demo, "LabApp": demo}
    assert "prepare-demo: corpus, index and notebook ready" in done.stdout


def test_the_demo_notebook_runs_in_a_real_kernel(binder_home, monkeypatch):
    checkout, home, env, *_ = binder_home
    for key in [k for k in os.environ if k.startswith(("MOLSYS_AI_", "XDG_"))]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    path = checkout / "binder" / "molsys-ai-demo.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = {cell.id: _text(cell) for cell in notebook.cells if cell.cell_type == "code"}
    (path.parent / "executed.ipynb").write_text(nbformat.writes(notebook))  # for a look after a failure
    failed = {cell_id: text for cell_id, text in outputs.items() if "CELL-ERROR" in text}
    assert not failed, failed
    status, answer, sources, task = (outputs[f"cell-{n}"] for n in (1, 3, 5, 7))
    assert str(home / "molsys-ai-data" / "indexes" / "molsyssuite") in status
    assert "embedded" in status
    assert "Sources" in answer and "https://www.uibcdf.org/molsysmt/" in answer
    assert "https://www.uibcdf.org/molsysmt/" in sources
    assert "md_1u19.pdb" in task and "not run" in task.lower()


def test_jupyterlab_opens_the_demo_notebook(binder_home):
    checkout, _home, env, *_ = binder_home
    port, token = free_port(), "binder-test"
    lab = subprocess.Popen([str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
                            f"--IdentityProvider.token={token}"], cwd=checkout, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with stopped_at_the_end(lab):
        base = f"http://127.0.0.1:{port}"
        wait_until_up(lab, lambda: requests.get(f"{base}/api/status?token={token}", timeout=5).raise_for_status(),
                      "jupyter lab", timeout_s=120)
        first = requests.get(f"{base}/?token={token}", allow_redirects=False, timeout=30)
        assert first.status_code in (301, 302)
        assert urlsplit(first.headers["Location"]).path == "/lab/tree/binder/molsys-ai-demo.ipynb"
        extensions = requests.get(f"{base}/lab/api/extensions?token={token}", timeout=30).json()
        assert any(e["name"] == "molsys-ai-jupyterlab" and e["enabled"] for e in extensions), extensions
        contents = requests.get(f"{base}/api/contents/binder/molsys-ai-demo.ipynb?token={token}", timeout=30)
        assert contents.status_code == 200 and contents.json()["type"] == "notebook"


def _text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            text = output.get("text", "")
            parts.append(("CELL-ERROR " if "Traceback" in text else "") + text)
        elif output.get("output_type") == "error":
            parts.append("CELL-ERROR " + output.get("ename", "") + ": " + output.get("evalue", ""))
        else:
            data = output.get("data", {})
            parts.append(data.get("text/markdown") or data.get("text/plain") or "")
            parts.append(data.get("text/html", ""))
    return "\n".join(parts)
