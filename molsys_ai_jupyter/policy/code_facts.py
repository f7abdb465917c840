"""Facts about a piece of code, from its syntax tree, that the execution policy needs: the names
it binds, the names bound to string literals or to open files, the names that alias the user's
values, and small readers of call and attribute chains."""

from __future__ import annotations

import ast
import re


def root_of(node: ast.AST) -> tuple[ast.AST, list[str]]:
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


def call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def is_writer(name: str) -> bool:
    """Calls that write a file they are given (``write``/``writelines`` write to a handle ``open`` made)."""
    return bool(re.match(r"^(save|write_|writeFile$|dump|to_|tofile$|export)", name) or name.endswith("Reporter"))


def string_names(tree: ast.AST) -> dict[str, list[str]]:
    """Names bound exactly once, to string literals: ``fname = '1vii.pdb'``, or a loop over a
    literal list of them (``for fname in ['a.pdb', 'b.pdb']``). Name -> every value it takes."""
    counts: dict[str, int] = {}
    values: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if (text := literal(node.value)) is not None:
                values[node.targets[0].id] = [text]
        elif isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name) \
                and isinstance(node.iter, (ast.List, ast.Tuple)) and node.iter.elts:
            texts = [literal(item) for item in node.iter.elts]
            if None not in texts:
                values[node.target.id] = texts
    return {name: texts for name, texts in values.items() if counts.get(name) == 1}


def handle_names(tree: ast.AST) -> set[str]:
    """Names bound to what ``open(...)`` returned (its path and mode are checked at the call)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and call_name(node.value) == "open":
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name) \
                and isinstance(node.context_expr, ast.Call) and call_name(node.context_expr) == "open":
            names.add(node.optional_vars.id)
    return names


def literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def bound_names(tree: ast.AST) -> set[str]:
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


def aliases_of(tree: ast.AST, roots: set[str], plain: bool = False) -> dict[str, str]:
    """Names the code binds to a value that mentions one of ``roots`` (the user's variables, or
    the libraries it imported): ``frames = traj``, ``pick = traj.append``, ``for x in [traj, data]``,
    ``def f(store=data)``, ``m = np``, and aliases of those. A method called through them, or an
    item stored in them, may change the root's value. Name -> the root it holds.

    Any mention counts (``n = len(traj)`` too): wider than needed, never narrower. With ``plain``
    only a bare name or attribute chain does (``m = np``, ``lin = np.linalg``; not ``a = np.zeros(3)``).
    Linear in the code's size: each binding is an edge from the names its value mentions to the
    names it binds."""
    bound = bound_names(tree)
    edges: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        pairs = []
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            pairs = [(t, node.value) for t in (node.targets if isinstance(node, ast.Assign) else [node.target])]
        elif isinstance(node, (ast.NamedExpr, ast.AnnAssign)) and node.value is not None:
            pairs = [(node.target, node.value)]
        elif isinstance(node, (ast.For, ast.comprehension)):
            pairs = [(node.target, node.iter)]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            pairs = [(node.optional_vars, node.context_expr)]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):  # def f(store=data)
            positional = node.args.posonlyargs + node.args.args
            pairs = list(zip(positional[len(positional) - len(node.args.defaults):], node.args.defaults, strict=False))
            pairs += [(a, d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=False) if d is not None]
            pairs = [(ast.Name(a.arg, ast.Store()), d) for a, d in pairs]
        for target, value in pairs:
            targets = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
            if plain:
                while isinstance(value, ast.Attribute):
                    value = value.value
                sources = [value] if isinstance(value, ast.Name) else []
            else:
                sources = [n for n in ast.walk(value) if isinstance(n, ast.Name)]
            for mentioned in sources:
                edges.setdefault(mentioned.id, set()).update(targets)
    owners = {root: root for root in roots}
    queue = list(roots)
    while queue:
        name = queue.pop()
        for target in edges.get(name, ()):
            if target not in owners:
                owners[target] = owners[name]
                queue.append(target)
    return {name: root for name, root in owners.items() if name not in roots or name in bound}


def mentions(node: ast.AST, names: set[str] | dict) -> str | None:
    """The first of ``names`` that ``node`` mentions anywhere (``[traj][0]``, ``(traj or 0)``)."""
    return next((n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in names), None)
