"""End to end on the real parts: the real index of the shared corpus and the embedded
SmolLM2 (no model server: llama.cpp in the API's process), streamed over HTTP as the
docs widget reads it."""

from __future__ import annotations

import time

import httpx
import pytest

from molsys_ai_jupyter.chat_api import ApiOptions
from support.chat_api import serving, stream_chat


@pytest.fixture(scope="module")
def embedded_api(real_index, tmp_path_factory):
    settings, _ = real_index
    # whatever the environment says: the embedded model; answers capped short to keep the test quick
    settings = settings.with_overrides(llm_url="", model="", max_answer_tokens=96)
    assert not settings.llm_url
    options = ApiOptions(settings=settings, anonymous=True, feedback_db=tmp_path_factory.mktemp("real") / "fb.sqlite3",
                         request_timeout_s=300)
    with serving(options) as (url, app):  # warms up: index and model loaded before the first question
        yield url, app


@pytest.mark.slow
def test_embedded_model_streams_a_cited_answer_with_docs_links(embedded_api):
    url, _ = embedded_api
    question = "How do I convert 1 nanometer to angstroms with pyunitwizard?"
    # a reader who leaves mid-answer: the generation stops and frees the model for the next one
    with httpx.stream("POST", f"{url}/v1/chat", timeout=300, json={"question": question, "stream": True}) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("event: token"):
                break

    started = time.perf_counter()
    status, content_type, events = stream_chat(url, {"question": question, "k": 3}, timeout=300)
    took = time.perf_counter() - started
    assert status == 200 and content_type.startswith("text/event-stream")
    names = [name for name, _ in events]
    assert names[-2:] == ["answer", "done"] and names.count("token") > 5, names[-3:]
    answer = events[-2][1]
    streamed = "".join(data["text"] for name, data in events if name == "token")
    assert answer["backend"] == "embedded" and answer["model"].endswith(".gguf")
    assert streamed.strip() == answer["draft"]  # what the reader saw arrive is what the model wrote
    assert len(answer["sources"]) == 3 and answer["cited"]
    # each source links to its page: the docs site, or the repository for a README
    assert all(s["url"].startswith(("https://www.uibcdf.org/", "https://github.com/uibcdf/")) for s in answer["sources"])
    assert any(s["project"] == "pyunitwizard" for s in answer["sources"])
    assert all(f"]({s['url']})" in answer["markdown"] for s in answer["sources"])
    assert "molsys_ai_api_streams_in_flight 0.0" in httpx.get(f"{url}/metrics").text
    print(f"\nchat API, embedded model: first token {answer['timings']['ttft_ms'] / 1000:.2f} s in the assistant, "
          f"whole streamed answer {took:.2f} s at the client, {names.count('token')} token events")
