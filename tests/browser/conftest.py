"""Fixtures of the browser tests: the system Chromium driven by Playwright, a real
`jupyter lab` on loopback with the MolSys-AI sidebar, and a browser context that lets
no request leave the machine.

The JupyterLab server reads the assistant's settings from the environment it starts
with (the real documentation index; no MOLSYS_AI_LLM_URL, so the embedded model
answers) and from a TOML file (MOLSYS_AI_CONFIG) that it reads on every request: a
test points the server at another model by writing that file (`LabServer.use_model`).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from molsys_ai_jupyter.config import ENV_VARS
from support.servers import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
REPO = Path(__file__).resolve().parents[2]
LABEXTENSION = "molsys-ai-jupyterlab"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
NOTEBOOK = "analysis.ipynb"
SERVER_START_S = 120


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: end-to-end tests of the JupyterLab sidebar in the system Chromium "
                                       "(Playwright); deselect with -m 'not browser'")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots, measurements and the server's log go (never committed)."""
    folder = Path(os.environ.get("MOLSYS_AI_ARTIFACTS") or REPO / "bench-results" / "browser")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The system Chromium (checked before anything slow starts)."""
    if not CHROMIUM.is_file():
        pytest.fail(f"the browser tests need Debian's Chromium at {CHROMIUM}: install it with "
                    "`sudo apt-get install chromium` (Playwright drives the system browser; its own browser "
                    "download is not used)", pytrace=False)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("the browser tests need Playwright for Python: install the test extra "
                    "(pip install -e '.[test]')", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="module")  # ended with the module: its event loop must not outlive it
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _notebook(cells: list[str]) -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     "language_info": {"name": "python"}},
        "cells": [{"id": f"cell-{i}", "cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": source} for i, source in enumerate(cells)],
    }


def _labextension_prefix(home: Path) -> Path | None:
    """The sidebar as built from this checkout, laid out where JupyterLab finds it before
    any installed copy (an editable install copies the build once, at install time)."""
    built = REPO / "molsys_ai_jupyter" / "labextension"
    if not (built / "package.json").is_file():
        return None  # not built here: JupyterLab serves the installed copy
    share = home / "prefix" / "share" / "jupyter"
    target = share / "labextensions" / LABEXTENSION
    shutil.copytree(built, target)
    shutil.copy(REPO / "labextension" / "install.json", target / "install.json")
    return share


@dataclass
class LabServer:
    url: str
    token: str
    root: Path
    config_file: Path
    data_dir: Path
    log: Path
    process: subprocess.Popen
    notebook: str = NOTEBOOK
    env: dict = field(default_factory=dict)

    def lab_url(self, path: str | None = None) -> str:
        return f"{self.url}/lab/tree/{path or self.notebook}?token={self.token}"

    def use_model(self, llm_url: str | None, model: str | None = None) -> None:
        """Point the assistant at an OpenAI-compatible server (None: the embedded model);
        the server reads the file on its next request."""
        lines = []
        if llm_url:
            lines += [f'llm_url = "{llm_url}"', "llm_timeout = 30"]
            if model:
                lines.append(f'model = "{model}"')
        self.config_file.write_text("\n".join(lines) + "\n")

    def api(self, path: str) -> dict:
        request = urllib.request.Request(f"{self.url}/{path}", headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


def _wait_until_up(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"jupyter lab exited with code {server.process.returncode}; its log: {server.log}\n"
                        + server.log.read_text(errors="replace")[-3000:], pytrace=False)
        try:
            if "started" in server.api("api/status"):
                return
        except (OSError, urllib.error.URLError, ValueError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"jupyter lab did not answer /api/status within {SERVER_START_S} s; its log: {server.log}",
                        pytrace=False)
        time.sleep(0.5)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # jupyter shuts its kernels down on SIGTERM
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(chromium, real_index, real_settings, artifacts, tmp_path_factory):
    """A real `jupyter lab` on a free loopback port, serving a folder with a notebook and
    a copy of 1vii.pdb; its history, settings and runtime files live in temp folders."""
    settings, _ = real_index
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    root.mkdir()
    structure = real_settings.structures / "1vii.pdb"
    if not structure.is_file():
        pytest.fail(f"the structure file {structure} is missing from the shared data", pytrace=False)
    shutil.copy(structure, root / "1vii.pdb")
    (root / NOTEBOOK).write_text(json.dumps(_notebook([
        "n_waters = msm.get('1vii.pdb', n_waters=True)\nprint(n_waters)",
        "x = 1/0",
    ]), indent=1))

    config_dir, data_dir, runtime_dir = home / "config", home / "data", home / "runtime"
    lab_settings, workspaces = home / "lab-settings", home / "workspaces"
    for folder in (config_dir, data_dir, runtime_dir, lab_settings, workspaces):
        folder.mkdir()
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"molsys_ai_jupyter.serverext": True}}}))
    # no "get notified about news?" toast, no update check: nothing asks the internet
    notification = lab_settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # the docs extra installs JupyterLite's Pyodide kernel, whose labextension is for JupyterLite
    # pages only: disabled, as a user would (JupyterLab still fetches its module, which logs
    # THIRD_PARTY_NOISE; the `page` fixture leaves exactly that out of the page's errors)
    page_config = config_dir / "labconfig" / "page_config.json"
    page_config.parent.mkdir(parents=True)
    page_config.write_text(json.dumps({"disabledExtensions": {"@jupyterlite/pyodide-kernel-extension": True}}))

    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS.values()}
    env.update({
        "MOLSYS_AI_CONFIG": str(home / "molsys-ai.toml"),
        "MOLSYS_AI_DATA": str(settings.data_root),
        "MOLSYS_AI_INDEX_DIR": str(settings.index_root),
        "MOLSYS_AI_INDEX": settings.index_name,
        "MOLSYS_AI_CACHE": str(settings.cache_dir),
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_DATA_DIR": str(data_dir),
        "JUPYTER_RUNTIME_DIR": str(runtime_dir),
        "JUPYTERLAB_SETTINGS_DIR": str(lab_settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(workspaces),
        "IPYTHONDIR": str(home / "ipython"),
        "PYTHONUNBUFFERED": "1",
    })
    prefix = _labextension_prefix(home)
    if prefix is not None:
        env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(prefix), os.environ.get("JUPYTER_PATH")) if p)

    port, token = free_port(), secrets.token_hex(16)
    log = artifacts / "jupyter-lab.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly"] + (["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []),
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    server = LabServer(url=f"http://127.0.0.1:{port}", token=token, root=root, config_file=home / "molsys-ai.toml",
                       data_dir=data_dir, log=log, process=process, env=env)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(process)


@dataclass
class Traffic:
    """Every request the browser made, and the ones stopped for leaving the machine."""
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)

    def escaped(self) -> list[str]:
        """Requests to another host that were not stopped (none, if the block works)."""
        return [url for url in self.requests + self.websockets
                if not _local(url) and url not in self.blocked]


def _local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error"):
        return True
    return (parts.hostname or "") in LOOPBACK


@dataclass
class Console:
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture(scope="module")
def context(request, browser, traffic):
    """A browser context whose requests may reach loopback only: anything else is aborted.
    Service workers are blocked unless the test module sets ``SERVICE_WORKERS = "allow"``
    (JupyterLite's kernel reads its files through one); a request made by one that the
    gate cannot see still counts when it fails."""
    workers = getattr(request.module, "SERVICE_WORKERS", "block")
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, service_workers=workers)

    def gate(route):
        url = route.request.url
        if _local(url):
            route.continue_()
        else:
            traffic.blocked.append(url)
            route.abort("blockedbyclient")

    def failed(request) -> None:
        if not _local(request.url) and request.url not in traffic.blocked:
            traffic.blocked.append(request.url)

    ctx.route("**/*", gate)
    ctx.on("request", lambda request: traffic.requests.append(request.url))
    ctx.on("requestfailed", failed)
    ctx.on("page", lambda page: page.on("websocket", lambda ws: traffic.websockets.append(ws.url)))
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def console() -> Console:
    return Console()


# the one error of another package's JupyterLite-only extension when JupyterLab loads it
THIRD_PARTY_NOISE = re.compile(r"^Error: Shared module @jupyterlite/\S+ doesn't exist in shared scope default\n"
                               r"\s+at \S+ \(http://127\.0\.0\.1:\d+/lab/extensions/@jupyterlite/pyodide-kernel-extension/")


def _page_error(console: Console, message) -> None:
    if message.type == "error" and not THIRD_PARTY_NOISE.match(message.text):
        console.errors.append(f"console: {message.text}")


@pytest.fixture(scope="module")
def page(context, console):
    """The one page the steps of a module share (the state of each step feeds the next)."""
    tab = context.new_page()
    tab.on("console", lambda message: _page_error(console, message))
    tab.on("pageerror", lambda error: console.errors.append(f"page error: {error}"))
    tab.set_default_timeout(30_000)
    yield tab


# the docs site and the chat API of test_docs_widget.py and test_jupyterlite.py (helpers in
# docs_site.py, imported here when first used: docs_site.py itself imports this module)
@pytest.fixture(scope="session")
def docs_site(tmp_path_factory):
    """The built docs on a loopback static server."""
    from docs_site import built_site, serve_site

    folder = built_site(tmp_path_factory.getbasetemp() / "docs-site")
    return serve_site(folder)


@pytest.fixture(scope="session")
def chat_server(tmp_path_factory, artifacts, real_index):
    from docs_site import start_chat_server

    settings, _ = real_index
    server = start_chat_server(tmp_path_factory.getbasetemp() / "chat-api", artifacts / "molsys-ai-serve.log",
                               settings)
    yield server
    server.stop()
