"""The public API surface of a package checkout, read with ``ast`` (the package is never imported).

One :class:`~molsys_ai_jupyter.knowledge.api_record.ApiRecord` per public function, class or
method (:func:`api_records`; :func:`api_surface` gives their JSON form), in the format of the
corpus file ``<project>/_api_surface.jsonl``: ``project``, ``qualname`` (the shortest public dotted name),
``kind``, ``signature`` (defaults, annotations and decorators as written in the source),
``params``, ``defined_in`` (``path.py:line``), ``module``, ``public_names`` (every public dotted
name, re-exports included), ``decorators``, ``bases`` (classes only), ``doc_url`` (when known)
and ``docstring`` (after ``inspect.cleandoc``, ``""`` when there is none).

A re-export is a public name bound in a package's ``__init__.py`` through ``from x import y [as
z]`` (relative or absolute), ``from x import *`` (honouring a literal ``__all__``) or a
``_LAZY_ATTRIBUTES`` table (the lazy ``__getattr__`` re-exports of pyunitwizard); imports are
followed through every module, private ones included, until nothing changes. Methods, ``self``
included, are those of public top-level classes; private names and modules, modules outside a
chain of ``__init__.py`` folders and nested definitions give no record.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..knowledge.api_record import ApiRecord

NOT_PACKAGES = frozenset({"docs", "examples", "benchmarks", "devtools"})
LAZY_TABLE = "_LAZY_ATTRIBUTES"
ACCESSOR_DECORATORS = frozenset({"setter", "getter", "deleter"})
METHOD_KINDS = ("property", "staticmethod", "classmethod")  # decorator name = kind, the first found wins

ObjectKey = tuple[str, str]  # (defining module, top-level name)
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True)
class Module:
    """One parsed source file of a package."""

    name: str  # dotted module name
    rel_path: str  # relative to the repo root, POSIX separators
    is_package: bool  # an ``__init__.py``
    tree: ast.Module
    lines: list[bytes]  # the source lines, UTF-8 encoded (ast column offsets count bytes)
    private: bool  # some component of the name starts with "_"


@dataclass
class Scan:
    """What walking the package folders found besides the modules."""

    modules_parsed: int = 0
    skipped_modules_without_parent_init: list[str] = field(default_factory=list)
    unparsable: list[str] = field(default_factory=list)


def api_surface(
    repo_root: Path,
    project: str,
    packages: list[str] | None = None,
    doc_urls: dict[str, str] | None = None,
) -> tuple[list[dict], dict]:
    """:func:`api_records` with each record in its JSON form (a line of ``_api_surface.jsonl``)."""
    records, stats = api_records(repo_root, project, packages, doc_urls)
    return [record.to_json() for record in records], stats


def api_records(
    repo_root: Path,
    project: str,
    packages: list[str] | None = None,
    doc_urls: dict[str, str] | None = None,
) -> tuple[list[ApiRecord], dict]:
    """Records and stats for the public API of the packages of a checkout.

    ``packages``: top-level package folder names relative to ``repo_root`` (or to
    ``repo_root/src``); by default every folder there with an ``__init__.py``, other than
    tests, docs, examples, benchmarks and devtools. ``doc_urls`` maps public dotted names to the
    URL of their documentation page. Stats: ``records``, ``kinds``, ``modules_parsed``,
    ``public_modules``, ``skipped_modules_without_parent_init`` (dotted names),
    ``unparsable`` (paths), ``with_doc_url`` and ``with_docstring``."""
    repo_root = Path(repo_root)
    package_dirs = find_packages(repo_root) if packages is None else [_package_dir(repo_root, p) for p in packages]
    modules, scan = _scan_packages(repo_root, package_dirs)
    namespaces = resolve_namespaces(modules)
    names = public_names(modules, namespaces)
    public = [m for m in modules.values() if not m.private]
    records: list[ApiRecord] = []
    for module in sorted(public, key=lambda m: m.name):
        records.extend(_module_records(project, module, names, doc_urls or {}))
    records.sort(key=lambda r: (r.qualname, r.defined_in))
    stats = {
        "records": len(records),
        "kinds": dict(Counter(r.kind for r in records)),
        "modules_parsed": scan.modules_parsed,
        "public_modules": len(public),
        "skipped_modules_without_parent_init": sorted(scan.skipped_modules_without_parent_init),
        "unparsable": sorted(scan.unparsable),
        "with_doc_url": sum(r.doc_url is not None for r in records),
        "with_docstring": sum(bool(r.docstring) for r in records),
    }
    return records, stats


# ---------------------------------------------------------------- finding and parsing modules


def find_packages(repo_root: Path) -> list[Path]:
    """The top-level package folders of a checkout, at its root or under ``src/``."""
    found = []
    for base in (repo_root, repo_root / "src"):
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            if child.is_dir() and (child / "__init__.py").is_file() and not _is_excluded_folder(child.name):
                found.append(child)
    return found


def _is_excluded_folder(name: str) -> bool:
    return name in NOT_PACKAGES or name.startswith(("test", "."))


def _package_dir(repo_root: Path, name: str) -> Path:
    for candidate in (repo_root / name, repo_root / "src" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no package folder {name!r} at {repo_root} or under its src/")


def _scan_packages(repo_root: Path, package_dirs: list[Path]) -> tuple[dict[str, Module], Scan]:
    """The importable modules by dotted name (private ones included: re-exports may pass through
    them), and what else the walk found."""
    modules: dict[str, Module] = {}
    scan = Scan()
    for package_dir in package_dirs:
        for path in _python_files(package_dir):
            rel_path = path.relative_to(repo_root).as_posix()
            parsed = parse_file(path)
            if parsed is None:
                scan.unparsable.append(rel_path)
                continue
            scan.modules_parsed += 1
            source, tree = parsed
            name = module_name(package_dir, path)
            private = any(part.startswith("_") for part in name.split("."))
            if not _has_init_chain(package_dir, path):
                if not private:
                    scan.skipped_modules_without_parent_init.append(name)
                continue
            is_package = path.name == "__init__.py"
            if name in modules and modules[name].is_package:
                continue  # a package shadows a module file of the same name
            lines = [row.encode("utf-8") for row in source.split("\n")]
            modules[name] = Module(name, rel_path, is_package, tree, lines, private)
    return modules, scan


def _python_files(package_dir: Path) -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        files.extend(Path(folder, n) for n in sorted(names) if n.endswith(".py"))
    return files


def parse_file(path: Path) -> tuple[str, ast.Module] | None:
    """The decoded source (newlines made ``\\n``) and its tree, or None when the file cannot be
    read or parsed."""
    try:
        source = importlib.util.decode_source(path.read_bytes())
        return source, ast.parse(source, filename=str(path))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError, RecursionError):
        return None


def module_name(package_dir: Path, path: Path) -> str:
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _has_init_chain(package_dir: Path, path: Path) -> bool:
    """Whether every folder from the package folder down to the file's holds an ``__init__.py``."""
    folder = path.parent
    while True:
        if not (folder / "__init__.py").is_file():
            return False
        if folder == package_dir:
            return True
        folder = folder.parent


# ---------------------------------------------------------------- resolving names


@dataclass
class Namespaces:
    """What each module's top-level names are bound to, among the definitions of the packages."""

    bound: dict[str, dict[str, ObjectKey]]  # module -> name -> definition
    lazy: dict[str, dict[str, tuple[str, str]]]  # module -> name -> (module, attribute)

    def lookup(self, module: str, name: str, depth: int = 0) -> ObjectKey | None:
        """The definition ``module.name`` refers to (through ``_LAZY_ATTRIBUTES`` when unbound)."""
        if module not in self.bound:
            return None
        found = self.bound[module].get(name)
        if found is None and name in self.lazy[module] and depth < 32:
            found = self.lookup(*self.lazy[module][name], depth + 1)
        return found


def resolve_namespaces(modules: dict[str, Module]) -> Namespaces:
    """Follow definitions and imports of every module, in statement order, until nothing changes."""
    operations = {name: _binding_operations(module) for name, module in modules.items()}
    exported = {name: literal_all(module.tree) for name, module in modules.items()}
    lazy = {name: lazy_table(m) if m.is_package else {} for name, m in modules.items()}
    spaces = Namespaces({name: {} for name in modules}, lazy)
    for _ in range(len(modules) + 2):
        changed = False
        for name in modules:
            bound = _apply_operations(name, operations[name], spaces, exported)
            if bound != spaces.bound[name]:
                spaces.bound[name] = bound
                changed = True
        if not changed:
            break
    return spaces


def _binding_operations(module: Module) -> list[tuple]:
    """The top-level statements that bind names: ("def", name), ("from", local, module, name),
    ("star", module) and ("other", name) for a plain ``import``."""
    operations: list[tuple] = []
    for statement in module.tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            operations.append(("def", statement.name))
        elif isinstance(statement, ast.ImportFrom):
            source = absolute_module(module, statement.level, statement.module)
            for alias in statement.names:
                if alias.name == "*":
                    operations.append(("star", source))
                else:
                    operations.append(("from", alias.asname or alias.name, source, alias.name))
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                operations.append(("other", alias.asname or alias.name.partition(".")[0]))
    return operations


def _apply_operations(
    module: str, operations: list[tuple], spaces: Namespaces, exported: dict[str, list[str] | None]
) -> dict[str, ObjectKey]:
    """A module's namespace after its binding statements, given the other namespaces so far."""
    bound: dict[str, ObjectKey] = {}
    for kind, *rest in operations:
        if kind == "def":
            bound[rest[0]] = (module, rest[0])
        elif kind == "from":
            local, source, name = rest
            _bind(bound, local, spaces.lookup(source, name) if source else None)
        elif kind == "star" and rest[0] in spaces.bound:
            for name, target in _star_targets(rest[0], spaces, exported).items():
                _bind(bound, name, target)
        elif kind == "other":
            bound.pop(rest[0], None)
    return bound


def _bind(bound: dict[str, ObjectKey], name: str, target: ObjectKey | None) -> None:
    if target is None:
        bound.pop(name, None)  # rebound to something that is not a definition of the packages
    else:
        bound[name] = target


def _star_targets(
    source: str, spaces: Namespaces, exported: dict[str, list[str] | None]
) -> dict[str, ObjectKey | None]:
    """What ``from source import *`` binds: ``__all__`` (lazy names included) or the public names."""
    names = exported[source]
    if names is None:
        return {n: t for n, t in spaces.bound[source].items() if not n.startswith("_")}
    return {n: spaces.lookup(source, n) for n in names}


def absolute_module(module: Module, level: int, name: str | None) -> str | None:
    """The dotted name an import in ``module`` refers to; None above the top-level package."""
    if level == 0:
        return name
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    if level - 1 >= len(package):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def literal_all(tree: ast.Module) -> list[str] | None:
    """A module's ``__all__`` when it is built only from literal lists/tuples of strings
    (assigned, or extended with ``+=``)."""
    names: list[str] | None = None
    for statement in tree.body:
        extend = isinstance(statement, ast.AugAssign) and _is_name(statement.target, "__all__")
        value = statement.value if extend else _assigned_value(statement, "__all__")
        if value is None:
            continue
        strings = _string_sequence(value)
        if strings is None:
            return None
        names = (names or []) + strings if extend else strings
    return names


def _assigned_value(statement: ast.stmt, name: str) -> ast.expr | None:
    """The value of ``name = value`` (or ``name: type = value``), else None."""
    if isinstance(statement, ast.Assign) and any(_is_name(t, name) for t in statement.targets):
        return statement.value
    if isinstance(statement, ast.AnnAssign) and _is_name(statement.target, name):
        return statement.value
    return None


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _string_sequence(node: ast.expr | None) -> list[str] | None:
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return None
    return [e.value for e in node.elts]


def lazy_table(module: Module) -> dict[str, tuple[str, str]]:
    """``_LAZY_ATTRIBUTES = {name: (module, attribute) | "module" | "module:attribute"}`` as
    name -> (absolute module, attribute); entries of any other shape are left out."""
    table: dict[str, tuple[str, str]] = {}
    for statement in module.tree.body:
        value = _assigned_value(statement, LAZY_TABLE)
        if not isinstance(value, ast.Dict):
            continue
        for key, entry in zip(value.keys, value.values, strict=False):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                target = _lazy_target(module, key.value, entry)
                if target is not None:
                    table[key.value] = target
    return table


def _lazy_target(module: Module, name: str, entry: ast.expr) -> tuple[str, str] | None:
    if isinstance(entry, (ast.Tuple, ast.List)):
        strings = _string_sequence(entry)
        if not strings:
            return None
        path, attribute = strings[0], strings[1] if len(strings) > 1 else name
    elif isinstance(entry, ast.Constant) and isinstance(entry.value, str):
        path, _, attribute = entry.value.partition(":")
        attribute = attribute or name
    else:
        return None
    stripped = path.lstrip(".")
    target = absolute_module(module, len(path) - len(stripped), stripped or None)
    return (target, attribute) if target else None


def public_names(modules: dict[str, Module], spaces: Namespaces) -> dict[ObjectKey, set[str]]:
    """The re-exported names of each definition: ``package.name`` for each public package and each
    public name bound in its ``__init__.py`` (directly or through its ``_LAZY_ATTRIBUTES``).

    Names a plain module imports for its own use are not re-exports (as in the corpus file)."""
    names: dict[ObjectKey, set[str]] = defaultdict(set)
    for module in modules.values():
        if module.private or not module.is_package:
            continue
        for name in {*spaces.bound[module.name], *spaces.lazy[module.name]}:
            target = spaces.lookup(module.name, name)
            if target is not None and not name.startswith("_"):
                names[target].add(f"{module.name}.{name}")
    return names


def _name_order(name: str) -> tuple[int, str]:
    """Shortest first (fewest dots), then alphabetical: the first one is the qualname."""
    return name.count("."), name


# ---------------------------------------------------------------- records


def _module_records(
    project: str, module: Module, names: dict[ObjectKey, set[str]], doc_urls: dict
) -> list[ApiRecord]:
    records = []
    for name, node in top_level_definitions(module.tree).items():
        if name.startswith("_"):
            continue
        own_names = sorted(names.get((module.name, name), set()) | {f"{module.name}.{name}"}, key=_name_order)
        if isinstance(node, ast.ClassDef):
            records.append(_record(project, module, node, "class", own_names, doc_urls))
            for method_name, method in public_methods(node).items():
                method_names = sorted((f"{n}.{method_name}" for n in own_names), key=_name_order)
                records.append(_record(project, module, method, method_kind(method), method_names, doc_urls))
        else:
            records.append(_record(project, module, node, "function", own_names, doc_urls))
    return records


def top_level_definitions(tree: ast.Module) -> dict[str, Definition]:
    """The functions and classes defined at the top of a module (the last one of a name wins)."""
    found: dict[str, Definition] = {}
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[statement.name] = statement
    return found


def public_methods(node: ast.ClassDef) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """A class body's public methods; property setters/getters/deleters are left out."""
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for statement in node.body:
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) or statement.name.startswith("_"):
            continue
        if any(isinstance(d, ast.Attribute) and d.attr in ACCESSOR_DECORATORS for d in statement.decorator_list):
            continue
        found[statement.name] = statement
    return found


def method_kind(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    decorated = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
    return next((kind for kind in METHOD_KINDS if kind in decorated), "method")


def _record(
    project: str, module: Module, node: Definition, kind: str, names: list[str], doc_urls: dict
) -> ApiRecord:
    if isinstance(node, ast.ClassDef):
        signature, params = class_signature(node, module.lines)
        bases = tuple(source_text(b, module.lines) for b in node.bases)
    else:
        signature, params = function_signature(node, module.lines)
        bases = ()
    return ApiRecord(
        project=project,
        qualname=names[0],
        kind=kind,
        signature=signature,
        params=tuple(params),
        defined_in=f"{module.rel_path}:{node.lineno}",
        module=module.name,
        public_names=tuple(names),
        decorators=tuple(source_text(d, module.lines) for d in node.decorator_list),
        bases=bases,
        doc_url=next((doc_urls[n] for n in names if n in doc_urls), None),
        docstring=docstring(node),
    )


def docstring(node: Definition) -> str:
    raw = ast.get_docstring(node, clean=False)
    if raw is None:
        return ""
    return inspect.cleandoc(raw) if raw.strip() else raw  # a blank docstring is kept as written


# ---------------------------------------------------------------- signatures


def function_signature(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[bytes]) -> tuple[str, list[str]]:
    """``name(params) -> returns`` with every parameter as written (``self``/``cls`` included)."""
    pieces, params = render_arguments(node.args, lines, skip_first=False)
    returns = f" -> {source_text(node.returns, lines)}" if node.returns is not None else ""
    return f"{node.name}({', '.join(pieces)}){returns}", params


def class_signature(node: ast.ClassDef, lines: list[bytes]) -> tuple[str, list[str]]:
    """The class called like a function: its ``__init__`` parameters without ``self``; ``Name()``
    without an ``__init__`` or bases, ``Name(...)`` when an unseen base may define it."""
    init = next((s for s in reversed(node.body) if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None:
        return (f"{node.name}(...)" if node.bases else f"{node.name}()"), []
    pieces, params = render_arguments(init.args, lines, skip_first=True)
    return f"{node.name}({', '.join(pieces)})", params


def render_arguments(args: ast.arguments, lines: list[bytes], skip_first: bool) -> tuple[list[str], list[str]]:
    """The rendered parameters (with ``/`` and a bare ``*`` where Python puts them) and the
    parameter names (``*args``/``**kwargs`` prefixed)."""
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pieces: list[str] = []
    params: list[str] = []
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        if not (skip_first and index == 0):
            pieces.append(_parameter(arg, default, lines))
            params.append(arg.arg)
        if index == len(args.posonlyargs) - 1 and pieces:
            pieces.append("/")
    if args.vararg is not None:
        pieces.append("*" + _parameter(args.vararg, None, lines))
        params.append("*" + args.vararg.arg)
    elif args.kwonlyargs:
        pieces.append("*")
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
        pieces.append(_parameter(arg, default, lines))
        params.append(arg.arg)
    if args.kwarg is not None:
        pieces.append("**" + _parameter(args.kwarg, None, lines))
        params.append("**" + args.kwarg.arg)
    return pieces, params


def _parameter(arg: ast.arg, default: ast.expr | None, lines: list[bytes]) -> str:
    """``name: annotation = default`` or ``name=default`` (PEP 8 spacing)."""
    text = arg.arg
    if arg.annotation is not None:
        text += f": {source_text(arg.annotation, lines)}"
        if default is not None:
            text += f" = {source_text(default, lines)}"
    elif default is not None:
        text += f"={source_text(default, lines)}"
    return text


def source_text(node: ast.expr, lines: list[bytes]) -> str:
    """An expression as written in the source; ``ast.unparse`` when it spans several lines.

    (``ast.get_source_segment`` does the same but splits the whole file at every call.)"""
    if node.end_lineno is None or node.end_col_offset is None or node.lineno != node.end_lineno:
        return ast.unparse(node)
    return lines[node.lineno - 1][node.col_offset : node.end_col_offset].decode("utf-8")
