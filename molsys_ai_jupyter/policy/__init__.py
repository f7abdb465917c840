"""The execution policy, default-deny: which code may run in the user's kernel without asking.

THE RULE. Code runs without the user's explicit consent only if every construct in it
is known to be safe:

- it imports only the analysis libraries of ``SAFE_MODULES`` (and no submodule or
  member named in ``DENIED_NAMES``);
- every name it reads is bound by the code itself, is one of the ``SAFE_BUILTINS``,
  or is one of the user's variables (read only: no method call, no item or attribute
  assignment, no rebinding, no deletion, not through another name either);
- no attribute it touches is private or dunder (``_x``, ``__x__``) or named in
  ``DENIED_NAMES`` (``os``, ``system``, ``eval``, ``read_pickle``, …), and it does
  not change a library's attributes;
- every file it names is a string literal that resolves inside the working folder;
  ``open`` has a literal mode; a writer (``is_writer``: ``save*``, ``write_*``,
  ``to_*``, ``dump*``, ``tofile``, ``*Reporter``, …) writes only a literal path inside the
  folder that does not exist yet; no string is a URL;
- it uses none of the statements of ``DENIED_STATEMENTS`` (``global``, ``class``,
  ``async``, decorators …).

Everything else is a :class:`Finding`: a kind, a line and the reason in plain words.
The source is first transformed the way IPython will transform it (``!cmd``, ``%magic``,
``%%cell`` magics, and, for a one-line cell, automagic and aliases such as ``rm -f x``
or ``reset -f``), so whatever would run as a magic or a shell command is judged as one.
Code that does not parse is a ``syntax`` finding (it is not run).

The data (the lists named above) is in :mod:`.rules`; the facts about the code the
checker needs (what it binds, which names alias the user's values) in :mod:`.code_facts`.
"""

from __future__ import annotations

import ast
import builtins
import fnmatch
import os
import re
import sys
import tokenize
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

# the data the checker reads
from .code_facts import (
    aliases_of,
    bound_names,
    call_name,
    handle_names,
    is_writer,
    literal,
    mentions,
    root_of,
    string_names,
)
from .rules import (
    BUILTIN_TYPES,
    DENIED_NAMES,
    DENIED_PARTS,
    DENIED_STATEMENTS,
    FILE_MODE,
    FORM_NAME,
    GLOBAL_SETTERS,
    IN_PLACE,
    INSTALL,
    IPYTHON_NAMES,
    KIND_LABELS,
    KIND_NOUNS,
    NAMED_DANGERS,
    NETWORK_KEYWORDS,
    NETWORK_PARTS,
    PATH_KEYWORDS,
    PURE_METHODS,
    READ_MODE,
    READERS,
    SAFE_BUILTINS,
    SAFE_MODULES,
    SAFE_OWN_MODULES,
    URL,
)

__all__ = ["Finding", "KIND_LABELS", "KIND_NOUNS", "check_policy", "describe", "explain", "ipython_source"]


@dataclass
class Finding:
    kind: str  # a key of KIND_LABELS
    line: int
    detail: str  # the reason, in plain words

    def to_dict(self) -> dict:
        """``{"kind", "line", "detail", "explanation"}``: the explanation is the one plain line
        every front end shows (:func:`describe`)."""
        return {**asdict(self), "explanation": describe(self)}


# --- IPython's view of the source ------------------------------------------------------------


def ipython_source(source: str, shell=None) -> str:
    """``source`` as IPython will run it: escapes and magics become ``get_ipython()`` calls;
    a one-line cell whose first word is a magic or an alias is one (automagic)."""
    if shell is not None and hasattr(shell, "transform_cell"):
        return shell.transform_cell(source)
    from IPython.core.inputtransformer2 import TransformerManager
    from IPython.core.splitinput import split_user_input

    cell = TransformerManager().transform_cell(source)
    lines = [line for line in cell.splitlines() if line.strip()]
    if len(lines) == 1:  # IPython's own split of the line: `ls;x`, `reset_selective\t-f` are magics
        _, escape, word, rest = split_user_input(lines[0])
        if not escape and word.split(".")[0] in _automagic_names() and not rest.lstrip().startswith(("=", ",")):
            cell = f"get_ipython().run_line_magic({word!r}, {rest.strip()!r})\n"
    return cell


_AUTOMAGIC: frozenset[str] | None = None


def _automagic_names() -> frozenset[str]:
    """IPython's default line magics and shell aliases: what a one-line cell can invoke bare."""
    global _AUTOMAGIC
    if _AUTOMAGIC is None:
        from IPython.core import magics
        from IPython.core.alias import default_aliases

        classes = [getattr(magics, name) for name in dir(magics) if name.endswith("Magics")]
        names = {name for cls in classes for name in (getattr(cls, "magics", None) or {}).get("line", {})}
        _AUTOMAGIC = frozenset(names | {alias for alias, _ in default_aliases()})
    return _AUTOMAGIC



# --- the checker -----------------------------------------------------------------------------


class _Checker(ast.NodeVisitor):
    def __init__(self, user_names: set[str], workdir: Path, tree: ast.AST, user_values: Mapping | None = None):
        self.workdir = workdir.resolve()
        self.user_values = user_values or {}
        self.bound = bound_names(tree)
        self.strings = string_names(tree)
        self.handles = handle_names(tree)
        self.user_names = set(user_names)
        # names bound to values that mention the user's values, or to a library itself
        self.aliases_of_user = aliases_of(tree, self.user_names - self.bound)
        # every name that holds (or may hold) a value of the user's -> that user's variable
        self.holders = {**{user: user for user in self.user_names - self.bound}, **self.aliases_of_user}
        imported = {(a.asname or a.name.split(".")[0]) for n in ast.walk(tree)
                    if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        self.library_aliases = aliases_of(tree, imported, plain=True)
        self.imported: set[str] = set()  # local names that stand for a module or a library's member
        self.aliases: dict[str, str] = {}  # local name -> the dotted name it was imported as
        self.findings: list[Finding] = []

    def add(self, kind: str, node: ast.AST, detail: str) -> None:
        finding = Finding(kind, getattr(node, "lineno", 0), detail)
        if finding not in self.findings:
            self.findings.append(finding)

    # statements

    def generic_visit(self, node: ast.AST) -> None:
        reason = DENIED_STATEMENTS.get(type(node))
        if reason:
            self.add("statement", node, f"{reason} ({ast.unparse(node).splitlines()[0][:60]})")
        super().generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(alias.name, node)
            self.imported.add(alias.asname or alias.name.split(".")[0])
            self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                alias.name.split(".")[0]
            name = alias.asname or alias.name.split(".")[0]
            if not self._holds_already(name, alias.name if alias.asname else name):
                self._binds(name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            self._module(f"{module}.{alias.name}", node)
            self.imported.add(alias.asname or alias.name)
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
            if not self._holds_already(alias.asname or alias.name, module, alias.name):
                self._binds(alias.asname or alias.name, node)

    def _holds_already(self, name: str, module: str, member: str | None = None) -> bool:
        """The user's ``name`` is already what the import would bind (``import mdtraj as md`` where
        ``md`` is mdtraj): nothing is replaced. Only modules already imported are looked at."""
        if name not in self.user_values or module not in sys.modules:
            return False
        found = sys.modules[module] if member is None else getattr(sys.modules[module], member, None)
        return found is not None and found is self.user_values[name]

    def _module(self, dotted: str, node: ast.AST) -> None:
        parts = dotted.split(".")
        if any(dotted == own or dotted.startswith(own + ".") for own in SAFE_OWN_MODULES) and \
                not any(p.startswith("_") for p in parts):
            return  # molsys_ai_jupyter.h5msm.load_h5msm: a reader of this package, nothing else of it
        if parts[0] not in SAFE_MODULES:
            kind = "network" if parts[0] in {"urllib", "urllib3", "requests", "http", "httpx", "socket"} else "module"
            self.add(kind, node, f"imports {dotted.lstrip('.')}, which is not one of the analysis libraries")
        elif bad := [p for p in parts[1:] if p in DENIED_NAMES or p.startswith("_") or p == "*"]:
            self.add("module", node, f"imports {dotted} (its part '{bad[0]}' is not safe)")

    def _binds(self, name: str, node: ast.AST, verb: str = "replaces") -> None:
        if name in self.user_names:
            self.add("overwrite_variable", node, f"{verb} your variable '{name}'")

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self._binds(node.id, node)
        elif isinstance(node.ctx, ast.Del):
            self._binds(node.id, node, "deletes")
        elif node.id not in self.bound and node.id not in self.user_names:
            if node.id == "get_ipython":
                self.add("ipython", node, "uses get_ipython() (IPython's shell)")
            elif node.id in {"exec", "eval", "compile", "__import__", "execfile"}:
                self.add("dynamic", node, f"uses {node.id}(), which runs code built at run time")
            elif node.id in {"getattr", "setattr", "delattr", "vars", "globals", "locals", "dir", "type",
                             "__builtins__", "__builtin__", "super", "object", "memoryview", "id"}:
                self.add("introspection", node, f"uses {node.id}, which can reach anything")
            elif node.id not in SAFE_BUILTINS:
                self.add("unknown", node, f"uses '{node.id}', which is not defined here nor known to be safe")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.add("introspection", node, f"touches the private or dunder attribute '{node.attr}'")
        elif node.attr in DENIED_NAMES or DENIED_PARTS.search(node.attr):
            self.add("module", node, f"reaches '{node.attr}' ({ast.unparse(node)[:60]}), which is not safe")
        elif NETWORK_PARTS.search(node.attr):
            self.add("network", node, f"reaches '{node.attr}', which downloads")
        self._stored(node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self._stored(node)
        self.generic_visit(node)

    def _stored(self, node: ast.Attribute | ast.Subscript) -> None:
        """An item or attribute assigned or deleted: not on the user's values, nor on a library."""
        root, _ = root_of(node)
        if isinstance(node.ctx, ast.Load):
            return
        if user := self._users_value(node.value):
            self.add("overwrite_variable", node, f"changes your variable '{user}'")
        elif isinstance(root, ast.Name) and root.id in self.library_aliases:
            self.add("introspection", node, f"changes the library {ast.unparse(node)[:60]}")

    def _users_value(self, node: ast.AST) -> str | None:
        """The user's variable that ``node`` holds or may hold (through an alias), if any."""
        name = mentions(node, self.holders)
        return self.holders[name] if name else None

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.decorator_list:
            self.add("statement", node, f"decorates the function {node.name}")
        self._binds(node.name, node)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._binds(node.name, node)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        # a comprehension's own variables live in its scope: they replace nothing of the user's
        for child in [node.iter, *node.ifs]:
            self.visit(child)
        for name in ast.walk(node.target):
            if not isinstance(name, ast.Name):
                self.visit(name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler | ast.MatchAs | ast.MatchStar) -> None:
        """``except … as x``, ``case [x, *rest]``: each binds its name."""
        if node.name:
            self._binds(node.name, node)
        self.generic_visit(node)

    visit_MatchAs = visit_MatchStar = visit_ExceptHandler

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and URL.match(node.value):
            self.add("network", node, f"names the URL {node.value[:80]}")
        elif isinstance(node.value, str) and re.search(r"__\w", node.value):
            self.add("introspection", node, f"names a dunder in a string ({node.value[:60]!r})")

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name) and node.target.id in self.aliases_of_user \
                and node.target.id not in self.user_names:  # x = traj; x += [7] changes traj in place
            self.add("overwrite_variable", node, f"changes '{node.target.id}' in place, which holds your variable "
                                                 f"'{self.aliases_of_user[node.target.id]}'")
        self.generic_visit(node)

    # calls

    def visit_Call(self, node: ast.Call) -> None:
        name = call_name(node)
        root, _ = root_of(node.func)
        self._named_danger(node)
        method = isinstance(node.func, ast.Attribute) and name not in PURE_METHODS and not is_writer(name)
        if method and (user := self._users_value(node.func.value)):
            self.add("overwrite_variable", node, f"calls {ast.unparse(node.func)[:60]}(), which may change "
                                                 f"your variable '{user}'")
        elif isinstance(node.func, ast.Name) and node.func.id in self.aliases_of_user \
                and node.func.id not in self.user_names:  # pick = traj.append; pick(4)
            self.add("overwrite_variable", node, f"calls {node.func.id}(), which holds part of your variable "
                                                 f"'{self.aliases_of_user[node.func.id]}'")
        if method and isinstance(root, ast.Name) and root.id in BUILTIN_TYPES and root.id not in self.bound:
            self.add("overwrite_variable" if self._users_value(node) else "introspection", node,
                     f"calls {ast.unparse(node.func)[:60]}() on what it is given")
        if name in IN_PLACE and (user := next(filter(None, map(self._users_value, node.args)), None)):
            self.add("overwrite_variable", node, f"{name}() changes your variable '{user}' in place")
        if name in GLOBAL_SETTERS:
            self.add("global_state", node, f"calls {ast.unparse(node.func)[:60]}()")
        if name.startswith("load") and len(node.args) > 1:  # numpy.load(path, mmap_mode, allow_pickle)
            self.add("dynamic", node, f"passes options by position to {name}() (allow_pickle?): name them")
        for keyword in node.keywords:
            if keyword.arg in NETWORK_KEYWORDS:
                self.add("network", node, f"downloads ({keyword.arg}=…)")
            if keyword.arg == "allow_pickle" and not (isinstance(keyword.value, ast.Constant)
                                                      and keyword.value.value is False):
                self.add("dynamic", node, "loads pickled data (allow_pickle), which can run code")
            if keyword.arg is None:
                self.add("path", node, f"passes computed keywords (**{ast.unparse(keyword.value)[:40]})")
        mode = next((k.value for k in node.keywords if k.arg == "mode"), None)
        if mode is None and name.endswith("File") and len(node.args) > 1:  # mdtraj's XYZTrajectoryFile(p, 'w')
            mode = node.args[1]
        if any(k.arg in ("force_overwrite", "overwrite") for k in node.keywords):
            self.add("overwrite_file", node, f"may overwrite a file ({ast.unparse(node)[:60]})")
        if name == "open" and isinstance(node.func, ast.Name):
            self._open(node)
        elif name == "convert":  # molsysmt: reads a file named first, writes to_form when that is a file
            if node.args and literal(node.args[0]) is not None:
                self._files(node, write=False, keywords=())
            self._files(node, write=True, keywords=("to_form",), positional=False)
        elif is_writer(name):
            self._files(node, write=True)
        elif mode is not None and (literal(mode) is None or FILE_MODE.match(literal(mode))):
            # mdtraj's XTrajectoryFile(path, mode='w'), numpy.memmap(path, mode='w+')
            if literal(mode) is None:
                self.add("path", node, f"passes a computed mode ({ast.unparse(mode)[:40]})")
            self._files(node, write=literal(mode) is None or not READ_MODE.match(literal(mode)))
        elif READERS.match(name):  # a reader given a write mode by position (numpy.memmap(p, 'uint8', 'r+'))
            self._files(node, write=self._write_mode_given(node))
        else:  # any other call given a file name: inside the folder, and written only as a new file
            writes = self._write_mode_given(node)
            for text in filter(None, map(literal, node.args[:1])):
                if "/" in text or re.search(r"\.\w{1,6}$", text) or (self.workdir / text).exists():
                    self._path(node, text, writes)
        self.generic_visit(node)

    @staticmethod
    def _write_mode_given(node: ast.Call) -> bool:
        """A literal file mode that writes ('w', 'a', 'r+', …) among the call's other arguments."""
        texts = map(literal, [*node.args[1:], *(k.value for k in node.keywords)])
        return any(FILE_MODE.match(text) and not READ_MODE.match(text) for text in texts if text)

    def _named_danger(self, node: ast.Call) -> None:
        parts = []
        func = node.func
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        head = self.aliases.get(func.id, func.id) if isinstance(func, ast.Name) else "*"
        dotted = ".".join([head, *reversed(parts)])
        for pattern, kind in NAMED_DANGERS.items():
            if fnmatch.fnmatchcase(dotted, pattern) or (pattern.startswith("*.") and parts
                                                        and fnmatch.fnmatchcase("*." + parts[0], pattern)):
                if kind == "shell" and INSTALL.search(ast.unparse(node)):
                    kind = "install"
                self.add(kind, node, f"calls {dotted.lstrip('*.')}()")
                return

    def _open(self, node: ast.Call) -> None:
        mode_node = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "mode"), ast.Constant("r"))
        mode = literal(mode_node)
        if mode is None:
            self.add("path", node, f"opens a file with a computed mode ({ast.unparse(mode_node)[:40]})")
        self._files(node, write=mode is None or not READ_MODE.match(mode))

    def _files(self, node: ast.Call, write: bool, keywords: tuple = PATH_KEYWORDS, positional: bool = True) -> None:
        name = call_name(node)
        targets = [node.args[0]] if node.args and positional else []
        if name == "writeFile":  # openmm's PDBFile.writeFile(topology, positions, file)
            targets = node.args[2:3]
        elif name.startswith("dump"):  # json.dump(obj, handle); ndarray.dump(path)
            targets = node.args[1:2] if len(node.args) > 1 else node.args[:1]
        targets += [k.value for k in node.keywords if k.arg in keywords]
        known = [ast.Constant(text) for target in targets if isinstance(target, ast.Name)
                 for text in self.strings.get(target.id, ())]
        targets = [t for t in targets if not (isinstance(t, ast.Name) and t.id in self.strings)] + known
        for target in targets:
            text = literal(target)
            if text is None:
                if isinstance(target, ast.Name) and target.id in self.handles:
                    continue  # a handle open() gave: checked where it was opened
                if isinstance(target, ast.Call) and call_name(target) == "open":
                    continue
                self.add("path", node, f"{'writes to' if write else 'reads'} a computed path: "
                                       f"{ast.unparse(target)[:80]}")
                continue
            if URL.match(text) or (FORM_NAME.match(text) and not write):
                continue  # a URL is its own finding; a form name ('mdtraj.Trajectory', 'pdb') is not a file
            self._path(node, text, write)

    def _path(self, node: ast.Call, text: str, write: bool) -> None:
        try:
            path = self.workdir / Path(text).expanduser()  # an absolute path stays itself
            # a write follows symbolic links to where it lands; a read may use the user's own links
            full = path.resolve() if write else Path(os.path.normpath(path))
            exists = full.exists()
        except (RuntimeError, OSError, ValueError) as exc:  # ~nosuchuser, a name too long, a NUL byte
            self.add("path", node, f"names a path that cannot be resolved ({text[:40]!r}: {exc})")
            return
        if not full.is_relative_to(self.workdir):
            self.add("write_outside" if write else "read_outside", node,
                     f"{'writes' if write else 'reads'} {text}, outside the working folder")
        elif write and exists:
            self.add("overwrite_file", node, f"overwrites the existing file {full.relative_to(self.workdir)}")


def _ipython_findings(tree: ast.AST) -> list[Finding]:
    """Plain reasons for the get_ipython() calls IPython's transformation made."""
    findings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root, _ = root_of(node.func)
            if not (isinstance(root, ast.Name) and root.id == "get_ipython"):
                continue
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            method, line = node.func.attr, node.lineno
            if method in ("system", "getoutput"):
                text = " ".join(map(str, args))
                kind = "install" if INSTALL.search(text) else "shell"
                findings.append(Finding(kind, line, f"runs the shell command: {text[:100]}"))
            elif method == "run_line_magic" and args:
                kind = "install" if args[0] in ("pip", "conda", "mamba") else "ipython"
                findings.append(Finding(kind, line, f"runs the IPython magic %{' '.join(map(str, args))[:100]}"))
            elif method == "run_cell_magic" and args:
                kind = "shell" if args[0] in ("bash", "sh", "script", "system", "sx", "perl", "ruby") else "ipython"
                findings.append(Finding(kind, line, f"runs the cell magic %%{args[0]}"))
    return findings


def check_policy(source: str, user_names: set[str] | Mapping | None = None, workdir: str | Path = ".",
                 shell=None) -> list[Finding]:
    """Everything in ``source`` that needs explicit consent (an empty list: it may run).
    ``user_names``: the user's variables (their names, or a mapping of names to values: then an
    import that binds a name to the very module it holds replaces nothing); ``shell``: the
    IPython shell that will run the code, whose own transformation is then used."""
    try:
        tree = ast.parse(ipython_source(source, shell))
    except SyntaxError as exc:
        return [Finding("syntax", exc.lineno or 0, f"does not parse: {exc.msg}")]
    except (ValueError, IndexError, tokenize.TokenError, RecursionError) as exc:  # odd or absurdly nested input
        return [Finding("syntax", 0, f"IPython cannot read it: {type(exc).__name__}: {exc}")]
    except MemoryError:  # the parser's own stack overflowed (e.g. 100,000 unary minus signs): not checkable
        return [Finding("syntax", 0, "is too complex for Python's parser to be checked")]
    users = {name for name in user_names or () if not name.startswith("_")} - set(dir(builtins)) - IPYTHON_NAMES
    try:
        values = user_names if isinstance(user_names, Mapping) else None
        checker = _Checker(users, Path(workdir), tree, values)
        checker.visit(tree)
    except RecursionError:
        return [Finding("syntax", 0, "is nested too deeply to be checked")]
    magics = _ipython_findings(tree)
    said = {f.line for f in magics}  # a magic's get_ipython() chain needs no second reason
    return magics + [f for f in checker.findings if not (f.line in said and f.kind in ("ipython", "module"))]


def describe(finding: Finding | dict) -> str:
    """A finding in one plain line: "line 2: runs a shell command — calls os.system()"."""
    item = finding if isinstance(finding, dict) else asdict(finding)
    return f"line {item['line']}: {KIND_LABELS.get(item['kind'], item['kind'])} — {item['detail']}"


def explain(findings: list[Finding] | list[dict]) -> list[str]:
    """One plain line per finding (see :func:`describe`)."""
    return [describe(finding) for finding in findings]
