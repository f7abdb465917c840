"""Where the dense store lives: the index's own Chroma folder, or a Chroma server
(``chroma_url``) that several API workers share — the selection, and a real
``chroma run`` serving an index's folder giving the same search results."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from molsys_ai_jupyter.errors import MolsysAIError
from molsys_ai_jupyter.knowledge.store import chroma_location, open_store
from support.servers import free_port, stopped_at_the_end, wait_until_up


def test_no_url_is_the_index_folder_and_a_url_is_a_server(tmp_path):
    folder = tmp_path / "idx" / "chroma"
    assert chroma_location(folder) == {"persist_path": str(folder)}
    assert chroma_location(folder, "") == {"persist_path": str(folder)}
    assert chroma_location(folder, "http://chroma.internal:8001") == {"host": "chroma.internal", "port": 8001}
    assert chroma_location(folder, "10.0.0.5:9000") == {"host": "10.0.0.5", "port": 9000}
    assert chroma_location(folder, "http://chroma/") == {"host": "chroma", "port": 8000}
    for bad, why in [("https://chroma:8000", "unsupported Chroma URL scheme"), ("http://chroma:8000/api", "only"),
                     ("http://:8000", "no host"), ("http://chroma:99999", "bad port")]:
        with pytest.raises(MolsysAIError, match=why):
            chroma_location(folder, bad)
    remote = open_store(folder, "http://chroma.internal:8001")
    assert (remote._host, remote._port, remote._persist_path) == ("chroma.internal", 8001, None)
    local = open_store(folder)
    assert (local._host, local._persist_path) == (None, str(folder))


@pytest.fixture
def chroma_server(mini_index, tmp_path):
    """`chroma run` serving a copy of the toy index's Chroma folder; yields its URL."""
    folder = tmp_path / "served-chroma"
    shutil.copytree(Path(mini_index.index_path).resolve() / "chroma", folder)
    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path", str(folder),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    with stopped_at_the_end(proc):
        wait_until_up(proc, lambda: httpx.get(f"{url}/api/v2/heartbeat", timeout=2).raise_for_status(), "chroma run", 60)
        yield url


def test_a_chroma_server_gives_the_same_results_as_the_folder(mini_index, chroma_server):
    from molsys_ai_jupyter.knowledge.retrieval import Retriever

    local = Retriever(mini_index)
    remote = Retriever(mini_index.with_overrides(chroma_url=chroma_server))
    for query in ("how many waters are there", "select atoms by name", "units of a quantity"):
        near, far = local.search(query, k=3, mode="dense"), remote.search(query, k=3, mode="dense")
        assert [h.id for h in far.hits] == [h.id for h in near.hits] and far.hits, query
        assert far.best_similarity == pytest.approx(near.best_similarity, abs=1e-4)
    store = remote._dense.embedding_retriever.document_store
    assert store._host == "127.0.0.1" and store._persist_path is None  # really asked the server
