"""The execution policy: what generated code may not do silently.

``check_policy(source, user_names, workdir)`` parses the code with :mod:`ast` and
lists every operation that needs the user's explicit consent — even under
``--yes`` — with the line it is on:

- ``shell``: ``os.system``, ``subprocess.*``, ``os.exec*``/``spawn*``, ``!cmd``;
- ``install``: ``pip``/``conda`` (``%pip``, ``!pip``, ``subprocess`` calls);
- ``delete``: ``os.remove``/``unlink``/``rmdir``, ``shutil.rmtree``/``move``, ``Path.unlink``/``rmdir``;
- ``network``: importing or calling ``urllib``, ``requests``, ``httpx``, ``socket``, ``http.client``, …;
- ``dynamic``: ``exec``/``eval``/``compile`` of strings, ``__import__``, ``importlib.import_module``;
- ``write_outside``: opening a file for writing (or saving) at a path outside the working folder;
- ``overwrite_variable``: assigning to a name the user already has (user variables are never
  silently replaced).
Code that does not parse is reported as ``syntax`` (it is not run).
"""

from __future__ import annotations

import ast
import re
from dataclasses import asdict, dataclass
from pathlib import Path

SHELL_CALLS = {"os.system", "os.popen", "os.execv", "os.execve", "os.execl", "os.execlp", "os.execvp",
               "os.spawnl", "os.spawnv", "os.posix_spawn", "pty.spawn", "commands.getoutput"}
DELETE_CALLS = {"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree", "shutil.move",
                "os.rename", "os.replace"}
DELETE_METHODS = {"unlink", "rmdir", "rmtree"}
NETWORK_MODULES = {"urllib", "urllib3", "requests", "httpx", "socket", "http", "ftplib", "smtplib",
                   "telnetlib", "paramiko", "aiohttp", "websocket", "websockets"}
DYNAMIC_CALLS = {"exec", "eval", "compile", "__import__", "importlib.import_module"}
WRITE_MODES = re.compile(r"[wax+]")
SAVE_METHODS = {"save", "save_pdb", "save_dcd", "save_xtc", "save_h5", "save_netcdf", "to_csv", "savefig",
                "savetxt", "write", "to_json"}
_SHELL_ESCAPE = re.compile(r"^\s*(!|%(system|sx|sh|bash|pip|conda)\b)")
_INSTALL = re.compile(r"\b(pip|conda|mamba)\b\W+install\b")


@dataclass
class Finding:
    kind: str
    line: int
    detail: str

    def to_dict(self) -> dict:
        return asdict(self)


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _outside(path_text: str, workdir: Path) -> bool:
    path = Path(path_text).expanduser()
    full = (path if path.is_absolute() else workdir / path).resolve()
    return not full.is_relative_to(workdir.resolve())


class _Checker(ast.NodeVisitor):
    def __init__(self, user_names: set[str], workdir: Path):
        self.user_names = user_names
        self.workdir = workdir
        self.findings: list[Finding] = []
        self.aliases: dict[str, str] = {}  # local name → module it stands for

    def add(self, kind: str, node: ast.AST, detail: str) -> None:
        self.findings.append(Finding(kind, getattr(node, "lineno", 0), detail))

    def _full(self, name: str) -> str:
        head, _, rest = name.partition(".")
        base = self.aliases.get(head, head)
        return f"{base}.{rest}" if rest else base

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
            self._module(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._module(module, node)
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"

    def _module(self, module: str, node: ast.AST) -> None:
        if module.split(".")[0] in NETWORK_MODULES:
            self.add("network", node, f"imports {module}")

    def visit_Call(self, node: ast.Call) -> None:
        name = self._full(_dotted(node.func))
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if name in SHELL_CALLS or name.startswith("subprocess."):
            text = ast.unparse(node)
            self.add("install" if _INSTALL.search(text) else "shell", node, text[:120])
        elif method in ("system", "getoutput") and "get_ipython" in ast.unparse(node.func):
            self.add("shell", node, ast.unparse(node)[:120])
        elif name in DELETE_CALLS or method in DELETE_METHODS:
            self.add("delete", node, ast.unparse(node)[:120])
        elif name in DYNAMIC_CALLS:
            self.add("dynamic", node, ast.unparse(node)[:120])
        elif name.split(".")[0] in NETWORK_MODULES:
            self.add("network", node, ast.unparse(node)[:120])
        elif name == "open" or method in SAVE_METHODS:
            self._write(node, name, method)
        self.generic_visit(node)

    def _write(self, node: ast.Call, name: str, method: str) -> None:
        args = list(node.args)
        target = args[0] if args else next((k.value for k in node.keywords if k.arg in ("file", "filename", "fname", "path")), None)
        if name == "open":
            mode = args[1] if len(args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
            if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str) and WRITE_MODES.search(mode.value)):
                return
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            if _outside(target.value, self.workdir):
                self.add("write_outside", node, f"writes {target.value}")
        elif target is not None and not isinstance(target, ast.Constant):
            self.add("write_outside", node, f"writes to a computed path: {ast.unparse(target)[:80]}")

    def _assigned(self, target: ast.AST) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in self.user_names:
                self.add("overwrite_variable", node, f"replaces your variable '{node.id}'")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assigned(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assigned(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assigned(node.target)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self._assigned(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id in self.user_names:
                self.add("overwrite_variable", target, f"deletes your variable '{target.id}'")
        self.generic_visit(node)


def check_policy(source: str, user_names: set[str] | None = None, workdir: str | Path = ".") -> list[Finding]:
    """Everything in ``source`` that needs explicit consent (an empty list: safe to run)."""
    findings: list[Finding] = []
    python_lines = []
    for number, line in enumerate(source.splitlines(), 1):
        if _SHELL_ESCAPE.match(line):  # IPython shell escapes and %pip / %conda
            kind = "install" if _INSTALL.search(line) or re.match(r"^\s*%(pip|conda)\b", line) else "shell"
            findings.append(Finding(kind, number, line.strip()[:120]))
            python_lines.append("")
        else:
            python_lines.append(line)
    try:
        tree = ast.parse("\n".join(python_lines))
    except SyntaxError as exc:
        return findings + [Finding("syntax", exc.lineno or 0, f"does not parse: {exc.msg}")]
    checker = _Checker(set(user_names or ()), Path(workdir))
    checker.visit(tree)
    return findings + checker.findings
