"""The JupyterLite demo page of the docs site, fully offline, in Debian's Chromium: the
Pyodide kernel starts from the site's own files, `%pip install molsys-ai-jupyter`
installs the wheel the site ships, `%load_ext molsys_ai_jupyter` and `%molsys ask …` get
an answer from the local `molsys-ai serve` (the embedded model) — and nothing is asked
of any other host.

Steps, in order: open the demo page; the notebook opens in the page's JupyterLite with an
idle Pyodide kernel; Run All; the answer (with links to the documentation) appears under
`%molsys ask` and the sources in the last cell; the runtime and the wheels came from the
site; no request left the machine.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from docs_site import SERVED
from playwright.sync_api import expect

from conftest import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.needs_corpus]  # steps of one session on the real index

KERNEL_S = 240  # Pyodide from the site's files, on two shared cores
ANSWER_S = 480  # the kernel's packages, then the embedded model's answer
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SERVICE_WORKERS = "allow"  # the shared `context` fixture allows them here: the kernel reads its files through one


# beside the request gate: no host name but loopback resolves at all in this browser, so a
# request the gate cannot see (one made by JupyterLite's service worker) cannot leave either
NO_DNS = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True,
                                             args=CHROMIUM_ARGS + [NO_DNS])
        try:
            yield browser
        finally:
            browser.close()


def _shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"jupyterlite-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def lite(page, docs_site, chat_server):
    page.set_default_timeout(60_000)
    page.goto(f"{docs_site.url}/demo.html")
    iframe = page.locator("iframe").first
    expect(iframe).to_be_visible()
    src = iframe.get_attribute("src")
    assert "lite/lab/index.html" in src and "molsys-ai-demo.ipynb" in src, src
    return page.frame_locator("iframe").first


def _cell(lite, index: int):
    return lite.locator(".jp-NotebookPanel .jp-Cell").nth(index)


def test_1_the_demo_notebook_opens_with_this_sites_api_url(page, lite, chat_server, artifacts):
    expect(_cell(lite, 0)).to_be_visible(timeout=KERNEL_S * 1000)
    expect(lite.locator(".jp-NotebookPanel .jp-Cell")).to_have_count(8)
    expect(_cell(lite, 1)).to_contain_text("%pip install molsys-ai-jupyter")
    # the cell tagged molsys-ai-api-url was given the site's chat API when the site was built
    expect(_cell(lite, 3)).to_contain_text(f"%config MolsysAI.api_url = '{chat_server.url}'")
    _shot(page, artifacts, "1-open")


def test_2_run_all_installs_loads_and_asks_the_chat_api(page, lite, artifacts):
    lite.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    lite.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    started = time.monotonic()
    # the Pyodide kernel starts from the site's files, then runs %pip install
    expect(_cell(lite, 1).locator(".jp-InputPrompt")).to_contain_text("[1]", timeout=KERNEL_S * 1000)
    kernel_s = time.monotonic() - started
    _shot(page, artifacts, "2-kernel")

    answer = _cell(lite, 5).locator(".jp-OutputArea-output")
    expect(answer.first).to_contain_text("Sources", timeout=ANSWER_S * 1000)
    links = answer.locator("a[href^='https://www.uibcdf.org/']")
    assert links.count() >= 1
    expect(_cell(lite, 7).locator(".jp-OutputArea-output").first).to_contain_text("https://www.uibcdf.org/",
                                                                                   timeout=60_000)
    total_s = time.monotonic() - started
    outputs = lite.locator(".jp-NotebookPanel .jp-OutputArea-output").all_inner_texts()
    joined = "\n".join(outputs)
    assert "Traceback" not in joined and "UsageError" not in joined and "cannot reach" not in joined, joined
    (artifacts / "jupyterlite-answer.txt").write_text(
        f"kernel started and ran %pip install in {kernel_s:.1f} s; answered {total_s:.1f} s after Run All\n\n"
        f"{joined}\n")
    _cell(lite, 5).scroll_into_view_if_needed()
    _shot(page, artifacts, "3-answer")


def test_3_runtime_and_wheels_came_from_the_site():
    served = "\n".join(SERVED)
    for name in ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json", "ipython-", "micropip-",
                 "molsys_ai_jupyter-", "comm-"):
        assert name in served, f"{name} was not served by the site"


def test_4_nothing_left_the_machine(traffic, console):
    assert traffic.requests, "no request was seen: the gate did not run"
    hosts = {urlsplit(url).hostname for url in traffic.requests}
    assert hosts <= LOOPBACK | {None, ""}, hosts
    assert traffic.blocked == [] and traffic.escaped() == []
    errors = [e for e in console.errors if "favicon" not in e]
    assert errors == [], errors
