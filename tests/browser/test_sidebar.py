"""The MolSys-AI sidebar in a real JupyterLab, driven in the system Chromium.

The tests are the steps of one run, in this order, sharing one server, one page
and one notebook (each step starts from where the previous one left off):

1. open a notebook and the sidebar;
2. the status line names the embedded model before it is loaded;
3. a question answered by the REAL embedded model on the real index: the answer
   streams in, then the cited answer (time to the first token measured in the page,
   cold: the server loads the index and the model);
4. a second question to the same model, now loaded (warm time to the first token);
5. the status line follows the settings file to a scripted model server;
6. Copy, then Insert below puts an answer's code in a new cell;
7. Run checks it with the execution policy, inserts it and runs it: its output shows in
   the notebook;
8. Fix with MolSys-AI on `1/0`: the cell and its traceback go with the question, and
   the model's proposed change is shown;
9. the same on a MolSysMT cell, whose error the question names;
10. a context toggle changed in the panel is kept in the settings; a reload keeps it
    and the chat;
11. Stop ends an answer while it streams (the model server sees the client go);
12. an unreachable model server is reported in the panel as a readable message with a
    hint, and "Ask again" answers once it is back;
13. a `%%molsys` cell in the notebook shows its Run / Edit / Cancel panel, and Run
    runs the checked code in the notebook's kernel (the embedded model plans it);
14. "Do it": the agent's code for a task, planned by the embedded model in the server
    knowing the names of the kernel's variables; code that would replace the user's
    `traj` is flagged, Run asks for consent, then puts the code in the notebook and
    runs it there; the task stays in the chat;
15. no request left the machine, and the page logged no error.

A screenshot of each step goes to the artefacts folder (MOLSYS_AI_ARTIFACTS, default
bench-results/browser/), with the measured time to the first token
(time-to-first-token.json) and the server's log.
"""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lab_page import NOTEBOOK, SIDEBAR_TAB, add_cell, answers, cells, run_cell, sidebar, wait_for_kernel
from playwright.sync_api import expect

from support.fake_llm import FakeLLM

pytestmark = [pytest.mark.browser, pytest.mark.needs_corpus]  # steps of one session on the real index

QUESTION = "How do I select atoms with molsysmt?"
WARM_QUESTION = "How do I count the water molecules of a system with molsysmt?"
MAGIC_TASK = "How many residues are in 1vii.pdb?"  # 1vii has 36 residues
EMBEDDED_ANSWER_S = 420  # a cold start on 2 shared cores: index, model, then ~400 tokens

MARKER = "MOLSYS-AI-BROWSER-CHECK"
# code the execution policy lets run without asking (an analysis library, a file of the folder)
CODE = f'import mdtraj as md\nprint("{MARKER}", md.load("1vii.pdb").n_atoms > 0)'
CODE_QUESTION = "How do I load the PDB file 1vii.pdb with molsysmt?"
CODE_REPLY = f"Check that the structure file is there before loading it [1]:\n\n```python\n{CODE}\n```\n"
FIXED = "import molsysmt as msm\n\nn_waters = msm.get('1vii.pdb', n_waters=True)\nprint(n_waters)"
FIX_REPLY = (f"`msm` is not defined: the cell uses MolSysMT before importing it [1]. Import it first:\n\n"
             f"```python\n{FIXED}\n```\n")
DIVIDED = "divisor = 0\nx = 1 / divisor if divisor != 0 else float('nan')"
DIVIDE_REPLY = ("The cell divides by zero, which Python refuses with ZeroDivisionError. "
                f"Check the divisor before dividing:\n\n```python\n{DIVIDED}\n```\n")

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class ScriptedLLM(FakeLLM):
    """Answers a Fix request with the corrected cell (by the error its prompt carries),
    anything else with a code block that prints a known marker."""

    def _next_reply(self) -> str:
        prompt = self.requests[-1]["messages"][-1]["content"]
        if "NameError" in prompt:
            return FIX_REPLY
        if "ZeroDivisionError" in prompt:
            return DIVIDE_REPLY
        return CODE_REPLY


@pytest.fixture(scope="module")
def scripted_model():
    with ScriptedLLM([CODE_REPLY]) as fake:
        yield fake


# ---------------------------------------------------------------- helpers


def shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"))


def open_sidebar(page) -> None:
    """Open the panel by its tab, unless a restored layout shows it already (a click
    on the tab of an open panel would close it)."""
    textarea = sidebar(page).locator(".jp-MolsysAI-textarea")
    if not textarea.is_visible():
        page.locator(SIDEBAR_TAB).click()
    expect(textarea).to_be_visible()
    widen_sidebar(page)


def widen_sidebar(page, width: int = 550) -> None:
    """Drag the split handle left of the panel so that answers are readable in screenshots."""
    box = sidebar(page).bounding_box()
    if box["width"] >= width - 20:
        return
    handles = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)")
    edges = [handles.nth(i).bounding_box() for i in range(handles.count())]
    edge = max((b for b in edges if b), key=lambda b: b["x"])
    y = edge["y"] + edge["height"] / 2
    page.mouse.move(edge["x"], y)
    page.mouse.down()
    page.mouse.move(edge["x"] - (width - box["width"]), y, steps=5)
    page.mouse.up()


def cell_source(cell) -> str:
    return cell.locator(".jp-InputArea .cm-content").inner_text().replace("\u00a0", " ").rstrip("\n")


def questions(page):
    return sidebar(page).locator(".jp-MolsysAI-message.jp-MolsysAI-user .jp-MolsysAI-userText")


def wait_until_answered(page, count: int, timeout_s: float = 60):
    """The `count`-th answer, once final (rendered, or an error) and the panel idle."""
    answer = answers(page).nth(count - 1)
    done = answer.locator(".jp-MolsysAI-markdown .jp-RenderedMarkdown, .jp-MolsysAI-error")
    expect(done.first).to_be_visible(timeout=timeout_s * 1000)
    expect(sidebar(page).get_by_role("button", name="Send")).to_be_visible()
    return answer


def ask(page, text: str) -> None:
    textarea = sidebar(page).locator(".jp-MolsysAI-textarea")
    textarea.fill(text)
    textarea.press("Enter")


def status_line(page):
    return sidebar(page).locator(".jp-MolsysAI-status")


def refresh_status(page) -> None:
    status_line(page).get_by_role("button", name="↻").click()


def code_block(answer, text: str):
    return answer.locator(".jp-MolsysAI-codeBlock", has_text=text).first


def fix_with_molsys_ai(page, cell) -> dict:
    """Right-click the cell, choose Fix with MolSys-AI; the chat request it sends."""
    cell.locator(".jp-InputArea").click(button="right")
    item = page.locator(".lm-Menu-item", has_text="Fix with MolSys-AI")
    with page.expect_request(is_chat) as sent:
        item.click()
    return sent.value.post_data_json


def is_chat(request) -> bool:
    return urlsplit(request.url).path.endswith("/molsys-ai/chat") and request.method == "POST"


# ---------------------------------------------------------------- the steps


def test_open_a_notebook_and_the_sidebar(lab, page, artifacts):
    page.goto(lab.lab_url())
    expect(cells(page)).to_have_count(2, timeout=90_000)
    wait_for_kernel(page)
    open_sidebar(page)
    panel = sidebar(page)
    expect(panel.locator(".jp-MolsysAI-notebook")).to_have_text(f"Chat of {lab.notebook}")
    expect(panel.locator(".jp-MolsysAI-welcome")).to_contain_text("Ask about the MolSysSuite libraries")
    shot(page, artifacts, "01-notebook-and-sidebar")


def test_status_names_the_embedded_model(lab, page, artifacts):
    status = lab.api("molsys-ai/status")
    assert status["backend"] == "embedded" and status["model"].endswith(".gguf"), status
    assert status["index"]["present"], status["index"]
    line = status_line(page)
    expect(line).to_contain_text(f"Backend embedded · model {status['model']} (loads on the first question)")
    expect(line).to_contain_text(f"index {status['index']['name']} ({status['index']['chunks']} passages)")
    shot(page, artifacts, "02-status-embedded")


# Records, in the page's own clock, the click on Send, every length the streaming
# message had, and when the final answer was rendered.
WATCH_STREAM = """
() => {
  const panel = document.querySelector('#molsys-ai-sidebar');
  const rec = { click: null, first: null, lengths: [], final: null };
  window.__molsysStream = rec;
  const before = panel.querySelectorAll('.jp-MolsysAI-assistant').length;
  const observer = new MutationObserver(() => {
    const now = performance.now();
    const answer = panel.querySelectorAll('.jp-MolsysAI-assistant')[before];
    if (!answer) { return; }
    const streaming = answer.querySelector('.jp-MolsysAI-streaming');
    if (streaming) {
      const n = streaming.textContent.length;
      const last = rec.lengths[rec.lengths.length - 1];
      if (n > 0 && (!last || last[1] !== n)) {
        if (rec.first === null) { rec.first = now; }
        rec.lengths.push([now, n]);
      }
    }
    if (rec.final === null && answer.querySelector('.jp-MolsysAI-markdown .jp-RenderedMarkdown')) {
      rec.final = now;
      observer.disconnect();
    }
  });
  observer.observe(panel, { subtree: true, childList: true, characterData: true });
  const send = panel.querySelector('.jp-MolsysAI-buttons .jp-mod-accept');
  send.addEventListener('click', () => { rec.click = performance.now(); }, { capture: true, once: true });
}
"""


def test_embedded_model_streams_a_cited_answer(lab, page, artifacts, traffic):
    panel = sidebar(page)
    panel.locator(".jp-MolsysAI-textarea").fill(QUESTION)
    page.evaluate(WATCH_STREAM)
    started = time.perf_counter()
    with page.expect_request(is_chat) as sent:
        panel.get_by_role("button", name="Send").click()
    assert sent.value.post_data_json["message"] == QUESTION
    expect(questions(page).last).to_have_text(QUESTION)
    streaming = answers(page).first.locator(".jp-MolsysAI-streaming, .jp-MolsysAI-markdown")
    expect(streaming.first).to_be_visible(timeout=EMBEDDED_ANSWER_S * 1000)
    shot(page, artifacts, "03a-embedded-streaming")
    answer = wait_until_answered(page, 1, EMBEDDED_ANSWER_S)
    wall_s = time.perf_counter() - started
    shot(page, artifacts, "03b-embedded-answer")

    rec = page.evaluate("window.__molsysStream")
    assert rec["click"] is not None and rec["first"] is not None and rec["final"] is not None, rec
    lengths = [n for _, n in rec["lengths"]]
    # tokens streamed: the message grew several times, always longer, before the final answer
    assert len(lengths) >= 3 and lengths == sorted(lengths) and len(set(lengths)) == len(lengths), lengths
    assert rec["lengths"][-1][0] <= rec["final"]
    expect(answer.locator(".jp-MolsysAI-error")).to_have_count(0)

    # the embedded model answered: the server holds it loaded now
    status = lab.api("molsys-ai/status")
    assert status["backend"] == "embedded" and status["model_loaded"] and status["model"].endswith(".gguf"), status
    turn = lab.api(f"molsys-ai/history?notebook={lab.notebook}")["turns"][-1]
    assert turn["question"] == QUESTION and turn["sources"]

    # the answer cites documentation pages: links to http(s) pages, opening in a new tab
    links = answer.locator(".jp-MolsysAI-markdown a[href^='http'], .jp-MolsysAI-sources a[href^='http']")
    assert links.count() >= 1
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    source_urls = {s["url"] for s in turn["sources"]}
    assert source_urls <= set(hrefs), (source_urls, hrefs)  # the cited pages, listed as links
    assert all(urlsplit(h).scheme == "https" and urlsplit(h).hostname not in LOOPBACK for h in hrefs), hrefs
    assert all(links.nth(i).get_attribute("target") == "_blank" for i in range(links.count()))
    markers = answer.locator(".jp-MolsysAI-markdown a", has_text=re.compile(r"^\[\d+\]$"))
    for i in range(markers.count()):  # inline [n] markers, when the model wrote some, link their page
        assert markers.nth(i).get_attribute("href") in source_urls

    ttft_ms = rec["first"] - rec["click"]
    measured = {
        "question": QUESTION,
        "backend": status["backend"],
        "model": status["model"],
        "time_to_first_token_in_panel_ms": round(ttft_ms, 1),
        "final_answer_in_panel_ms": round(rec["final"] - rec["click"], 1),
        "wall_s_click_to_answer": round(wall_s, 2),
        "growth_steps_seen": len(lengths),
        "note": "first question of a fresh server: loads the index and the model (cold)",
    }
    (artifacts / "time-to-first-token.json").write_text(json.dumps(measured, indent=2) + "\n")
    (artifacts / "embedded-answer.md").write_text(f"**{QUESTION}**\n\n{turn['markdown']}\n")
    print(f"\nembedded model in the panel: first token {ttft_ms / 1000:.2f} s after Send, final answer "
          f"{(rec['final'] - rec['click']) / 1000:.2f} s ({len(lengths)} growth steps seen)")

    # a citation opens its page in a new tab, which the browser context keeps from leaving the machine
    with page.context.expect_page() as popup:
        links.first.click()
    requested = hrefs[0].split("#")[0]  # a browser does not send the fragment (a section of the page)
    deadline = time.monotonic() + 10
    while requested not in traffic.blocked and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert traffic.blocked == [requested]
    popup.value.close()

    # the model is loaded now
    refresh_status(page)
    expect(status_line(page)).to_contain_text(f"Backend embedded · model {status['model']}")
    expect(status_line(page)).not_to_contain_text("loads on the first question")


def test_a_second_question_is_answered_warm(lab, page, artifacts):
    panel = sidebar(page)
    panel.locator(".jp-MolsysAI-textarea").fill(WARM_QUESTION)
    page.evaluate(WATCH_STREAM)
    panel.get_by_role("button", name="Send").click()
    answer = wait_until_answered(page, 2, EMBEDDED_ANSWER_S)
    shot(page, artifacts, "04-embedded-warm-answer")
    expect(answer.locator(".jp-MolsysAI-error")).to_have_count(0)
    rec = page.evaluate("window.__molsysStream")
    assert rec["click"] is not None and rec["first"] is not None and rec["final"] is not None, rec
    assert len(rec["lengths"]) >= 3, rec["lengths"]  # streamed
    turn = lab.api(f"molsys-ai/history?notebook={lab.notebook}")["turns"][-1]
    assert turn["question"] == WARM_QUESTION and turn["sources"]
    links = answer.locator(".jp-MolsysAI-markdown a[href^='https'], .jp-MolsysAI-sources a[href^='https']")
    assert links.count() >= 1  # cited
    ttft_ms = rec["first"] - rec["click"]
    measured = {
        "question": WARM_QUESTION,
        "time_to_first_token_in_panel_ms": round(ttft_ms, 1),
        "final_answer_in_panel_ms": round(rec["final"] - rec["click"], 1),
        "growth_steps_seen": len(rec["lengths"]),
        "note": "second question: the index and the model are loaded (warm)",
    }
    (artifacts / "time-to-first-token-warm.json").write_text(json.dumps(measured, indent=2) + "\n")
    print(f"\nembedded model in the panel, warm: first token {ttft_ms / 1000:.2f} s after Send, final answer "
          f"{(rec['final'] - rec['click']) / 1000:.2f} s")


def test_status_follows_the_settings_file_to_another_server(lab, page, artifacts, scripted_model):
    lab.use_model(scripted_model.url, scripted_model.model)
    refresh_status(page)
    expect(status_line(page)).to_contain_text(
        f"Backend {scripted_model.url} · model {scripted_model.model} (loads on the first question)")
    shot(page, artifacts, "04-status-scripted-model")


def test_insert_below_puts_the_code_in_a_new_cell(lab, page, artifacts, scripted_model):
    cells(page).first.locator(".jp-InputPrompt").click()  # the first cell is the active one
    ask(page, CODE_QUESTION)
    answer = wait_until_answered(page, 3)
    assert scripted_model.requests, "the scripted model was not asked"
    block = code_block(answer, MARKER)
    expect(block.locator("pre")).to_have_text(CODE)
    block.get_by_role("button", name="Copy").click()
    expect(block.get_by_role("button", name="Copied")).to_be_visible()  # for a moment
    block.get_by_role("button", name="Insert below").click()
    expect(cells(page)).to_have_count(3)
    assert cell_source(cells(page).nth(1)) == CODE
    expect(cells(page).nth(1)).to_have_class(re.compile(r"\bjp-mod-active\b"))
    shot(page, artifacts, "05-insert-below")


def test_run_shows_the_output_in_the_notebook(lab, page, artifacts):
    block = code_block(answers(page).nth(2), MARKER)
    block.get_by_role("button", name="Run").click()
    expect(cells(page)).to_have_count(4)
    expect(page.locator(".jp-Dialog")).to_have_count(0)  # checked by the policy: nothing to consent to
    ran = cells(page).nth(2)
    expect(ran.locator(".jp-OutputArea-output", has_text=MARKER)).to_contain_text(f"{MARKER} True", timeout=60_000)
    assert cell_source(ran) == CODE
    expect(ran.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]:"))
    shot(page, artifacts, "06-run")


def test_fix_with_molsys_ai_sends_the_error_of_a_failing_cell(lab, page, artifacts, scripted_model):
    failing = cells(page).nth(3)
    assert cell_source(failing) == "x = 1/0"
    run_cell(page, failing)
    expect(failing.locator(".jp-OutputArea-output")).to_contain_text("ZeroDivisionError", timeout=30_000)

    body = fix_with_molsys_ai(page, failing)
    assert body["notebook"] == lab.notebook and body["context"]["cell"] == "x = 1/0"
    error = body["context"]["error"]
    assert "ZeroDivisionError: division by zero" in error and "Traceback" in error and "x = 1/0" in error
    answer = wait_until_answered(page, 4)
    expect(questions(page).last).to_have_text(
        "This cell fails with ZeroDivisionError: division by zero. Why, and how do I fix it?")
    chips = sidebar(page).locator(".jp-MolsysAI-user").last.locator(".jp-MolsysAI-chip")
    expect(chips).to_have_text(["cell", "error"])
    prompt = scripted_model.requests[-1]["messages"][-1]["content"]
    assert "ZeroDivisionError: division by zero" in prompt and "x = 1/0" in prompt  # the traceback reached the model
    expect(code_block(answer, "divisor").locator("pre")).to_have_text(DIVIDED)  # the proposed change
    shot(page, artifacts, "07-fix-division-by-zero")


def test_fix_with_molsys_ai_shows_the_proposed_change(lab, page, artifacts, scripted_model):
    failing = cells(page).first
    run_cell(page, failing)
    expect(failing.locator(".jp-OutputArea-output")).to_contain_text("NameError", timeout=30_000)

    body = fix_with_molsys_ai(page, failing)
    assert body["context"]["cell"].startswith("n_waters = msm.get('1vii.pdb', n_waters=True)")
    assert "NameError: name 'msm' is not defined" in body["context"]["error"]
    answer = wait_until_answered(page, 5)
    expect(questions(page).last).to_have_text(
        "This cell fails with NameError: name 'msm' is not defined. Why, and how do I fix it?")
    expect(sidebar(page).locator(".jp-MolsysAI-user").last.locator(".jp-MolsysAI-chip")).to_have_text(
        ["cell", "error"])
    prompt = scripted_model.requests[-1]["messages"][-1]["content"]
    assert "NameError: name 'msm' is not defined" in prompt and "msm.get('1vii.pdb'" in prompt
    block = code_block(answer, "import molsysmt as msm")
    expect(block.locator("pre")).to_have_text(FIXED)
    expect(block.get_by_role("button", name="Insert below")).to_be_visible()
    expect(answer.locator(".jp-MolsysAI-markdown")).to_contain_text("the cell uses MolSysMT before importing it")
    shot(page, artifacts, "08-fix-proposed-change")


def test_reload_keeps_the_history(lab, page, artifacts, scripted_model):
    asked = [q.strip() for q in questions(page).all_inner_texts()]
    assert len(asked) == 5 and asked[:2] == [QUESTION, WARM_QUESTION]
    # a context toggle changed in the panel goes to the user's settings
    toggle = sidebar(page).get_by_role("checkbox", name="Cell")
    expect(toggle).not_to_be_checked()
    toggle.check()
    saved = Path(lab.env["JUPYTERLAB_SETTINGS_DIR"]) / "molsys-ai-jupyterlab" / "plugin.jupyterlab-settings"
    deadline = time.monotonic() + 15
    while not (saved.is_file() and re.search(r'"sendCell"\s*:\s*true', saved.read_text())):
        assert time.monotonic() < deadline, f"the toggle was not saved in {saved}"
        page.wait_for_timeout(100)
    save = page.locator(f"{NOTEBOOK} .jp-Toolbar-item[data-jp-item-name='save'] [data-command='docmanager:save']")
    save.click()  # the new cells stay after the reload
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current")).not_to_have_class(
        re.compile(r"\bjp-mod-dirty\b"))
    page.reload()
    expect(cells(page)).to_have_count(4, timeout=90_000)
    wait_for_kernel(page)
    open_sidebar(page)
    expect(questions(page)).to_have_text(asked, timeout=30_000)
    expect(answers(page).locator(".jp-MolsysAI-markdown .jp-RenderedMarkdown")).to_have_count(5)
    expect(code_block(answers(page).nth(4), "import molsysmt as msm").locator("pre")).to_have_text(FIXED)
    turns = lab.api(f"molsys-ai/history?notebook={lab.notebook}")["turns"]
    assert [t["question"] for t in turns] == asked
    expect(status_line(page)).to_contain_text(f"Backend {scripted_model.url} · model {scripted_model.model}")
    expect(toggle).to_be_checked()  # the toggle as it was left
    shot(page, artifacts, "10-reload-keeps-history-and-toggles")
    toggle.uncheck()
    expect(toggle).not_to_be_checked()


def test_stop_ends_an_answer_while_it_streams(lab, page, artifacts, scripted_model):
    kept = len(lab.api(f"molsys-ai/history?notebook={lab.notebook}")["turns"])
    aborted = scripted_model.aborted
    scripted_model.word_delay = 0.5  # a slow model: ~10 s for the whole reply
    try:
        ask(page, CODE_QUESTION)
        answer = answers(page).nth(kept)
        expect(answer.locator(".jp-MolsysAI-streaming")).to_have_text(re.compile(r"\S"), timeout=30_000)
        shot(page, artifacts, "11a-streaming-before-stop")
        sidebar(page).get_by_role("button", name="Stop").click()
        expect(answer.locator(".jp-MolsysAI-note")).to_have_text("stopped")
        expect(sidebar(page).get_by_role("button", name="Send")).to_be_visible()
        partial = answer.locator(".jp-MolsysAI-streaming").inner_text()
        assert 0 < len(partial) < len(CODE_REPLY.strip()), partial  # what came before Stop, and no more
        expect(answer.locator(".jp-MolsysAI-codeBlock")).to_have_count(0)  # a partial answer is not rendered
        deadline = time.monotonic() + 15
        while scripted_model.aborted == aborted:  # the server stopped reading the model's stream
            assert time.monotonic() < deadline, "the model server kept streaming after Stop"
            page.wait_for_timeout(100)
        page.wait_for_timeout(1500)
        expect(answer.locator(".jp-MolsysAI-streaming")).to_have_text(partial)  # nothing arrived after Stop
        assert len(lab.api(f"molsys-ai/history?notebook={lab.notebook}")["turns"]) == kept  # not saved
        shot(page, artifacts, "11b-stopped")
    finally:
        scripted_model.word_delay = 0.0


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # free once the socket is closed: nothing listens there


def test_an_unreachable_model_server_is_reported_and_ask_again_answers(lab, page, artifacts, scripted_model):
    gone = f"http://127.0.0.1:{closed_port()}/v1"
    lab.use_model(gone, scripted_model.model)
    n = answers(page).count() + 1
    ask(page, CODE_QUESTION)
    answer = wait_until_answered(page, n)
    error = answer.locator(".jp-MolsysAI-error")
    expect(error.locator(".jp-MolsysAI-errorMessage")).to_have_text(f"cannot reach the language model server at {gone}")
    expect(error.locator(".jp-MolsysAI-errorHint")).to_have_text(re.compile(r"\w{3,}"))  # what to do about it
    shot(page, artifacts, "12a-model-server-unreachable")

    lab.use_model(scripted_model.url, scripted_model.model)  # the server is back
    asked = len(scripted_model.requests)
    error.get_by_role("button", name="Ask again").click()
    expect(answers(page).locator(".jp-MolsysAI-error")).to_have_count(0)  # the failed exchange is replaced
    answer = wait_until_answered(page, n)
    expect(answers(page)).to_have_count(n)
    expect(questions(page).last).to_have_text(CODE_QUESTION)
    expect(code_block(answer, MARKER).locator("pre")).to_have_text(CODE)
    assert len(scripted_model.requests) == asked + 1
    shot(page, artifacts, "12b-asked-again")


def test_molsys_cell_magic_asks_then_runs_when_run_is_clicked(lab, page, artifacts):
    lab.use_model(None)  # the kernel's agent plans with the embedded model
    add_cell(page, "%load_ext molsys_ai_jupyter")
    run_cell(page, cells(page).last)
    wait_for_kernel(page)
    add_cell(page, f"%%molsys -k 0 --no-view\n{MAGIC_TASK}")
    cell = cells(page).last
    run_cell(page, cell)
    def button(label: str):
        return cell.locator(".jp-OutputArea-output .widget-button", has_text=re.compile(rf"^\s*{label}\s*$"))

    run = button("Run")
    expect(run).to_be_visible(timeout=180_000)  # planned and checked: the panel waits for the user
    panel = cell.locator(".jp-Cell-outputArea")
    expect(panel).to_contain_text("import mdtraj")  # the code that will run, shown first
    expect(button("Edit")).to_be_visible()
    expect(button("Cancel")).to_be_visible()
    expect(button("Run anyway")).to_be_hidden()  # the checked code needs no consent
    expect(panel).not_to_contain_text("answer: 36")  # nothing ran yet
    shot(page, artifacts, "13a-molsys-magic-panel")
    run.click()
    expect(panel).to_contain_text("answer: 36", timeout=120_000)
    expect(run).to_be_disabled()  # spent
    shot(page, artifacts, "13b-molsys-magic-ran")


def test_do_it_gets_code_for_a_task_and_asks_before_it_replaces_a_variable(lab, page, artifacts):
    lab.use_model(None)  # the server's agent plans with the embedded model
    add_cell(page, 'traj = "my own trajectory"')  # a variable of the user's, which the code would replace
    run_cell(page, cells(page).last)
    wait_for_kernel(page)
    do_it = sidebar(page).get_by_role("checkbox", name="Do it")
    do_it.check()
    n = answers(page).count() + 1
    count = cells(page).count()
    with page.expect_request(lambda r: urlsplit(r.url).path.endswith("/molsys-ai/agent/suggest")) as sent:
        ask(page, MAGIC_TASK)
    names = sent.value.post_data_json["variables"]
    # the kernel's names went with the task: the user's, not those the agent made in step 13
    assert "traj" in names and "md" in names and "atoms" not in names and "answer" not in names, names
    suggestion = answers(page).nth(n - 1).locator(".jp-MolsysAI-suggestion")
    expect(suggestion).to_be_visible(timeout=EMBEDDED_ANSWER_S * 1000)
    expect(suggestion).to_contain_text("Not run yet")
    expect(suggestion.locator(".jp-MolsysAI-warning")).to_contain_text("need your consent")
    expect(suggestion).to_contain_text("replaces your variable 'traj'")
    block = code_block(suggestion, "md.load('1vii.pdb')")
    expect(block).to_be_visible()
    shot(page, artifacts, "14a-do-it-suggestion-needs-consent")
    cells(page).last.locator(".jp-InputPrompt").click()  # the code goes below the active cell
    block.get_by_role("button", name="Run").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Run code that needs your consent?")
    shot(page, artifacts, "14b-do-it-consent-dialog")
    dialog.get_by_role("button", name="Run it").click()
    expect(cells(page)).to_have_count(count + 1)
    ran = cells(page).last
    result = ran.locator(".jp-OutputArea-output[data-mime-type='text/plain']")  # Out[n], not the warnings
    expect(result).to_have_text("36", timeout=60_000)
    assert "md.load('1vii.pdb')" in cell_source(ran)
    shot(page, artifacts, "14c-do-it-ran")
    turn = lab.api(f"molsys-ai/history?notebook={lab.notebook}")["turns"][-1]
    assert turn["task"] == MAGIC_TASK and "md.load('1vii.pdb')" in turn["suggestion"]["code"]  # kept
    do_it.uncheck()


def test_nothing_left_the_machine_and_the_page_logged_no_error(lab, page, traffic, console):
    assert traffic.requests and any(url.startswith(lab.url) for url in traffic.requests)
    assert traffic.websockets and all(urlsplit(url).hostname in LOOPBACK for url in traffic.websockets)
    assert traffic.escaped() == []
    # the only request stopped is the citation opened on purpose in step 3
    assert len(traffic.blocked) == 1 and urlsplit(traffic.blocked[0]).scheme == "https", traffic.blocked
    assert console.errors == []
