"""The docs chatbot (molsys_ai_jupyter.sphinx) on the project's own built site, served
from loopback, asking a real `molsys-ai serve` (embedded SmolLM2-135M) in Debian's
Chromium. Every request that would leave the machine is aborted and counted (none may).

Steps, in order, on one page:

1. the page carries the widget; the button opens the panel from the keyboard, the
   focus goes to the question box, Escape closes it and gives the focus back;
2. a question: the answer streams in (seen in the page before it is complete), then the
   final answer shows links to the cited documentation pages (https, new tab);
3. thumbs up posts to /v1/feedback, which answers 201, and the rating is in the server's store;
4. the renderer never turns an answer's HTML into elements, and only follows http(s) links;
5. readable errors: a server that cannot be reached, and a 429 with its retry time;
6. narrow screens get the panel full width;
7. no request left the machine and the page logged no error.

Screenshots go to the artefacts folder (MOLSYS_AI_ARTIFACTS, default bench-results/browser/).
"""

from __future__ import annotations

import json
import sqlite3
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.needs_corpus]  # steps of one session on the real index

QUESTION = "How do I select atoms with molsysmt?"
ANSWER_S = 420  # the embedded model on two shared cores, cold

TOGGLE = ".molsys-ai-toggle"
PANEL = "#molsys-ai-panel"
INPUT = "#molsys-ai-input"
ANSWER = ".molsys-ai-answer"


def _shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"docs-widget-{name}.png"))


def _active(page) -> str:
    return page.evaluate("() => document.activeElement && (document.activeElement.id || "
                         "document.activeElement.className)")


def test_1_widget_opens_and_closes_from_the_keyboard(page, docs_site, chat_server, artifacts):
    page.goto(f"{docs_site.url}/index.html")
    config = json.loads(page.locator("#molsys-ai-config").text_content())
    assert config["apiUrl"] == chat_server.url
    toggle = page.locator(TOGGLE)
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator(PANEL)).to_be_hidden()

    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator(PANEL)).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert _active(page) == "molsys-ai-input"
    expect(page.locator(".molsys-ai-disclaimer")).to_contain_text("may be wrong; check the cited pages")
    expect(page.locator(PANEL)).to_have_attribute("role", "dialog")

    page.keyboard.press("Escape")
    expect(page.locator(PANEL)).to_be_hidden()
    assert "molsys-ai-toggle" in _active(page)

    page.keyboard.press("Enter")  # the focus is back on the button: Enter opens again
    expect(page.locator(PANEL)).to_be_visible()
    _shot(page, artifacts, "1-open")


WATCH_STREAM = """() => {
    // the page's own record of the answer as it arrives: each change of the live (streaming)
    // text, and the moment the final answer (with its feedback buttons) is shown
    window.__live = []; window.__final = null;
    const log = document.querySelector('.molsys-ai-log');
    new MutationObserver(() => {
        const answers = log.querySelectorAll('.molsys-ai-answer');
        const last = answers[answers.length - 1];
        if (!last) return;
        const live = last.querySelector('.molsys-ai-live');
        if (live && live.textContent !== (window.__live.at(-1) || {}).text)
            window.__live.push({t: performance.now(), text: live.textContent});
        if (!window.__final && last.querySelector('.molsys-ai-feedback')) window.__final = performance.now();
    }).observe(log, {subtree: true, childList: true, characterData: true});
}"""


def test_2_streamed_answer_with_citation_links(page, artifacts):
    page.evaluate(WATCH_STREAM)
    page.fill(INPUT, QUESTION)
    started = time.monotonic()
    page.keyboard.press("Enter")
    answer = page.locator(ANSWER).last
    page.wait_for_function("window.__live.length > 0 || window.__final", timeout=ANSWER_S * 1000)
    first_token_s = time.monotonic() - started
    _shot(page, artifacts, "2-streaming")
    expect(answer.locator(".molsys-ai-feedback")).to_be_visible(timeout=ANSWER_S * 1000)
    total_s = time.monotonic() - started
    _shot(page, artifacts, "2-answer")
    # streamed: the text grew in several steps, all before the final answer was shown
    live, final = page.evaluate("[window.__live, window.__final]")
    assert len(live) >= 2 and final is not None and live[-1]["t"] <= final, (len(live), final)
    assert len(live[-1]["text"]) > len(live[0]["text"])

    links = answer.locator(".molsys-ai-sources a, a.molsys-ai-cite")
    assert links.count() >= 1
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        parts = urlsplit(href)
        assert parts.scheme == "https" and parts.hostname == "www.uibcdf.org", href
        assert links.nth(i).get_attribute("target") == "_blank"
    cites = answer.locator("a.molsys-ai-cite")
    text = answer.locator(".molsys-ai-markdown").inner_text()
    assert text.strip()
    (artifacts / "docs-widget-answer.json").write_text(json.dumps({
        "question": QUESTION, "first_token_s": round(first_token_s, 2), "total_s": round(total_s, 2),
        "live_updates": len(live),
        "citation_links": cites.count(), "source_links": answer.locator(".molsys-ai-sources a").count(),
        "text": text}, indent=2))
    for code in answer.locator(".molsys-ai-codewrap").all():
        expect(code.locator("button.molsys-ai-copy")).to_have_text("Copy")
    expect(page.locator(".molsys-ai-status")).to_have_text("Answer ready.")


def test_3_thumbs_up_is_stored(page, chat_server, artifacts):
    answer = page.locator(ANSWER).last
    with page.expect_response(lambda r: r.url.endswith("/v1/feedback")) as info:
        answer.locator("button.molsys-ai-up").click()
    response = info.value
    assert response.status == 201 and response.json()["ok"] is True
    expect(answer.locator(".molsys-ai-feedback-note")).to_have_text("Thanks for the feedback.")
    expect(answer.locator("button.molsys-ai-up")).to_have_attribute("aria-pressed", "true")
    with sqlite3.connect(chat_server.feedback_db) as db:
        rows = db.execute("SELECT rating, question, page_url FROM feedback").fetchall()
    assert ("up", QUESTION, page.url) in rows
    _shot(page, artifacts, "3-feedback")


def test_4_rendering_is_safe(page):
    html = page.evaluate("""() => {
        const box = document.createElement('div');
        box.appendChild(MolsysAIChat.renderMarkdown(
            'Hi <img src=x onerror="window.pwned=1"> <script>window.pwned=2</script>\\n\\n' +
            '[bad](javascript:alert(1)) [good](https://www.uibcdf.org/molsysmt/) and `<b>code</b>` [1] [2]\\n\\n' +
            'See https://www.uibcdf.org/two.html. Not javascript:alert(3) _(removed)_ *note* snake_case_name\\n\\n' +
            '```python\\nprint("<i>x</i>")\\n```', [{number: 1, title: 'One', url: 'https://www.uibcdf.org/one.html'},
                                                  {number: 2, title: 'Two', url: 'javascript:alert(2)'}]));
        return {html: box.innerHTML, imgs: box.querySelectorAll('img, script, i, b').length,
                hrefs: [...box.querySelectorAll('a')].map(a => a.getAttribute('href')), pwned: window.pwned || 0};
    }""")
    assert html["imgs"] == 0 and html["pwned"] == 0
    assert html["hrefs"] == ["https://www.uibcdf.org/molsysmt/", "https://www.uibcdf.org/one.html",
                             "https://www.uibcdf.org/two.html"]
    assert "&lt;img" in html["html"] and "molsys-ai-copy" in html["html"]
    assert "<em>(removed)</em>" in html["html"] and "<em>note</em>" in html["html"] and "snake_case_name" in html["html"]


def test_5_readable_errors(page, chat_server, artifacts):
    chat = f"{chat_server.url}/v1/chat"
    page.route(chat, lambda route: route.abort("connectionrefused"))
    page.fill(INPUT, "Is the server there?")
    page.keyboard.press("Enter")
    error = page.locator(f"{ANSWER}.molsys-ai-error").last
    expect(error).to_contain_text(f"Cannot reach the MolSys-AI server at {chat_server.url}")
    expect(error).to_have_attribute("role", "alert")
    page.unroute(chat)

    page.route(chat, lambda route: route.fulfill(
        status=429, headers={"Retry-After": "42", "Access-Control-Allow-Origin": "*",
                             "Access-Control-Expose-Headers": "Retry-After"},
        content_type="application/json",
        body=json.dumps({"message": "too many requests", "hint": None, "kind": "rate_limited"})))
    page.fill(INPUT, "Again?")
    page.keyboard.press("Enter")
    error = page.locator(f"{ANSWER}.molsys-ai-error").last
    expect(error).to_contain_text("Too many questions right now.")
    expect(error).to_contain_text("Try again in 42 s.")
    expect(page.locator(".molsys-ai-send")).to_be_disabled()
    expect(page.locator(".molsys-ai-send")).to_contain_text(" s)")
    page.unroute(chat)
    _shot(page, artifacts, "5-errors")


def test_6_narrow_screen_full_width(page, artifacts):
    page.set_viewport_size({"width": 390, "height": 760})
    box = page.locator(PANEL).bounding_box()
    assert box["x"] == 0 and box["width"] == 390
    _shot(page, artifacts, "6-narrow")
    page.keyboard.press("Escape")
    expect(page.locator(PANEL)).to_be_hidden()
    page.set_viewport_size({"width": 1600, "height": 1000})


def test_7_nothing_left_the_machine(traffic, console):
    assert traffic.requests, "no request was seen: the gate did not run"
    assert traffic.blocked == [] and traffic.escaped() == []
    # step 5's refused connection and 429 log "Failed to load resource" errors; nothing else may
    expected = ("net::ERR_CONNECTION_REFUSED", "status of 429")
    errors = [e for e in console.errors if not any(reason in e for reason in expected)]
    assert errors == []
