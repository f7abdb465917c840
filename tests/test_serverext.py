"""The Jupyter server extension of the chat sidebar, through a real Jupyter server
(pytest-jupyter): status, the streamed chat (tokens, then the cited answer), readable
errors, the history of each notebook (kept across server restarts), the agent's code
suggestions, authentication, a client that leaves mid-answer — and one streamed answer
of the real embedded model on the real index."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from molsys_ai_jupyter.config import AGENT_DESIGNS
from molsys_ai_jupyter.serving import sse
from support.fake_llm import FakeLLM
from support.jupyter_server import EXTENSION, point_jupyter_at, server_config
from support.servers import free_port

pytest_plugins = ["pytest_jupyter.jupyter_server"]

REPO = Path(__file__).resolve().parent.parent
QUESTION = "how many water molecules are there?"
REPLY = "Count them with the get function [1]. It returns the number of waters."


@pytest.fixture
def jp_server_config():
    return server_config()


@pytest.fixture
def point_at(monkeypatch, tmp_path):
    """Point the server's settings (read from the environment) at an index and a model."""

    def point(settings, llm_url: str | None = None, **extra: str) -> None:
        point_jupyter_at(monkeypatch, settings, tmp_path, llm_url=llm_url, **extra)

    return point


@pytest.fixture
def notebook(jp_root_dir) -> str:
    """A notebook (its path under the server root) in a folder of its own."""
    folder = jp_root_dir / "work"
    folder.mkdir()
    (folder / "analysis.ipynb").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                                       "cells": []}))
    return "work/analysis.ipynb"


async def chat(jp_fetch, body: dict, **kwargs):
    """POST /molsys-ai/chat: (events, chunks as they arrived with their times, response)."""
    chunks: list[tuple[float, str]] = []
    started = time.perf_counter()
    response = await jp_fetch("molsys-ai", "chat", method="POST", body=json.dumps(body),
                              streaming_callback=lambda data: chunks.append((time.perf_counter() - started,
                                                                             data.decode())), **kwargs)
    return [(e.name, e.data) for e in sse.parse("".join(text for _, text in chunks))], chunks, response


async def get_json(jp_fetch, *parts, **kwargs) -> dict:
    response = await jp_fetch("molsys-ai", *parts, **kwargs)
    return json.loads(response.body)


async def refused(fetch) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as info:
        await fetch
    return info.value.code, json.loads(info.value.response.body)


def test_package_import_stays_light_and_points_at_the_extension():
    code = ("import sys, json, molsys_ai_jupyter as m;"
            "print(json.dumps([m._jupyter_server_extension_points(),"
            " [x for x in ('tornado', 'jupyter_server') if x in sys.modules]]))")
    points, loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                               check=True).stdout)
    assert points == [{"module": EXTENSION}] and loaded == []
    config = json.loads((REPO / "jupyter-config" / "jupyter_server_config.d" / "molsys_ai_jupyter.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {EXTENSION: True}}}


async def test_status_reports_backend_model_and_index(jp_fetch, mini_index, point_at, tmp_path):
    with FakeLLM([REPLY]) as fake:
        point_at(mini_index, fake.url, MOLSYS_AI_MODEL="fake-model")
        status = await get_json(jp_fetch, "status")
        assert status["backend"] == fake.url and status["backend_kind"] == "openai"
        assert status["model"] == "fake-model" and not status["model_loaded"]
        assert status["index"]["present"] and status["index"]["chunks"] > 0
        assert status["index"]["path"] == str(mini_index.index_path)
        assert status["version"]
        assert fake.requests == []  # status loads nothing and asks nothing

    point_at(mini_index.with_overrides(index_root=tmp_path / "nowhere"))
    status = await get_json(jp_fetch, "status")
    assert status["backend"] == "embedded" and status["model"].endswith(".gguf")
    assert not status["index"]["present"] and status["index"]["error"].startswith("no index at")
    assert "molsys-ai index build" in status["index"]["hint"]


async def test_chat_streams_tokens_then_the_cited_answer(jp_fetch, mini_index, point_at, notebook, monkeypatch):
    from molsys_ai_jupyter.assistant import Assistant

    checked = Assistant._rewrite_if_invented

    def slow_check(self, draft):  # the work after the last piece takes a while: the pieces must not wait
        time.sleep(0.5)
        return checked(self, draft)

    monkeypatch.setattr(Assistant, "_rewrite_if_invented", slow_check)
    with FakeLLM([REPLY]) as fake:
        point_at(mini_index, fake.url)
        context = {"cell": "n = mini.get(system)", "selection": "", "error": "NameError: name 'system' is not defined"}
        events, chunks, response = await chat(jp_fetch, {"message": QUESTION, "notebook": notebook,
                                                         "context": context, "k": 2})
        prompt = fake.requests[0]["messages"][-1]["content"]
    assert response.code == 200 and response.headers["Content-Type"].startswith("text/event-stream")
    names = [name for name, _ in events]
    assert names[-2:] == ["answer", "done"] and set(names[:-2]) == {"token"} and len(names) > 4
    tokens = "".join(data["text"] for name, data in events if name == "token")
    answer = events[-2][1]
    assert tokens == answer["draft"] and answer["question"] == QUESTION
    assert 1 in answer["cited"] and set(answer["cited"]) <= {1, 2} and "[1]" in answer["text"] and len(answer["sources"]) == 2
    assert answer["sources"][0]["url"].startswith("https://example.org/mini/content/waters.html")
    assert answer["sources"][0]["title"] and answer["verification"]["ok"]
    assert "](https://example.org/mini/" in answer["markdown"]  # sources as links
    # the pieces reached the client before the answer was ready: streamed, not buffered
    first_token = next(t for t, text in chunks if "event: token" in text)
    answer_at = next(t for t, text in chunks if "event: answer" in text)
    assert answer_at - first_token >= 0.4
    assert "Notebook context:" in prompt and "NameError" in prompt and "mini.get(system)" in prompt


async def test_bad_requests_get_one_readable_line(jp_fetch, mini_index, point_at):
    point_at(mini_index, "http://127.0.0.1:9/v1")
    cases = [
        ({"message": "   "}, "empty question"),
        ({"message": "why? " * 1000}, "question too long (5000 characters, the limit is 4000)"),
        ({"message": QUESTION, "k": 0}, "k must be a whole number from 1 to 10, got 0"),
        ({"message": QUESTION, "notebook": "../elsewhere.ipynb"}, "notebook path '../elsewhere.ipynb' is outside"),
        ({"message": QUESTION, "context": "print(1)"}, "context must be an object"),
    ]
    replies = []
    for body, message in cases:
        code, reply = await refused(jp_fetch("molsys-ai", "chat", method="POST", body=json.dumps(body)))
        assert code == 422 and reply["message"].startswith(message), reply
        assert "traceback" not in reply
        replies.append(reply)
    assert replies[0]["hint"].startswith("type a question") and replies[1]["hint"].startswith("shorten it")
    code, reply = await refused(jp_fetch("molsys-ai", "chat", method="POST", body="{not json"))
    assert code == 422 and reply["message"] == "the request body is not JSON" and reply["hint"]


async def test_unreachable_model_server_is_an_error_event(jp_fetch, mini_index, point_at):
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    point_at(mini_index, url)
    events, _, response = await chat(jp_fetch, {"message": QUESTION})
    assert response.code == 200 and [name for name, _ in events] == ["error", "done"]
    error = events[0][1]
    assert error["message"] == f"cannot reach the language model server at {url}"
    assert "MOLSYS_AI_LLM_URL" in error["hint"] and error["kind"] == "llm_unavailable"


async def test_missing_index_is_an_error_event(jp_fetch, mini_index, point_at, tmp_path):
    with FakeLLM([REPLY]) as fake:
        point_at(mini_index.with_overrides(index_root=tmp_path / "no-indexes"), fake.url)
        events, _, _ = await chat(jp_fetch, {"message": QUESTION})
    assert [name for name, _ in events] == ["error", "done"]
    error = events[0][1]
    assert error["message"] == f"no index at {tmp_path / 'no-indexes' / mini_index.index_name}"
    assert error["hint"] == "build it with `molsys-ai index build`"


async def test_history_is_kept_per_notebook_across_restarts(jp_fetch, jp_configurable_serverapp, jp_data_dir,
                                                            jp_root_dir, mini_index, point_at, notebook):
    second = "How do I remove the water molecules?"
    with FakeLLM([REPLY, "Use the remove function [1]."]) as fake:
        point_at(mini_index, fake.url)
        await chat(jp_fetch, {"message": QUESTION, "notebook": notebook})
        await chat(jp_fetch, {"message": second, "notebook": notebook})
        await chat(jp_fetch, {"message": QUESTION})  # no notebook: nothing kept
        later_prompt = fake.requests[1]["messages"]
    assert [m["role"] for m in later_prompt] == ["system", "user", "assistant", "user"]  # the first turn came back
    assert later_prompt[1]["content"] == QUESTION

    history = await get_json(jp_fetch, "history", params={"notebook": notebook})
    assert history["notebook"] == notebook and [t["question"] for t in history["turns"]] == [QUESTION, second]
    turn = history["turns"][0]
    assert "[1]" in turn["answer"] and turn["sources"][0]["url"].startswith("https://example.org/mini/")
    assert turn["time"].endswith("+00:00") and "](https://" in turn["markdown"]
    key = hashlib.sha256(str((jp_root_dir / notebook).resolve()).encode()).hexdigest()
    assert (jp_data_dir / "molsys-ai" / "history" / f"{key}.json").is_file()
    code, reply = await refused(jp_fetch("molsys-ai", "history"))
    assert code == 422 and reply["message"].startswith("which notebook?")

    # a new server (a restart): the chat is still there, and DELETE forgets it
    from jupyter_server.serverapp import ServerApp
    from tornado.httpserver import HTTPServer

    ServerApp.clear_instance()
    port = free_port()
    app = jp_configurable_serverapp(http_port=port)
    server = HTTPServer(app.web_app)
    server.listen(port, "127.0.0.1")
    client = AsyncHTTPClient(force_instance=True)
    url = f"http://127.0.0.1:{port}{app.base_url}molsys-ai/history?notebook={notebook}"
    headers = {"Authorization": f"token {app.identity_provider.token}"}
    try:
        again = json.loads((await client.fetch(url, headers=headers)).body)
        assert again["turns"] == history["turns"]
        cleared = json.loads((await client.fetch(url, method="DELETE", headers=headers)).body)
        assert cleared["deleted"] == 2 and cleared["turns"] == []
        assert json.loads((await client.fetch(url, headers=headers)).body)["turns"] == []
    finally:
        client.close()
        server.stop()
    assert (await get_json(jp_fetch, "history", params={"notebook": notebook}))["turns"] == []


async def test_agent_suggests_code_without_running_it(jp_fetch, jp_root_dir, mini_index, point_at, notebook,
                                                      real_settings):
    shutil.copy(real_settings.structures / "1vii.pdb", jp_root_dir / "work" / "1vii.pdb")
    before = sorted(p.name for p in (jp_root_dir / "work").iterdir())
    with FakeLLM([json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})]) as fake:
        point_at(mini_index, fake.url)
        reply = await get_json(jp_fetch, "agent", "suggest", method="POST",
                               body=json.dumps({"task": "How many residues are in 1vii.pdb?", "notebook": notebook,
                                                "design": "recipes"}))
        schema = fake.requests[0]["response_format"]["json_schema"]["schema"]
    assert reply["recipe"] == "count_residues" and reply["params"]["file"] == "1vii.pdb"
    assert "md.load('1vii.pdb')" in reply["code"] and "answer =" in reply["code"]
    assert reply["code"].rstrip().splitlines()[-1] == "answer"  # the cell shows the answer when it runs
    compile(reply["code"], "suggested", "exec")
    assert reply["policy"] == [] and not reply["needs_consent"]
    assert reply["workdir"] == "work" and reply["files"] == ["1vii.pdb"] and reply["model"] == "fake-model"
    assert reply["sources"] and all(s["url"].startswith("https://example.org/mini/") for s in reply["sources"])
    assert {opt["properties"]["file"]["enum"][0] for opt in schema["anyOf"]} == {"1vii.pdb"}
    assert sorted(p.name for p in (jp_root_dir / "work").iterdir()) == before  # nothing ran there
    # the task and its code are kept in the notebook's chat (not in the model's prompt history)
    turn = (await get_json(jp_fetch, "history", params={"notebook": notebook}))["turns"][-1]
    assert turn["task"] == "How many residues are in 1vii.pdb?" and turn["suggestion"]["code"] == reply["code"]

    # the kernel's variable names come with the task: code that would replace one needs consent
    with FakeLLM([json.dumps({"recipe": "count_residues", "file": "1vii.pdb"})]) as fake:
        point_at(mini_index, fake.url)
        reply = await get_json(jp_fetch, "agent", "suggest", method="POST",
                               body=json.dumps({"task": "How many residues are in 1vii.pdb?", "notebook": notebook,
                                                "variables": ["traj", "n_waters"], "design": "recipes"}))
    assert reply["needs_consent"] and [f["kind"] for f in reply["policy"]] == ["overwrite_variable"]
    assert "traj" in reply["policy"][0]["detail"]
    code, error = await refused(jp_fetch("molsys-ai", "agent", "suggest", method="POST", body=json.dumps(
        {"task": "How many residues are in 1vii.pdb?", "variables": ["not a name"]})))
    assert code == 422 and "Python names" in error["message"]

    with FakeLLM(["{}"]) as fake:
        point_at(mini_index, fake.url)
        code, error = await refused(jp_fetch("molsys-ai", "agent", "suggest", method="POST",
                                             body=json.dumps({"task": "Count the residues of 1vii.pdb"})))
    assert code == 400 and error["message"] == ("no code for this task: I did not understand the request: the "
                                                "request names no molecular file of the working folder "
                                                "(the files are: none).")
    code, error = await refused(jp_fetch("molsys-ai", "agent", "suggest", method="POST", body=json.dumps({"task": ""})))
    assert code == 422 and error["message"] == "empty task"


async def test_agent_design_comes_with_the_task_and_is_checked(jp_fetch, jp_root_dir, mini_index, point_at,
                                                                notebook, real_settings):
    shutil.copy(real_settings.structures / "1vii.pdb", jp_root_dir / "work" / "1vii.pdb")
    code = "import mdtraj as md\nanswer = md.load('1vii.pdb').n_residues"
    with FakeLLM([f"```python\n{code}\n```"]) as fake:
        point_at(mini_index, fake.url)
        reply = await get_json(jp_fetch, "agent", "suggest", method="POST", body=json.dumps(
            {"task": "How many residues are in 1vii.pdb?", "notebook": notebook, "design": "freeform", "k": 0}))
        prompt = fake.requests[0]
    assert reply["design"] == "freeform" and not reply["recipe"], reply
    assert reply["code"].startswith(code)  # the model's own code, not a recipe's
    assert "response_format" not in prompt  # no recipe schema was asked for
    for design in ("yolo", 1, ""):
        status, error = await refused(jp_fetch("molsys-ai", "agent", "suggest", method="POST", body=json.dumps(
            {"task": "How many residues are in 1vii.pdb?", "design": design})))
        assert status == 422 and error["message"] == f"design must be one of {', '.join(AGENT_DESIGNS)}, got {design!r}"
        assert "\n" not in error["message"] and "agentDesign" in error["hint"]


async def test_policy_says_whether_code_needs_consent_and_why(jp_fetch, jp_root_dir, notebook):
    async def verdict(body: dict) -> dict:
        return await get_json(jp_fetch, "policy", method="POST", body=json.dumps(body))

    shell = await verdict({"code": "import os\nos.system('touch PWNED')", "notebook": notebook})
    assert shell["needs_consent"] and shell["findings"], shell
    assert all(set(f) >= {"kind", "line", "detail"} and f["detail"] for f in shell["findings"])
    assert any(f["line"] == 2 for f in shell["findings"])

    mine = "import numpy as np\nx = np.arange(3).sum()"
    assert await verdict({"code": mine, "notebook": notebook}) == {"findings": [], "needs_consent": False}
    # the kernel's names: rebinding one of the user's variables asks first
    replaced = await verdict({"code": mine, "notebook": notebook, "variables": ["x"]})
    assert replaced["needs_consent"] and any("x" in f["detail"] for f in replaced["findings"]), replaced
    assert not (jp_root_dir / "work" / "PWNED").exists()  # checked, never run

    for body, message in [({"notebook": notebook}, "code must be text"),
                          ({"code": 1}, "code must be text"),
                          ({"code": "x", "notebook": "../out.ipynb"}, "notebook path '../out.ipynb' is outside"),
                          ({"code": "x", "variables": ["no such name"]}, '"variables" must be a list')]:
        status, error = await refused(jp_fetch("molsys-ai", "policy", method="POST", body=json.dumps(body)))
        assert status == 422 and error["message"].startswith(message), error
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("molsys-ai", "policy", method="POST", body=json.dumps({"code": "x"}),
                       headers={"Authorization": "token not-the-token"})
    assert info.value.code == 403


async def test_requests_without_the_token_are_refused(jp_fetch, mini_index, point_at):
    point_at(mini_index, "http://127.0.0.1:9/v1")
    wrong = {"Authorization": "token not-the-token"}
    for parts, kwargs in [(("status",), {}), (("history",), {"params": {"notebook": "a.ipynb"}}),
                          (("chat",), {"method": "POST", "body": json.dumps({"message": QUESTION})}),
                          (("agent", "suggest"), {"method": "POST", "body": json.dumps({"task": "x"})})]:
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch("molsys-ai", *parts, headers=wrong, **kwargs)
        assert info.value.code == 403, parts


async def test_a_client_that_leaves_mid_answer_stops_the_answer(jp_fetch, jp_serverapp, http_server_port,
                                                                mini_index, point_at, notebook, answer_outcomes):
    outcomes = answer_outcomes
    long_reply = "Count them with the get function [1]. " + "More words about waters. " * 2000
    with FakeLLM([long_reply, REPLY]) as fake:
        point_at(mini_index, fake.url)
        body = json.dumps({"message": QUESTION, "notebook": notebook}).encode()
        port = http_server_port[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"POST {jp_serverapp.base_url}molsys-ai/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Authorization: token {jp_serverapp.identity_provider.token}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        received = b""
        while b"event: token" not in received:
            received += await asyncio.wait_for(reader.read(4096), 20)
        writer.close()  # the page was closed mid-answer
        await asyncio.sleep(0.5)
        events, _, _ = await chat(jp_fetch, {"message": "How do I remove the water molecules?", "notebook": notebook})
    assert [name for name, _ in events][-2:] == ["answer", "done"]  # the server serves on
    turns = (await get_json(jp_fetch, "history", params={"notebook": notebook}))["turns"]
    assert [t["question"] for t in turns] == ["How do I remove the water molecules?"]
    assert outcomes == ["Cancelled", "answer"]  # the abandoned generation stopped early


@pytest.mark.slow
async def test_real_embedded_model_streams_a_cited_answer(jp_fetch, real_index, point_at, notebook):
    settings, _ = real_index
    point_at(settings)  # no server URL: the embedded SmolLM2 answers, in the server's process
    question = "How do I get the RMSD of every frame of a trajectory against frame 0?"
    events, chunks, _ = await chat(jp_fetch, {"message": question, "notebook": notebook}, request_timeout=900)
    names = [name for name, _ in events]
    assert names[-2:] == ["answer", "done"] and names.count("token") > 3, names[-3:]
    answer = events[-2][1]
    assert answer["backend"] == "embedded" and answer["cited"] and answer["verification"]["ok"]
    assert all(1 <= n <= len(answer["sources"]) for n in answer["cited"])
    assert all(s["url"].startswith("https://") for s in answer["sources"])
    ttft = next(t for t, text in chunks if "event: token" in text)
    total = chunks[-1][0]
    print(f"\nserver extension, embedded model, first question of this server (cold when the index and model "
          f"are not loaded in the process yet): "
          f"time to first token {ttft:.2f} s at the client, {answer['timings']['ttft_ms'] / 1000:.2f} s in the "
          f"assistant; whole answer {total:.2f} s")

    events, chunks, _ = await chat(jp_fetch, {"message": "How do I convert 1 nanometer to angstroms with "
                                                         "pyunitwizard?"}, request_timeout=900)
    answer = events[-2][1]
    assert answer["cited"] and [name for name, _ in events][-2:] == ["answer", "done"]
    ttft = next(t for t, text in chunks if "event: token" in text)
    print(f"server extension, embedded model, warm: time to first token {ttft:.2f} s at the client, "
          f"{answer['timings']['ttft_ms'] / 1000:.2f} s in the assistant; whole answer {chunks[-1][0]:.2f} s")
