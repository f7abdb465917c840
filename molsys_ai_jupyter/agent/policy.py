"""The execution policy, default-deny: which code may run in the user's kernel without asking.

THE RULE. Code runs without the user's explicit consent only if every construct in it
is known to be safe:

- it imports only the analysis libraries of :data:`SAFE_MODULES` (and no submodule or
  member named in :data:`DENIED_NAMES`);
- every name it reads is bound by the code itself, is one of the :data:`SAFE_BUILTINS`,
  or is one of the user's variables (read only: no method call, no item or attribute
  assignment, no rebinding, no deletion);
- no attribute it touches is private or dunder (``_x``, ``__x__``) or named in
  :data:`DENIED_NAMES` (``os``, ``system``, ``eval``, ``read_pickle``, …), and it does
  not change a library's attributes;
- every file it names is a string literal that resolves inside the working folder;
  ``open`` has a literal mode; a writer (:func:`_is_writer`: ``save*``, ``write*``,
  ``to_*``, ``dump*``, ``tofile``, ``*Reporter``, …) writes only a literal path inside the
  folder that does not exist yet; no string is a URL;
- it uses none of the statements of :data:`DENIED_STATEMENTS` (``global``, ``class``,
  ``async``, decorators …).

Everything else is a :class:`Finding`: a kind, a line and the reason in plain words.
The source is first transformed the way IPython will transform it (``!cmd``, ``%magic``,
``%%cell`` magics, and, for a one-line cell, automagic and aliases such as ``rm -f x``
or ``reset -f``), so whatever would run as a magic or a shell command is judged as one.
Code that does not parse is a ``syntax`` finding (it is not run).
"""

from __future__ import annotations

import ast
import builtins
import fnmatch
import os
import tokenize
import re
from dataclasses import asdict, dataclass
from pathlib import Path

# --- the data -------------------------------------------------------------------------

SAFE_MODULES = frozenset({
    "mdtraj", "numpy", "scipy", "pandas", "molsysmt", "pyunitwizard", "molsysviewer", "topomt",
    "openmm", "simtk", "pdbfixer", "nglview", "matplotlib", "math", "cmath", "statistics", "itertools",
    "collections", "re", "json", "string", "textwrap", "random", "decimal", "fractions", "datetime",
    "dataclasses", "typing", "copy", "pprint", "warnings", "time",
})
SAFE_BUILTINS = frozenset({
    "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float", "format", "frozenset",
    "int", "isinstance", "len", "list", "map", "max", "min", "pow", "print", "range", "repr", "reversed",
    "round", "set", "slice", "sorted", "str", "sum", "tuple", "zip", "complex", "hex", "oct", "bin", "chr",
    "ord", "True", "False", "None", "Exception", "ValueError", "KeyError", "IndexError", "TypeError",
    "ZeroDivisionError", "RuntimeError", "ArithmeticError", "LookupError", "AssertionError", "StopIteration",
    "NotImplementedError", "OSError", "IOError", "FileNotFoundError", "UnicodeDecodeError", "AttributeError",
    "NameError", "OverflowError", "Warning", "UserWarning", "RuntimeWarning",
    "open",  # open: checked as a file access below
})
# modules and members that are never safe, wherever they appear in an import or attribute chain
# (an analysis library's own module may expose `os` as an attribute: mdtraj.core.trajectory.os)
DENIED_NAMES = frozenset({
    "os", "sys", "subprocess", "shutil", "socket", "ctypes", "ctypeslib", "pickle", "cPickle", "dill",
    "marshal", "shelve", "importlib", "runpy", "builtins", "asyncio", "io", "pathlib", "tempfile", "glob",
    "signal", "threading", "multiprocessing", "concurrent", "atexit", "pty", "platform", "urllib", "urllib3",
    "requests", "http", "httpx", "ftplib", "smtplib", "telnetlib", "webbrowser", "codeop", "inspect",
    "gc", "weakref", "types", "f2py", "distutils", "setuptools", "site", "sysconfig", "zipimport", "joblib",
    "system", "popen", "spawn", "exec", "eval", "execfile", "query", "read_pickle", "to_pickle",
    "load_library", "loadPluginsFromDirectory", "loadPluginLibrary", "enter_temp_directory", "chdir", "utils",
    "DataSource", "urlopen", "urlretrieve", "show_pdbid", "show_url", "download", "fetch", "get_ipython",
    "run_cell", "run_line_magic", "run_cell_magic", "getoutput", "environ", "putenv", "setattr", "delattr",
    "testing", "lib",
})
DENIED_STATEMENTS = {
    ast.Global: "declares a global", ast.Nonlocal: "declares a nonlocal", ast.ClassDef: "defines a class",
    ast.AsyncFunctionDef: "defines an async function", ast.AsyncFor: "runs an async loop",
    ast.AsyncWith: "uses an async context", ast.Await: "awaits", ast.Yield: "yields", ast.YieldFrom: "yields",
}
# calls that read a file named by their first argument (or a keyword below)
READERS = re.compile(r"^(load(?!s$)\w*|read\w*|open|genfromtxt|fromfile|loadtxt|convert|PDBFile|PDBxFile|PDBFixer|"
                     r"ForceField|GromacsGroFile|GromacsTopFile|AmberPrmtopFile|AmberInpcrdFile|CharmmPsfFile|"
                     r"show_file|show_structure_file|iterload|memmap)$")
# methods that only read the object they are called on (others, on the user's variables, need consent)
PURE_METHODS = frozenset({
    "select", "atom_slice", "slice", "copy", "mean", "sum", "min", "max", "std", "var", "argmin", "argmax",
    "tolist", "astype", "reshape", "flatten", "ravel", "item", "count", "index", "keys", "values", "items",
    "get", "join", "split", "strip", "lower", "upper", "startswith", "endswith", "format", "replace", "any",
    "all", "round", "cumsum", "nonzero", "transpose", "to_dataframe", "residue", "atom", "chain", "describe",
    "head", "tail", "groupby", "unique", "isin", "where", "dot", "norm", "subset", "to_openmm",
})
# functions that change an argument in place
IN_PLACE = frozenset({"shuffle", "copyto", "put", "place", "putmask", "fill_diagonal", "clear", "update",
                      "superpose", "center_coordinates", "image_molecules", "make_molecules_whole"})
PATH_KEYWORDS = ("file", "filename", "fname", "path", "filepath", "path_or_buf", "top", "topology", "to_form",
                 "output_file", "frame_file")
NETWORK_KEYWORDS = {"url", "pdbid", "pdb_id", "pdbcode"}
_URL = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*://|www\.|ftp\.|(pdb|mmtf|pdbid|pdb_id|mmtf_id|alphafold|uniprot)"
                  r"(_id)?:)", re.I)  # molsysmt downloads 'pdb_id:1TCD'
_INSTALL = re.compile(r"\b(pip|conda|mamba)\b\W+install\b")
_FILE_MODE = re.compile(r"^[rwaxbt+]{1,3}$")
_FORM_NAME = re.compile(r"^(molsysmt|mdtraj|openmm|pdbfixer|nglview|pytraj|parmed|string|file):?[\w.:]*$|^\w+$")
_READ_MODE = re.compile(r"^r[bt]?$")

# well-known dangerous calls, named for a plainer reason (everything outside the safe subset
# needs consent anyway): dotted name (after import aliases) or "*.method" -> kind
NAMED_DANGERS = {
    "os.system": "shell", "os.popen": "shell", "os.exec*": "shell", "os.spawn*": "shell", "subprocess.*": "shell",
    "pty.spawn": "shell", "os.posix_spawn*": "shell", "os.remove": "delete", "os.unlink": "delete",
    "os.rmdir": "delete", "os.removedirs": "delete", "os.rename": "delete", "os.replace": "delete",
    "shutil.rmtree": "delete", "shutil.move": "delete", "*.unlink": "delete", "*.rmdir": "delete",
    "*.rmtree": "delete", "os.chdir": "chdir", "os.fchdir": "chdir", "importlib.*": "dynamic",
    "runpy.*": "dynamic", "pickle.load*": "dynamic", "marshal.load*": "dynamic", "timeit.*": "dynamic",
    "ctypes.*": "introspection", "socket.*": "network", "urllib.*": "network", "requests.*": "network",
    "http.*": "network", "httpx.*": "network",
}

# what IPython itself puts in the user's namespace: not the user's variables
IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})

KIND_LABELS = {
    "shell": "runs a shell command",
    "delete": "deletes, moves or renames files",
    "chdir": "changes the working folder",
    "install": "installs packages",
    "ipython": "uses IPython's shell or its magics",
    "dynamic": "runs code built at run time",
    "introspection": "reaches into internals (dunder, private, getattr, globals…)",
    "module": "uses a module outside the analysis libraries",
    "network": "uses the network",
    "path": "names a file through a computed path or mode",
    "write_outside": "writes a file outside the working folder",
    "read_outside": "reads a file outside the working folder",
    "overwrite_file": "overwrites an existing file",
    "overwrite_variable": "replaces, changes or deletes one of your variables",
    "statement": "uses a statement outside the safe subset",
    "unknown": "uses a name that is not known to be safe",
    "syntax": "is not valid Python",
}


@dataclass
class Finding:
    kind: str  # a key of KIND_LABELS
    line: int
    detail: str  # the reason, in plain words

    def to_dict(self) -> dict:
        return asdict(self)


# --- IPython's view of the source ------------------------------------------------------------


def ipython_source(source: str, shell=None) -> str:
    """``source`` as IPython will run it: escapes and magics become ``get_ipython()`` calls;
    a one-line cell whose first word is a magic or an alias is one (automagic)."""
    if shell is not None and hasattr(shell, "transform_cell"):
        return shell.transform_cell(source)
    from IPython.core.inputtransformer2 import TransformerManager

    cell = TransformerManager().transform_cell(source)
    lines = [line for line in cell.splitlines() if line.strip()]
    if len(lines) == 1:
        word, _, rest = lines[0].strip().partition(" ")
        if word in _automagic_names():
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


def _root(node: ast.AST) -> tuple[ast.AST, list[str]]:
    """The object an attribute/subscript/call chain starts from, and the attribute names on the way."""
    names = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, (ast.Subscript, ast.Call)):
            node = node.value if isinstance(node, ast.Subscript) else node.func
        else:
            return node, list(reversed(names))


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _is_writer(name: str) -> bool:
    """Calls that write a file they are given (``write``/``writelines`` write to a handle ``open`` made)."""
    return bool(re.match(r"^(save|write_|writeFile$|dump|to_|tofile$|export)", name) or name.endswith("Reporter"))


def _string_names(tree: ast.AST) -> dict[str, list[str]]:
    """Names bound exactly once, to string literals: ``fname = '1vii.pdb'``, or a loop over a
    literal list of them (``for fname in ['a.pdb', 'b.pdb']``). Name -> every value it takes."""
    counts: dict[str, int] = {}
    values: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if (text := _literal(node.value)) is not None:
                values[node.targets[0].id] = [text]
        elif isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name) \
                and isinstance(node.iter, (ast.List, ast.Tuple)) and node.iter.elts:
            texts = [_literal(item) for item in node.iter.elts]
            if None not in texts:
                values[node.target.id] = texts
    return {name: texts for name, texts in values.items() if counts.get(name) == 1}


def _handle_names(tree: ast.AST) -> set[str]:
    """Names bound to what ``open(...)`` returned (its path and mode are checked at the call)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _call_name(node.value) == "open":
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name) \
                and isinstance(node.context_expr, ast.Call) and _call_name(node.context_expr) == "open":
            names.add(node.optional_vars.id)
    return names


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere (assignments, imports, loops, defs, arguments, …)."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name.split(".")[0]) for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
    return bound


def _aliases_of(tree: ast.AST, user_names: set[str]) -> dict[str, str]:
    """Names the code binds to one of the user's values or a part of it, with no call between
    (``frames = traj``, ``for item in data.values(): …`` is a call, ``for x in traj``): a
    method called through them may change the user's variable. Name -> the user's variable."""
    bound = _bound_names(tree)
    owners = {name: name for name in user_names if name not in bound}

    def owner(value: ast.AST) -> str | None:
        while isinstance(value, (ast.Attribute, ast.Subscript, ast.Starred)) or (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                and value.func.attr in ("values", "items", "get", "keys")):
            value = value.func.value if isinstance(value, ast.Call) else value.value
        return owners.get(value.id) if isinstance(value, ast.Name) else None

    changed = True
    while changed:  # until no new alias appears (aliases of aliases)
        changed = False
        for node in ast.walk(tree):
            pairs = []
            if isinstance(node, ast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            elif isinstance(node, (ast.NamedExpr, ast.AnnAssign)) and node.value is not None:
                pairs = [(node.target, node.value)]
            elif isinstance(node, (ast.For, ast.comprehension)):
                pairs = [(node.target, node.iter)]
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                pairs = [(node.optional_vars, node.context_expr)]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):  # def f(store=data)
                positional = node.args.posonlyargs + node.args.args
                pairs = list(zip(positional[len(positional) - len(node.args.defaults):], node.args.defaults))
                pairs += [(a, d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is not None]
                pairs = [(ast.Name(a.arg, ast.Store()), d) for a, d in pairs]
            for target, value in pairs:
                user = owner(value)
                for name in ast.walk(target):
                    if user and isinstance(name, ast.Name) and name.id not in owners:
                        owners[name.id] = user
                        changed = True
    return {name: user for name, user in owners.items() if name not in user_names or name in bound}


class _Checker(ast.NodeVisitor):
    def __init__(self, user_names: set[str], workdir: Path, tree: ast.AST):
        self.workdir = workdir.resolve()
        self.bound = _bound_names(tree)
        self.strings = _string_names(tree)
        self.handles = _handle_names(tree)
        self.user_names = set(user_names)
        self.aliases_of_user = _aliases_of(tree, self.user_names)  # names bound to (parts of) the user's values
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
            self._binds(alias.asname or alias.name.split(".")[0], node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            self._module(f"{module}.{alias.name}", node)
            self.imported.add(alias.asname or alias.name)
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
            self._binds(alias.asname or alias.name, node)

    def _module(self, dotted: str, node: ast.AST) -> None:
        parts = dotted.split(".")
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
        elif node.attr in DENIED_NAMES:
            self.add("module", node, f"reaches '{node.attr}' ({ast.unparse(node)[:60]}), which is not safe")
        root, _ = _root(node)
        if not isinstance(node.ctx, ast.Load) and isinstance(root, ast.Name):
            if root.id in self.user_names and root.id not in self.bound or root.id in self.aliases_of_user:
                user = self.aliases_of_user.get(root.id, root.id)
                self.add("overwrite_variable", node, f"changes your variable '{user}'")
            elif root.id in self.imported:
                self.add("introspection", node, f"changes the library {ast.unparse(node)[:60]}")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        root, _ = _root(node)
        if not isinstance(node.ctx, ast.Load) and isinstance(root, ast.Name):
            if root.id in self.user_names and root.id not in self.bound or root.id in self.aliases_of_user:
                user = self.aliases_of_user.get(root.id, root.id)
                self.add("overwrite_variable", node, f"changes your variable '{user}'")
            elif root.id in self.imported:
                self.add("introspection", node, f"changes the library {ast.unparse(node)[:60]}")
        self.generic_visit(node)

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

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self._binds(node.name, node)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._binds(node.name, node)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._binds(node.name, node)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and _URL.match(node.value):
            self.add("network", node, f"names the URL {node.value[:80]}")

    # calls

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        root, _ = _root(node.func)
        self._named_danger(node)
        if isinstance(root, ast.Name) and isinstance(node.func, ast.Attribute) and name not in PURE_METHODS \
                and not _is_writer(name):
            if root.id in self.user_names and root.id not in self.bound:
                self.add("overwrite_variable", node, f"calls {ast.unparse(node.func)[:60]}(), which may change "
                                                     f"your variable '{root.id}'")
            elif root.id in self.aliases_of_user:
                self.add("overwrite_variable", node, f"calls {ast.unparse(node.func)[:60]}() on '{root.id}', which "
                                                     f"holds your variable '{self.aliases_of_user[root.id]}'")
        if name in IN_PLACE:
            for arg in node.args:
                if isinstance(arg, ast.Name) and arg.id in self.user_names and arg.id not in self.bound:
                    self.add("overwrite_variable", node, f"{name}() changes your variable '{arg.id}' in place")
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
            if node.args and _literal(node.args[0]) is not None:
                self._files(node, write=False, keywords=())
            self._files(node, write=True, keywords=("to_form",), positional=False)
        elif _is_writer(name):
            self._files(node, write=True)
        elif mode is not None and (_literal(mode) is None or _FILE_MODE.match(_literal(mode))):
            # mdtraj's XTrajectoryFile(path, mode='w'), numpy.memmap(path, mode='w+')
            if _literal(mode) is None:
                self.add("path", node, f"passes a computed mode ({ast.unparse(mode)[:40]})")
            self._files(node, write=_literal(mode) is None or not _READ_MODE.match(_literal(mode)))
        elif READERS.match(name):
            self._files(node, write=False)
        self.generic_visit(node)

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
                if kind == "shell" and _INSTALL.search(ast.unparse(node)):
                    kind = "install"
                self.add(kind, node, f"calls {dotted.lstrip('*.')}()")
                return

    def _open(self, node: ast.Call) -> None:
        mode_node = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "mode"), ast.Constant("r"))
        mode = _literal(mode_node)
        if mode is None:
            self.add("path", node, f"opens a file with a computed mode ({ast.unparse(mode_node)[:40]})")
        self._files(node, write=mode is None or not _READ_MODE.match(mode))

    def _files(self, node: ast.Call, write: bool, keywords: tuple = PATH_KEYWORDS, positional: bool = True) -> None:
        name = _call_name(node)
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
            text = _literal(target)
            if text is None:
                if isinstance(target, ast.Name) and target.id in self.handles:
                    continue  # a handle open() gave: checked where it was opened
                if isinstance(target, ast.Call) and _call_name(target) == "open":
                    continue
                self.add("path", node, f"{'writes to' if write else 'reads'} a computed path: "
                                       f"{ast.unparse(target)[:80]}")
                continue
            if _URL.match(text) or _FORM_NAME.match(text) and (not write or not Path(text).suffix):
                continue  # a URL is its own finding; a form name ('mdtraj.Trajectory', 'pdb') is not a file
            self._path(node, text, write)

    def _path(self, node: ast.Call, text: str, write: bool) -> None:
        path = self.workdir / Path(text).expanduser()  # an absolute path stays itself
        # a write follows symbolic links to where it lands; a read may use the user's own links
        full = path.resolve() if write else Path(os.path.normpath(path))
        if not full.is_relative_to(self.workdir):
            self.add("write_outside" if write else "read_outside", node,
                     f"{'writes' if write else 'reads'} {text}, outside the working folder")
        elif write and full.exists():
            self.add("overwrite_file", node, f"overwrites the existing file {full.relative_to(self.workdir)}")


def _ipython_findings(tree: ast.AST) -> list[Finding]:
    """Plain reasons for the get_ipython() calls IPython's transformation made."""
    findings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root, _ = _root(node.func)
            if not (isinstance(root, ast.Name) and root.id == "get_ipython"):
                continue
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            method, line = node.func.attr, node.lineno
            if method in ("system", "getoutput"):
                text = " ".join(map(str, args))
                kind = "install" if _INSTALL.search(text) else "shell"
                findings.append(Finding(kind, line, f"runs the shell command: {text[:100]}"))
            elif method == "run_line_magic" and args:
                kind = "install" if args[0] in ("pip", "conda", "mamba") else "ipython"
                findings.append(Finding(kind, line, f"runs the IPython magic %{' '.join(map(str, args))[:100]}"))
            elif method == "run_cell_magic" and args:
                kind = "shell" if args[0] in ("bash", "sh", "script", "system", "sx", "perl", "ruby") else "ipython"
                findings.append(Finding(kind, line, f"runs the cell magic %%{args[0]}"))
    return findings


def check_policy(source: str, user_names: set[str] | None = None, workdir: str | Path = ".",
                 shell=None) -> list[Finding]:
    """Everything in ``source`` that needs explicit consent (an empty list: it may run).
    ``user_names``: the user's variables; ``shell``: the IPython shell that will run the
    code, whose own transformation is then used."""
    try:
        tree = ast.parse(ipython_source(source, shell))
    except SyntaxError as exc:
        return [Finding("syntax", exc.lineno or 0, f"does not parse: {exc.msg}")]
    except (ValueError, IndexError, tokenize.TokenError) as exc:  # IPython's transformers on odd input
        return [Finding("syntax", 0, f"IPython cannot read it: {type(exc).__name__}: {exc}")]
    users = {name for name in user_names or () if not name.startswith("_")} - set(dir(builtins)) - IPYTHON_NAMES
    checker = _Checker(users, Path(workdir), tree)
    checker.visit(tree)
    magics = _ipython_findings(tree)
    said = {f.line for f in magics}  # a magic's get_ipython() chain needs no second reason
    return magics + [f for f in checker.findings if not (f.line in said and f.kind in ("ipython", "module"))]


def explain(findings: list[Finding] | list[dict]) -> list[str]:
    """One plain line per finding: "line 3: runs a shell command — runs the shell command: ls"."""
    lines = []
    for finding in findings:
        item = finding if isinstance(finding, dict) else finding.to_dict()
        lines.append(f"line {item['line']}: {KIND_LABELS.get(item['kind'], item['kind'])} — {item['detail']}")
    return lines
