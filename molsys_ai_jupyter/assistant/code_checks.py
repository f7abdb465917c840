"""Is a Python block of an answer sound enough to show with a Run button? It parses, every
module it imports exists, every name it reads was defined before (in the block), and every
function it takes from an installed library exists; MolSysSuite names are the verifier's.

What the execution policy finds is not checked here: the Run button checks it and asks
for consent.

>>> code_is_sound("import numpy as np\\nprint(np.mean([1, 2]))")
True
>>> code_is_sound("import numpy as np\\nprint(np.water_count([1]))")  # numpy has no such function
False
>>> sorted(undefined_names("import molsysmt as msm\\nsystem = msm.remove(system)"))  # read before it exists
['system']
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import sys

_OPTIONAL = ("ImportError", "ModuleNotFoundError", "Exception", "BaseException")


def known_module(module: str, registry=None) -> bool:
    """An import the docs know (a MolSysSuite package) or this environment can find
    (``numpy.linalg`` must exist as a module, not only ``numpy``)."""
    if registry is not None and registry.is_project_name(module):
        return registry.is_known(module)
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # the parent package does not exist, or is not a package
        return False


def _is_optional(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return handler.type is None or any(isinstance(n, ast.Name) and n.id in _OPTIONAL for n in names)


def imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """(module, optional) for every import in the code: ``import a, b.c``, ``from a import
    b`` (as ``a.b`` when that is a module, else ``a``); optional when a ``try`` around it
    catches the ImportError."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, optional: bool) -> None:
        if isinstance(node, ast.Try):
            guarded = optional or any(_is_optional(h) for h in node.handlers)
            for child in node.body:
                visit(child, guarded)
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                visit(child, optional)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, optional) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, optional))
        for child in ast.iter_child_nodes(node):
            visit(child, optional)

    visit(tree, False)
    return found


def _module_aliases(tree: ast.AST) -> dict[str, str]:
    """Local name → the module or object path it stands for (``np`` → ``numpy``,
    ``magic`` → ``os.magic`` for ``from os import magic``)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


# imported to check a name, when not imported yet: quick, and nothing happens on import
# (unlike `antigravity`, which opens a browser); other libraries are checked only once loaded
_SAFE_TO_IMPORT = frozenset({
    "numpy", "os", "sys", "math", "cmath", "json", "pathlib", "re", "collections", "itertools", "functools",
    "statistics", "random", "time", "datetime", "shutil", "glob", "csv", "typing", "string", "textwrap",
    "decimal", "fractions", "operator", "copy", "pickle", "gzip", "zipfile", "tarfile", "tempfile", "io",
    "subprocess", "urllib", "hashlib", "logging", "warnings", "dataclasses", "enum",
})


def _loaded(name: str):
    """The module, if this process has it or it is quick and safe to import; None
    otherwise (MDTraj, OpenMM: not imported just to check a name)."""
    if name in sys.modules:
        return sys.modules[name]
    if name.split(".")[0] in _SAFE_TO_IMPORT:
        try:
            return importlib.import_module(name)
        except ImportError:
            return None
    return None


def _exists(path: str) -> bool | None:
    """Whether ``numpy.linalg.norm`` exists, looked up in the module (see :func:`_loaded`);
    None when that cannot be told cheaply."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        module = _loaded(".".join(parts[:cut]))
        if module is None:
            continue
        value = module
        for attribute in parts[cut:]:
            if hasattr(value, attribute):
                value = getattr(value, attribute)
                continue
            name = f"{getattr(value, '__name__', '')}.{attribute}"
            try:  # a submodule not imported yet is still there
                return importlib.util.find_spec(name) is not None if hasattr(value, "__path__") else False
            except (ImportError, ValueError):
                return False
        return True
    return None


def unknown_library_names(code: str, registry=None) -> list[str]:
    """Functions and modules the code takes from an installed, non-MolSysSuite library
    that do not exist there (``np.water_count``, ``from os import magic_remove``)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    aliases = _module_aliases(tree)
    paths = set(aliases.values())
    for node in ast.walk(tree):
        dotted = _dotted(node) if isinstance(node, ast.Attribute) else None
        if dotted and dotted.split(".")[0] in aliases:
            head, _, rest = dotted.partition(".")
            paths.add(f"{aliases[head]}.{rest}")
    unknown = []
    for path in sorted(paths):
        if registry is not None and registry.is_project_name(path):
            continue
        if _exists(path) is False:
            unknown.append(path)
    return unknown


def undefined_names(code: str) -> set[str]:
    """Names the code reads but never defines, imports or gets from builtins (``molecules``
    it never made), and names its top level reads before it first assigns them
    (``system = msm.remove(system)``): either stops the block with a NameError. Python's own
    symbol tables decide the first; code that does not parse has none."""
    import symtable

    try:
        top = symtable.symtable(code, "<answer>", "exec")
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    defined = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    missing, tables = set(), [top]
    while tables:
        table = tables.pop()
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if (symbol.is_referenced() and (table is top or symbol.is_global()) and name not in defined
                    and not hasattr(builtins, name)):
                missing.add(name)
        tables.extend(table.get_children())
    return missing | _read_before_assigned(tree, defined)


def _read_before_assigned(tree: ast.Module, defined: set[str]) -> set[str]:
    """Top-level names a statement reads before any earlier statement assigned them (the
    statement's own assignment happens after its right-hand side is read). Reads inside
    functions and classes run later and are left out."""
    seen: set[str] = set()
    early: set[str] = set()
    for statement in tree.body:
        reads, writes = set(), set()
        stack = [statement]
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                if not isinstance(node, ast.Lambda):
                    writes.add(node.name)
                continue
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                targets = {n.id for gen in node.generators for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
                reads |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                          and isinstance(n.ctx, ast.Load)} - targets
                continue
            if isinstance(node, ast.Name):
                (reads if isinstance(node.ctx, ast.Load) else writes).add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                writes |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, ast.ExceptHandler) and node.name:
                writes.add(node.name)
            stack.extend(ast.iter_child_nodes(node))
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.While, ast.If, ast.Try)):
            reads -= writes  # a loop or block may define a name before reading it within itself
        early |= {name for name in reads & defined if name not in seen}
        seen |= writes
    return early


def calls_a_library(code: str) -> bool:
    """The code calls something it imported (``msm.remove``, ``md.load``, ``sqrt`` from
    ``math``): a block of only its own helpers and builtins shows no library's way of
    doing the task.

    >>> calls_a_library("import mdtraj as md\\nt = md.load('a.pdb')")
    True
    >>> calls_a_library("def count(atoms):\\n    return len(atoms)\\nprint(count([1]))")
    False
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    imported = _module_aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func)
            if dotted and dotted.split(".")[0] in imported:
                return True
    return False


def code_is_sound(code: str, registry=None) -> bool:
    """Python that parses, whose imports exist (unless a ``try`` makes them optional),
    whose MolSysSuite names exist (the verifier) and whose names from installed libraries
    exist. Names it leaves undefined are :func:`undefined_names`' (docs code may use
    what an earlier cell of its page defined)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    if any(not optional and not known_module(module, registry) for module, optional in imports(tree)):
        return False
    if unknown_library_names(code, registry):
        return False
    if registry is not None:
        from ..knowledge.verifier import verify_code

        if not verify_code(code, registry).ok:
            return False
    return True
