"""What the sidebar sends, read and checked before any work starts: a bad request
gets one readable line (and a hint), never a traceback."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path

from ..config import AGENT_DESIGNS
from ..serving.errors import BadRequest

MAX_K = 10
MAX_CONTEXT_CHARS = 20_000  # per field; the prompt keeps far less (see assistant.prompt)
CONTEXT_FIELDS = ("cell", "selection", "error")


def json_body(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise BadRequest("the request body is not JSON", 'send e.g. {"message": "how do I count waters?"}') from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


def known_fields(body: dict, fields: tuple[str, ...]) -> None:
    """A field the endpoint does not know is refused, as the chat API refuses it: a typo
    must not be silently ignored."""
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise BadRequest(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}",
                         f"the fields are: {', '.join(fields)}")


def unicode_text(value: str, name: str) -> str:
    """``value`` if it can be sent on as UTF-8 (JSON allows lone surrogates, UTF-8 does not)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"{name} is not valid Unicode (it holds half of a surrogate pair)",
                         "send text that is valid UTF-8") from None
    return value


def notebook_path(value) -> str | None:
    """A notebook's path as Jupyter's contents API writes it (relative to the server
    root, '/' separated), normalised; None when none was given."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BadRequest("notebook must be a path (a string)")
    unicode_text(value, "notebook")
    path = posixpath.normpath(value.replace("\\", "/").strip("/"))
    if path == ".." or path.startswith("../") or "\x00" in path:
        raise BadRequest(f"notebook path {value!r} is outside the server root")
    return None if path == "." else path


def folder_of(root_dir: str | Path, notebook: str | None) -> Path:
    """The folder the notebook is in, under the server root (the root without a notebook)."""
    root = Path(root_dir).expanduser().resolve()
    try:
        folder = (root / notebook).parent.resolve() if notebook else root
        is_folder = folder.is_dir()
    except OSError as exc:  # e.g. a folder name longer than the file system allows
        raise BadRequest(f"notebook path {notebook!r} cannot be a folder here ({exc.strerror})") from None
    if not folder.is_relative_to(root):  # a link pointing out of the root
        raise BadRequest(f"notebook path {notebook!r} is outside the server root")
    if not is_folder:
        raise BadRequest(f"no folder {folder.relative_to(root).as_posix() or '.'} under the server root",
                         "save the notebook first")
    return folder


def _text(body: dict, name: str, what: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be text, got {type(value).__name__}", what)
    return unicode_text(value, name)


def _k(body: dict, default: int, least: int) -> int:
    k = body.get("k", default)
    if isinstance(k, bool) or not isinstance(k, int) or not least <= k <= MAX_K:
        raise BadRequest(f"k must be a whole number from {least} to {MAX_K}, got {k!r}")
    return k


@dataclass
class ChatRequest:
    message: str
    notebook: str | None = None
    context: dict | None = None  # {"cell", "selection", "error"}: texts, each optional
    k: int = 3

    @classmethod
    def from_body(cls, body: dict) -> "ChatRequest":
        from ..assistant.answer import MAX_QUESTION_CHARS, validate_question

        known_fields(body, ("message", "notebook", "context", "k"))
        text = _text(body, "message", 'send {"message": "your question"}')
        if not text.strip():
            raise BadRequest("empty question", "type a question, e.g. how do I count the waters of 1tcd?")
        if len(text) > MAX_QUESTION_CHARS:  # counted as sent, spaces included, as the chat API counts
            raise BadRequest(f"question too long ({len(text)} characters, the limit is {MAX_QUESTION_CHARS})",
                             "shorten it, or put long code in the notebook context")
        message = validate_question(text)
        k = _k(body, 3, 1)
        context = body.get("context") or None
        if context is not None:
            if not isinstance(context, dict):
                raise BadRequest("context must be an object with cell, selection and error texts")
            context = {name: _text(context, name, "send the cell, selection and error as text")
                       for name in CONTEXT_FIELDS}
            for name, value in context.items():
                if len(value) > MAX_CONTEXT_CHARS:
                    raise BadRequest(f"context {name} is too long ({len(value)} characters, the limit is "
                                     f"{MAX_CONTEXT_CHARS})", "send a smaller cell or selection")
        return cls(message=message, notebook=notebook_path(body.get("notebook")), context=context, k=k)

    def notebook_context(self) -> str | None:
        """The open notebook as the prompt shows it: the selection, the cell, the error."""
        if not self.context:
            return None
        parts = []
        selection, cell, error = (self.context.get(n, "").strip() for n in ("selection", "cell", "error"))
        if selection:
            parts.append(f"Selected code:\n```python\n{selection}\n```")
        if cell and cell != selection:
            parts.append(f"Current cell:\n```python\n{cell}\n```")
        if error:
            parts.append(f"Error:\n{error}")
        return "\n\n".join(parts) or None


def _design(value) -> str:
    """``design``: how the agent writes code (absent: the default design)."""
    if value is None:
        return AGENT_DESIGNS[0]
    if value not in AGENT_DESIGNS:
        raise BadRequest(f"design must be one of {', '.join(AGENT_DESIGNS)}, got {value!r}",
                         "choose the agent design in the sidebar settings (agentDesign)")
    return value


@dataclass
class SuggestRequest:
    task: str
    notebook: str | None = None
    k: int = 3  # documentation pages behind the code (0: none)
    # the names the user has in the notebook's kernel: code that would replace one needs consent
    variables: tuple[str, ...] = ()
    design: str = AGENT_DESIGNS[0]  # see config.DESIGN_HELP

    @classmethod
    def from_body(cls, body: dict) -> "SuggestRequest":
        from ..assistant.answer import MAX_QUESTION_CHARS

        known_fields(body, ("task", "notebook", "k", "variables", "design"))
        task = _text(body, "task", 'send {"task": "How many residues are in 1vii.pdb?"}').strip()
        if not task:
            raise BadRequest("empty task", 'say what to do, e.g. "How many residues are in 1vii.pdb?"')
        if len(task) > MAX_QUESTION_CHARS:
            raise BadRequest(f"task too long ({len(task)} characters, the limit is {MAX_QUESTION_CHARS})",
                             "say it in fewer words")
        return cls(task=task, notebook=notebook_path(body.get("notebook")), k=_k(body, 3, 0),
                   variables=_names(body.get("variables")), design=_design(body.get("design")))


MAX_CODE_CHARS = 200_000


@dataclass
class PolicyRequest:
    """Code the sidebar is about to run in the notebook's kernel, to check first."""

    code: str
    notebook: str | None = None
    variables: tuple[str, ...] = ()  # the user's names in the kernel: code that would replace one needs consent

    @classmethod
    def from_body(cls, body: dict) -> "PolicyRequest":
        known_fields(body, ("code", "notebook", "variables"))
        code = body.get("code")
        if not isinstance(code, str):
            raise BadRequest("code must be text", 'send {"code": "print(1)", "notebook": "analysis.ipynb"}')
        unicode_text(code, "code")
        if len(code) > MAX_CODE_CHARS:
            raise BadRequest(f"code too long ({len(code)} characters, the limit is {MAX_CODE_CHARS})")
        return cls(code=code, notebook=notebook_path(body.get("notebook")), variables=_names(body.get("variables")))


MAX_VARIABLES = 10_000


def _names(value) -> tuple[str, ...]:
    """``variables``: a list of Python identifiers (absent: none known)."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_VARIABLES or not all(
            isinstance(v, str) and v.isidentifier() for v in value):
        raise BadRequest(f'"variables" must be a list of at most {MAX_VARIABLES} Python names',
                         'send the names defined in the kernel, e.g. {"variables": ["traj", "n_waters"]}')
    return tuple(value)
