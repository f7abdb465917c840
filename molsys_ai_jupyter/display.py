"""Showing answers and agent progress in IPython: streamed into one updating output
in notebooks, printed as they come in a terminal.

Text that the model or the documentation wrote never becomes live HTML: a notebook shows
it as HTML rendered here from its Markdown with raw HTML turned off (``<img onerror>``,
``<script>``, ``<form>`` … show as text), links limited to http(s) and relative URLs
(no ``javascript:`` or ``data:``), and images turned into links (nothing is fetched
until the user clicks). Everything else is escaped."""

from __future__ import annotations

import functools
import html
import re
import sys
import time

UPDATE_EVERY_S = 0.15
SAFE_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")  # browsers drop these: "java\tscript:" is javascript:
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s()<>]+)\)")


def safe_url(url: str) -> str | None:
    """``url`` when it is http(s) or relative, None for any other scheme (javascript:, data:, …)."""
    if not isinstance(url, str):
        return None
    scheme = _SCHEME.match(_IGNORED_IN_URLS.sub("", url))
    if scheme and scheme.group(1).lower() not in SAFE_SCHEMES:
        return None
    return url


@functools.cache
def _markdown_renderer():
    """markdown-it with raw HTML off, links checked by :func:`safe_url` and images shown
    as links; None where markdown-it-py is not installed (a thin or Pyodide install)."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return None

    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: safe_url(url) is not None

    def image_as_link(renderer, tokens, idx, options, env) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        alt = renderer.renderInlineAsText(token.children or [], options, env)
        return link_html(src, f"image: {alt} ({src})" if alt else f"image: {src}")

    md.add_render_rule("image", image_as_link)
    return md


def link_html(url: str | None, text: str) -> str:
    """An escaped link (opening in a new tab), or the escaped text alone when ``url``
    is missing or not http(s)/relative."""
    href = safe_url(url) if url else None
    if not href:
        return html.escape(text)
    return (f'<a href="{html.escape(href, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f"{html.escape(text)}</a>")


def answer_html(markdown: str) -> str:
    """Model or documentation Markdown as HTML that is safe to show as trusted output."""
    md = _markdown_renderer()
    if md is not None:
        return md.render(markdown)
    # no Markdown renderer: the text as it is, with its http(s) links
    pieces, last = [], 0
    for match in _MD_LINK.finditer(markdown):
        pieces.append(html.escape(markdown[last:match.start()]))
        pieces.append(link_html(match.group(2), match.group(1)))
        last = match.end()
    pieces.append(html.escape(markdown[last:]))
    return f'<div style="white-space: pre-wrap">{"".join(pieces)}</div>'


def answer_bundle(markdown: str) -> dict:
    """A display bundle of model or documentation Markdown: safe HTML, and the text itself."""
    return {"text/html": answer_html(markdown), "text/plain": markdown}


def in_notebook(shell) -> bool:
    """A notebook front end: Jupyter's kernel, or JupyterLite's (Pyodide runs only there)."""
    return sys.platform == "emscripten" or (shell is not None and type(shell).__name__ == "ZMQInteractiveShell")


class AnswerView:
    """One answer as it comes: the pieces streamed into one output (a notebook) or
    printed (a terminal), then the final answer in their place. The answer is the local
    assistant's or the chat API's: both have ``text`` and ``markdown``.

    ``waiting``: what a notebook shows until the first piece (e.g. which server is asked)."""

    def __init__(self, shell, waiting: str | None = None):
        self.notebook = in_notebook(shell)
        self.pieces: list[str] = []
        self._handle = None
        self._last = 0.0
        if waiting and self.notebook:
            self._show(waiting)

    def _show(self, markdown: str) -> None:
        from IPython.display import display

        if self._handle is None:
            self._handle = display(answer_bundle(markdown), raw=True, display_id=True)
        else:
            self._handle.update(answer_bundle(markdown), raw=True)

    def token(self, piece: str) -> None:
        self.pieces.append(piece)
        if not self.notebook:
            print(piece, end="", flush=True)
            return
        now = time.monotonic()
        if self._handle is None or now - self._last >= UPDATE_EVERY_S:
            self._show("".join(self.pieces))
        self._last = now

    def final(self, answer, footer: str = "") -> None:
        if self.notebook:
            markdown = answer.markdown + (f"\n\n{footer}" if footer else "")
            if self._handle is None:
                from IPython.display import display

                display(answer_bundle(markdown), raw=True)
            else:
                self._handle.update(answer_bundle(markdown), raw=True)
            return
        print("\n")
        print(answer.text)

    def failed(self, error) -> None:
        """A ``MolsysAIError`` in place of what a notebook shows so far (a terminal, and a
        notebook that shows nothing yet, get only the exception)."""
        if self.notebook and self._handle is not None:
            self._show(f"**{error.message}**" + (f" — {error.hint}" if error.hint else ""))


class StatusView:
    """Short status lines of an agent run ("choosing a recipe…", "running…", "done in
    1.2 s"): one output updated in place in notebooks, printed one by one in a terminal."""

    def __init__(self, notebook: bool):
        self.notebook = notebook
        self.lines: list[str] = []
        self._handle = None

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        if not self.notebook:
            print(line, flush=True)
            return
        from IPython.display import display

        bundle = {"text/plain": "\n".join(self.lines)}
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)


def text_approval(code: str, findings: list, plan: str = "") -> bool:
    """Ask in the terminal or notebook (an input box) before running generated code:
    the plan in one sentence, the exact code, what needs consent."""
    from .policy import describe

    if plan:
        print(f"plan: {plan}\n")
    print(code)
    for finding in findings:
        print(f"  needs your consent — {describe(finding)}")
    reply = input("Run this code? [y/N] ").strip().lower()
    return reply in ("y", "yes")


def result_summary(result) -> str:
    """One line: the answer and where it is kept, or why there is none."""
    if result.ok:
        extra = f"; new variables: {', '.join(result.new_variables)}" if result.new_variables else ""
        what = f" — {result.restatement}" if getattr(result, "restatement", "") else ""
        return f"answer: {result.final_answer!r}{what}  (in _molsys_last.final_answer{extra})"
    return result.message


def show_agent_result(result, shell) -> None:
    if result.code and in_notebook(shell):
        from IPython.display import Code, display

        display(Code(result.code, language="python"))
    if not result.ok and result.code and not in_notebook(shell):
        print(result.code)
    print(result_summary(result))
    if result.sources and in_notebook(shell):
        from IPython.display import display

        links = " · ".join(link_html(s.get("url"), str(s["title"])) for s in result.sources)
        plain = " · ".join(f"{s['title']} {s.get('url') or ''}".strip() for s in result.sources)
        display({"text/html": f"Documentation: {links}", "text/plain": f"Documentation: {plain}"}, raw=True)
    else:
        for source in result.sources:
            print(f"  source: {source['title']} — {source['url'] or source['path']}")


class TextUI:
    """The agent's front end in a terminal, and in a notebook without the approval panel
    (``--no-panel``, ``--dry-run``): status lines (:class:`StatusView`), a ``[y/N]``
    prompt (:func:`text_approval`) and the result (:func:`show_agent_result`). It is an
    :class:`~molsys_ai_jupyter.agent.ui.AgentUI`."""

    def __init__(self, shell):
        self.shell = shell
        self.status_view = StatusView(in_notebook(shell))

    def status(self, line: str) -> None:
        self.status_view(line)

    def approve(self, code: str, findings: list, plan: str = "") -> bool:
        return text_approval(code, findings, plan=plan)

    def show_result(self, result) -> None:
        show_agent_result(result, self.shell)
