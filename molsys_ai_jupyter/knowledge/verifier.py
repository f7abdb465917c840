"""Check code and answers against the real MolSysSuite API.

:func:`verify_code` parses Python with :mod:`ast`, follows import aliases
(``import molsysmt as msm``, ``from molsysmt.structure import get_rmsd as r``)
and attribute chains (``msm.structure.get_rmsd``), and reports

* ``unknown_symbol``: a ``molsysmt.* / pyunitwizard.* / molsysviewer.* / topomt.*``
  name that does not exist (also a bad ``from X import Y``);
* ``unknown_kwarg``: a keyword argument the real signature does not take
  (functions with ``**kwargs`` take anything);
* ``syntax_error``: the code does not parse.

:func:`verify_text` does the same for a markdown answer: its fenced code
blocks (only blocks that look like Python), its inline code spans, and dotted
names in the prose (``msm.structure.align``). Neither function raises: when the
checker itself fails, the report says so in ``error`` and is not ``ok``.

Types are tracked only as far as ``view = mv.MolSysView()``: a method that exists
on that class (``view.isolate(...)``) counts as used and its keyword arguments are
checked; a member the registry does not list is not flagged, since instances get
attributes the API surface does not show (``view.shapes``).
Lines are 1-based and columns 0-based (the :mod:`ast` convention); in
:func:`verify_text` they count from the start of the whole text.
"""

from __future__ import annotations

import ast
import functools
import re
import textwrap
from dataclasses import asdict, dataclass, field

from molsys_ai_jupyter.knowledge.registry import MAX_DEPTH, Symbol, SymbolRegistry

UNKNOWN_SYMBOL = "unknown_symbol"
UNKNOWN_KWARG = "unknown_kwarg"
SYNTAX_ERROR = "syntax_error"

#: Aliases assumed when a snippet (or prose) uses them without an import
#: (the package names themselves are assumed too).
DEFAULT_ALIASES = {"msm": "molsysmt", "msmt": "molsysmt", "puw": "pyunitwizard"}

#: Fence info strings that mean Python.
PYTHON_TAGS = frozenset(
    {"python", "py", "python3", "py3", "ipython", "ipython3", "pycon", "jupyter", "code-cell", "{code-cell}"}
)

#: Inputs larger than this are cut (the rest is not checked).
MAX_INPUT_CHARS = 2_000_000
#: A report keeps at most this many issues (then ``truncated`` is set).
MAX_ISSUES = 200

_UNBOUND = None  # alias value of a name bound to something we do not track


@dataclass
class Issue:
    """One problem found in code or text."""

    kind: str  # unknown_symbol | unknown_kwarg | syntax_error
    name: str  # the dotted name (for unknown_kwarg: the callable)
    line: int
    col: int
    message: str
    suggestions: list[str] = field(default_factory=list)
    kwarg: str | None = None  # the bad keyword, for unknown_kwarg
    origin: str = "code"  # code | prose

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class VerificationReport:
    """Everything :func:`verify_code` / :func:`verify_text` found."""

    issues: list[Issue] = field(default_factory=list)
    symbols_used: list[str] = field(default_factory=list)  # canonical names, first-seen order
    blocks_checked: int = 0
    truncated: bool = False  # True when more than MAX_ISSUES were found
    #: Set when the checker itself failed ("TypeError: ..."): what it found so far is
    #: kept, but the code was not fully checked, so the report is not ``ok``.
    error: str | None = None
    _seen_issues: set = field(default_factory=set, init=False, repr=False, compare=False)
    _seen_symbols: set = field(default_factory=set, init=False, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.issues and self.error is None

    def by_kind(self, kind: str) -> list[Issue]:
        return [i for i in self.issues if i.kind == kind]

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "issues": [i.to_dict() for i in self.issues],
            "symbols_used": list(self.symbols_used),
            "blocks_checked": self.blocks_checked,
            "truncated": self.truncated,
            "error": self.error,
        }

    def full(self) -> bool:
        if len(self.issues) >= MAX_ISSUES:
            self.truncated = True
            return True
        return False

    def add_issue(self, issue: Issue) -> None:
        key = (issue.kind, issue.name, issue.line, issue.col, issue.kwarg)
        if key not in self._seen_issues and not self.full():
            self._seen_issues.add(key)
            self.issues.append(issue)

    def add_symbol(self, name: str) -> None:
        if name not in self._seen_symbols:
            self._seen_symbols.add(name)
            self.symbols_used.append(name)

    def fail(self, error: BaseException) -> None:
        """Record that the checker failed (the first failure is kept)."""
        if self.error is None:
            self.error = f"{type(error).__name__}: {error}"


# --------------------------------------------------------------------- code


def verify_code(source: str, registry: SymbolRegistry, *, default_aliases: bool = True) -> VerificationReport:
    """Check one piece of Python source against the registry. Never raises: a failure
    of the checker itself is the report's ``error`` (and the report is not ``ok``).

    With ``default_aliases``, ``msm``/``puw``/``molsysmt``... used without an
    import are taken as the packages (snippets often skip the import).
    """
    report = VerificationReport()
    checker = _CodeChecker(registry, report, _default_aliases(registry) if default_aliases else {})
    try:
        if checker.check(_as_text(source), line_offset=0, col_offset=0, report_syntax=True):
            report.blocks_checked = 1
    except Exception as error:  # noqa: BLE001 - verification must never break the caller
        report.fail(error)
    return report


def _default_aliases(registry: SymbolRegistry) -> dict[str, str | None]:
    """:data:`DEFAULT_ALIASES` plus every project name of the registry."""
    aliases: dict[str, str | None] = {name: name for name in registry.projects}
    aliases.update(DEFAULT_ALIASES)
    return aliases


def _as_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return ""
    return value[:MAX_INPUT_CHARS]


_MAGIC_RE = re.compile(r"^(\s*)[%!]")
_HELP_RE = re.compile(r"^(\s*)([A-Za-z_][\w.]*)\s*\?{1,2}\s*$")


def _strip_ipython(source: str) -> str:
    """Blank out IPython-only lines, keeping line numbers.

    ``%magic`` and ``!shell`` lines become ``pass``; ``obj?`` becomes ``obj``;
    ``>>>``/``...`` prompts are removed (output lines are dropped).
    """
    lines = source.split("\n")
    first = next((line.lstrip() for line in lines if line.strip()), "")
    if first.startswith(">>>"):  # a doctest session (not a docstring holding one)
        kept = []
        in_prompt = False
        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith(">>>") or (in_prompt and stripped.startswith("...")):
                in_prompt = True
                kept.append(stripped[4:] if stripped[3:4] == " " else stripped[3:])
            else:
                in_prompt = False
                kept.append("")  # output line
        lines = kept
    out = []
    for line in lines:
        magic = _MAGIC_RE.match(line)
        if magic:
            out.append(magic.group(1) + "pass")
            continue
        helper = _HELP_RE.match(line)
        out.append(helper.group(1) + helper.group(2) if helper else line)
    return "\n".join(out)


class _CodeChecker(ast.NodeVisitor):
    """Walks Python ASTs with one alias table, so later blocks see earlier imports."""

    def __init__(self, registry: SymbolRegistry, report: VerificationReport, aliases: dict[str, str | None]):
        self.registry = registry
        self.report = report
        self.aliases: dict[str, str | None] = aliases
        self.instances: dict[str, str] = {}  # name -> the MolSysSuite class it was made from
        self.line_offset = 0
        self.col_offset = 0
        self.origin = "code"

    # -------------------------------------------------------------- entry

    def check(
        self,
        source: str,
        *,
        line_offset: int,
        col_offset: int,
        report_syntax: bool,
        origin: str = "code",
    ) -> bool:
        """Parse and check ``source``. Returns False when it does not parse."""
        self.line_offset, self.col_offset, self.origin = line_offset, col_offset, origin
        try:
            tree = ast.parse(textwrap.dedent(_strip_ipython(source)))
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as error:
            if report_syntax:
                line = getattr(error, "lineno", None) or 1
                col = max((getattr(error, "offset", None) or 1) - 1, 0)
                message = getattr(error, "msg", None) or str(error) or type(error).__name__
                if isinstance(error, RecursionError):
                    message = "code too deeply nested to parse"
                self.report.add_issue(
                    Issue(SYNTAX_ERROR, "", line + line_offset, col, f"Syntax error: {message}", origin=origin)
                )
            return False
        try:
            self.visit(tree)
        except (RecursionError, MemoryError) as error:
            self.report.fail(error)  # pathological nesting: keep what was found so far
        return True

    # ------------------------------------------------------------ helpers

    def _pos(self, node: ast.AST | _AttrPos) -> tuple[int, int]:
        line = getattr(node, "lineno", 1) or 1
        col = getattr(node, "col_offset", 0) or 0
        if line == 1:
            col += self.col_offset
        return line + self.line_offset, col

    def _issue(
        self,
        kind: str,
        name: str,
        node: ast.AST | _AttrPos,
        message: str,
        suggestions: list[str],
        kwarg: str | None = None,
    ) -> None:
        line, col = self._pos(node)
        self.report.add_issue(Issue(kind, name, line, col, message, suggestions, kwarg, self.origin))

    def _use(self, dotted: str) -> Symbol | None:
        symbol = self.registry.resolve(dotted)
        if symbol is not None:
            self.report.add_symbol(symbol.name)
        return symbol

    def _bind(self, name: str, target: str | None) -> None:
        self.aliases[name] = target

    def _unbind(self, name: str) -> None:
        self.instances.pop(name, None)
        if name in self.aliases:
            self.aliases[name] = _UNBOUND

    def _method(self, node: ast.expr) -> str | None:
        """``view.isolate`` -> ``molsysviewer.MolSysView.isolate`` when ``view`` was made
        from that class and the class has that member; None otherwise."""
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            return None
        cls = self.instances.get(node.value.id)
        return f"{cls}.{node.attr}" if cls and self.registry.resolve(f"{cls}.{node.attr}") is not None else None

    def _chain(self, node: ast.expr) -> tuple[str, list[ast.Attribute]] | None:
        """``msm.structure.get_rmsd`` -> (``molsysmt.structure.get_rmsd``, attribute nodes)."""
        attrs: list[ast.Attribute] = []
        while isinstance(node, ast.Attribute):
            attrs.append(node)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        target = self.aliases.get(node.id)
        if target is None:
            return None
        attrs.reverse()
        return ".".join([target] + [a.attr for a in attrs]), attrs

    def _check_path(self, dotted: str, nodes: list[ast.Attribute], store: bool = False) -> bool:
        """Check each component after the alias. True when the whole path is known."""
        parts = dotted.split(".")
        first = len(parts) - len(nodes)  # index of the first attribute component
        walk = self.registry.check_path(dotted, start=first)
        if walk.known:
            return True
        i = walk.unknown_at
        # a name assigned to (``msm.x = 1``) is made, not looked up
        if i is None or (store and i == len(parts) - 1) or self.report.full():
            return False
        prefix = ".".join(parts[: i + 1])
        shown = dotted if not any(p.startswith("_") for p in parts[i:]) else prefix
        self._issue(
            UNKNOWN_SYMBOL,
            shown,
            _AttrPos(nodes[i - first]),
            f"`{shown}` does not exist in {parts[0]}",
            self.registry.suggest(shown),
        )
        return False

    # ------------------------------------------------------------ imports

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            module = alias.name
            if alias.asname:
                bound, target = alias.asname, module
            else:
                bound = module.split(".", 1)[0]
                target = bound
            if not self.registry.is_project_name(module):
                self._unbind(bound)
                continue
            if not self.registry.is_known(module):
                self._issue(
                    UNKNOWN_SYMBOL, module, alias, f"module `{module}` does not exist", self.registry.suggest(module)
                )
                self._bind(bound, target if not alias.asname else _UNBOUND)
                continue
            self._use(module)
            self._bind(bound, self.registry.canonical_path(target))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        names = [a for a in node.names if a.name != "*"]
        if node.level or not self.registry.is_project_name(module):
            for alias in names:
                self._unbind(alias.asname or alias.name)
            return
        reg = self.registry
        if not reg.is_known(module):
            self._issue(UNKNOWN_SYMBOL, module, node, f"module `{module}` does not exist", reg.suggest(module))
            for alias in names:
                self._bind(alias.asname or alias.name, _UNBOUND)
            return
        for alias in names:
            dotted = f"{module}.{alias.name}"
            bound = alias.asname or alias.name
            if reg.is_known(dotted):
                self._use(dotted)
                self._bind(bound, _UNBOUND if reg.is_opaque(dotted) else reg.canonical_path(dotted))
            elif alias.name.startswith("_") or not reg.can_flag_below(module):
                self._bind(bound, _UNBOUND)
            else:
                self._issue(
                    UNKNOWN_SYMBOL,
                    dotted,
                    alias,
                    f"cannot import `{alias.name}` from `{module}`: it does not exist",
                    reg.suggest(dotted),
                )
                self._bind(bound, _UNBOUND)

    # -------------------------------------------------------- expressions

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._unbind(node.id)
            return
        target = self.aliases.get(node.id)
        if target is not None:
            self._use(target)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        method = self._method(node)
        if method is not None:
            self._use(method)
            return
        chain = self._chain(node)
        if chain is None:
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            self.visit(base)
            return
        dotted, nodes = chain
        store = isinstance(node.ctx, (ast.Store, ast.Del))
        if self._check_path(dotted, nodes, store=store):
            self._use(dotted)

    def visit_Call(self, node: ast.Call) -> None:
        self.visit(node.func)
        dotted = None
        if isinstance(node.func, ast.Name):
            dotted = self.aliases.get(node.func.id)
        elif isinstance(node.func, ast.Attribute):
            chain = self._chain(node.func)
            dotted = chain[0] if chain else self._method(node.func)
        symbol = self.registry.resolve(dotted) if dotted else None
        if dotted and symbol is not None and symbol.kind != "property":
            self._check_kwargs(dotted, symbol, node)
        for arg in node.args:
            self.visit(arg)
        for keyword in node.keywords:
            self.visit(keyword.value)

    def _check_kwargs(self, dotted: str, symbol: Symbol, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg is None or self.registry.accepts_kwarg(dotted, keyword.arg):
                continue
            if self.report.full():
                return
            suggestions = self.registry.suggest_kwarg(dotted, keyword.arg)
            hint = f"; did you mean `{suggestions[0]}`?" if suggestions else ""
            self._issue(
                UNKNOWN_KWARG,
                symbol.name,
                keyword,
                f"`{symbol.name}` has no parameter `{keyword.arg}`{hint}",
                suggestions,
                kwarg=keyword.arg,
            )

    # -------------------------------- bindings: visit values before targets

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call):
            made = self._chain(node.value.func) if isinstance(node.value.func, ast.Attribute) else None
            dotted = made[0] if made else (self.aliases.get(node.value.func.id)
                                             if isinstance(node.value.func, ast.Name) else None)
            symbol = self.registry.resolve(dotted) if dotted else None
            if symbol is not None and symbol.kind == "class":
                self.instances[node.targets[0].id] = symbol.name

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.visit(node.target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self.visit_For(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for condition in node.ifs:
            self.visit(condition)

    def visit_arg(self, node: ast.arg) -> None:
        self._unbind(node.arg)
        if node.annotation is not None:
            self.visit(node.annotation)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        for stmt in node.body:
            self.visit(stmt)
        self._unbind(node.name)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.visit_FunctionDef(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.generic_visit(node)
        self._unbind(node.name)


class _AttrPos:
    """Position of the attribute name itself (``align`` in ``msm.structure.align``)."""

    def __init__(self, node: ast.Attribute):
        end_line = getattr(node, "end_lineno", None)
        end_col = getattr(node, "end_col_offset", None)
        if end_line is not None and end_col is not None and end_col >= len(node.attr):
            self.lineno, self.col_offset = end_line, end_col - len(node.attr)
        else:
            self.lineno, self.col_offset = node.lineno, node.col_offset


# --------------------------------------------------------------------- text

_FENCE_OPEN_RE = re.compile(r"^([ \t]*)(`{3,}|~{3,})[ \t]*([^\n]*)$")
_INLINE_CODE_RE = re.compile(r"(`+)([^`\n]+?)\1")
_NAME_PART = r"[A-Za-z_][A-Za-z0-9_]*"
_NOT_AFTER = r"(?<![\w./@\-:])"  # not inside a path, URL, e-mail or longer name
_NOT_BEFORE = r"(?![\w/@\-]|\.\w)"


@functools.lru_cache(maxsize=64)
def _prose_name_re(heads: frozenset[str]) -> re.Pattern:
    """``head.name.name`` where head is a package name or alias."""
    ordered = sorted(heads, key=len, reverse=True)
    alternatives = "|".join(map(re.escape, ordered)) or "(?!)"
    return re.compile(_NOT_AFTER + "(" + alternatives + r")((?:\." + _NAME_PART + r")+)" + _NOT_BEFORE)

#: Last components that make ``molsysmt.yml`` a file, not an attribute.
_FILE_SUFFIXES = frozenset(
    {"py", "yml", "yaml", "toml", "cfg", "txt", "md", "rst", "ipynb", "json", "html", "git", "org", "io", "com",
     "readthedocs", "github", "pdb", "h5", "h5msm", "msmpk", "zip", "tar", "gz", "log", "in", "sh", "svg", "png"}
)
_SHELL_WORDS = frozenset({"conda", "mamba", "pip", "git", "cd", "ls", "export", "sudo", "apt", "apt-get", "jupyter",
                          "python", "make", "source", "mkdir", "wget", "curl", "echo", "cp", "mv", "rm"})


@dataclass
class _Block:
    start_line: int  # 1-based line of the first content line
    tag: str
    text: str


def verify_text(markdown: str, registry: SymbolRegistry) -> VerificationReport:
    """Check a markdown answer: fenced code blocks, inline code and prose names. Never raises
    (a failure of the checker itself is the report's ``error``, as in :func:`verify_code`).

    Blocks tagged python (``python``, ``py``, ``ipython3``, ``pycon``, MyST
    ``{code-cell}``...) are parsed and a syntax error is reported. Untagged
    blocks are checked only if they parse as Python; blocks tagged as another
    language (bash, yaml...) are skipped. Imports in earlier blocks apply to
    later blocks and to the prose.
    """
    report = VerificationReport()
    try:
        _verify_text(_as_text(markdown), registry, report)
    except Exception as error:  # noqa: BLE001 - verification must never break an answer
        report.fail(error)
    return report


def _verify_text(text: str, registry: SymbolRegistry, report: VerificationReport) -> None:
    lines = text.split("\n")
    blocks, prose_lines = _split_fences(lines)
    checker = _CodeChecker(registry, report, _default_aliases(registry))
    for block in blocks:
        tag = block.tag
        if tag in PYTHON_TAGS:
            report.blocks_checked += 1
            parsed = checker.check(block.text, line_offset=block.start_line - 1, col_offset=0, report_syntax=True)
            if not parsed:
                _check_prose(block.text, block.start_line, registry, report, checker, origin="code")
        elif not tag and _looks_like_python(block.text):
            if checker.check(block.text, line_offset=block.start_line - 1, col_offset=0, report_syntax=False):
                report.blocks_checked += 1
            else:  # output or pseudo-code: still look for dotted names
                _check_prose(block.text, block.start_line, registry, report, checker, origin="code")
    for line_no, line in prose_lines:
        _check_prose_line(line, line_no, registry, report, checker)


def _split_fences(lines: list[str]) -> tuple[list[_Block], list[tuple[int, str]]]:
    """Fenced blocks and the remaining (line number, text) prose lines."""
    blocks: list[_Block] = []
    prose: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN_RE.match(lines[i])
        if not match or (match.group(2)[0] == "`" and "`" in match.group(3)):
            prose.append((i + 1, lines[i]))
            i += 1
            continue
        indent, fence, info = match.groups()
        closing = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            body.append(lines[j])
            j += 1
        text = "\n".join(_strip_indent(line, len(indent.expandtabs())) for line in body)
        blocks.append(_Block(i + 2, _fence_tag(info), text))
        i = j + 1
    return blocks, prose


def _strip_indent(line: str, width: int) -> str:
    expanded = line.expandtabs()
    strip = min(width, len(expanded) - len(expanded.lstrip()))
    return expanded[strip:]


def _fence_tag(info: str) -> str:
    words = info.strip().lower().replace(",", " ").split()
    if not words:
        return ""
    tag = words[0].strip("{}.")
    if tag == "code-cell" or tag == "code":
        tag = words[1].strip("{}") if len(words) > 1 else "python"
        return "python" if tag in PYTHON_TAGS or tag.startswith("ipython") else tag
    if tag.startswith("{") or tag.startswith("python") or tag.startswith("ipython"):
        return "python"
    return tag


def _looks_like_python(text: str) -> bool:
    """Untagged block: not obviously shell or output."""
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        first = stripped.split()[0]
        return first.lstrip("$") not in _SHELL_WORDS and not stripped.startswith("$ ")
    return False


def _check_prose_line(line: str, line_no: int, registry: SymbolRegistry, report: VerificationReport,
                      checker: _CodeChecker) -> None:
    """Inline code spans (parsed as Python when they are) and bare dotted names."""
    covered: list[tuple[int, int]] = []
    for match in _INLINE_CODE_RE.finditer(line):
        code = match.group(2).strip()
        start = match.start(2) + (len(match.group(2)) - len(match.group(2).lstrip()))
        if _inline_is_code(code):  # plain dotted names go through the prose filters
            inline = _CodeChecker(registry, report, dict(checker.aliases))
            if inline.check(code, line_offset=line_no - 1, col_offset=start, report_syntax=False, origin="prose"):
                covered.append((match.start(), match.end()))
    masked = line
    for begin, end in covered:
        masked = masked[:begin] + " " * (end - begin) + masked[end:]
    _check_prose(masked, line_no, registry, report, checker, origin="prose")


_DOTTED_ONLY_RE = re.compile(r"^[\w.]*$")


def _inline_is_code(code: str) -> bool:
    """Inline spans worth parsing: calls, imports, assignments; not bare names."""
    return not _DOTTED_ONLY_RE.match(code) and ("(" in code or "import " in code or "=" in code)


def _check_prose(text: str, first_line: int, registry: SymbolRegistry, report: VerificationReport,
                 checker: _CodeChecker, origin: str) -> None:
    """Find ``msm.x.y``-style names in free text (no parsing).

    Heads are the package names, :data:`DEFAULT_ALIASES`, and aliases of whole
    packages bound in earlier code (``import molsysmt as mm``); an alias bound
    to a submodule (``from molsysmt import structure``) would make ordinary
    words like "structure.x" suspects, so it does not count.
    """
    projects = set(registry.projects)
    heads = frozenset(
        k for k, v in checker.aliases.items()
        if v in projects and k.isidentifier() and (len(k) >= 2 or k in DEFAULT_ALIASES)
    )
    pattern = _prose_name_re(heads)
    for offset, line in enumerate(text.split("\n")):
        for match in pattern.finditer(line):
            head, tail = match.group(1), match.group(2)
            target = checker.aliases.get(head)
            components = tail.strip(".").split(".")
            if len(components) >= MAX_DEPTH:
                continue
            if components[-1].lower() in _FILE_SUFFIXES and len(components) == 1:
                continue
            if any(c.lower() in ("readthedocs", "github") for c in components):
                continue
            written = head + tail
            if written in registry.form_names or f"{target}{tail}" in registry.form_names:
                continue
            _check_prose_name(f"{target}{tail}", first_line + offset, match.start(), registry, report, origin)


def _check_prose_name(dotted: str, line: int, col: int, registry: SymbolRegistry, report: VerificationReport,
                      origin: str) -> None:
    walk = registry.check_path(dotted)
    if walk.known:
        symbol = registry.resolve(dotted)
        if symbol is not None:
            report.add_symbol(symbol.name)
    elif walk.unknown_at is not None and not report.full():
        report.add_issue(
            Issue(UNKNOWN_SYMBOL, dotted, line, col, f"`{dotted}` does not exist in {dotted.split('.', 1)[0]}",
                  registry.suggest(dotted), origin=origin)
        )



#: Public name for other modules (the assistant edits fenced blocks it finds this way).
split_fences = _split_fences
