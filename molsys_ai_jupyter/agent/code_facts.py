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


def aliases_of(tree: ast.AST, user_names: set[str]) -> dict[str, str]:
    """Names the code binds to one of the user's values or a part of it, with no call between
    (``frames = traj``, ``for item in data.values(): …`` is a call, ``for x in traj``): a
    method called through them may change the user's variable. Name -> the user's variable."""
    bound = bound_names(tree)
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
