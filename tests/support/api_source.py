"""Python source that declares a given API surface: each record of an ``_api_surface.jsonl``
becomes a ``def``/``class`` with its signature and docstring in its module, and each extra
public name an import in the package that re-exports it. Parsing the result with the
snapshot's AST walk should give the records back (bodies are ``...``; nothing is runnable)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

FUNCTION_KINDS = {"function"}
MEMBER_KINDS = {"method", "property", "staticmethod", "classmethod"}


def write_package_source(records: list[dict], root: Path) -> int:
    """Write the modules under ``root``; the number of records written."""
    modules: dict[Path, list[str]] = defaultdict(list)
    members: dict[tuple[Path, str], list[str]] = defaultdict(list)
    imports: dict[str, list[str]] = defaultdict(list)
    written = 0
    for record in records:
        file = root / record["defined_in"].rsplit(":", 1)[0]
        name = record["qualname"].rsplit(".", 1)[1]
        if record["kind"] in MEMBER_KINDS:
            owner = record["qualname"].rsplit(".", 2)[1]
            members[(file, owner)].append(_member(record, name))
        elif record["kind"] == "class":
            modules[file].append(_class(record, name))
        else:
            modules[file].append(_function(record, name, ""))
        written += 1
        if record["kind"] in MEMBER_KINDS:
            continue  # a method comes with its class
        for public in record["public_names"]:
            parent, alias = public.rsplit(".", 1)
            if public != f"{record['module']}.{name}":
                imports[parent].append(f"from {record['module']} import {name} as {alias}\n")
    for (file, owner), bodies in members.items():
        text = "\n".join(modules[file])
        marker = f"class {owner}"
        if marker in text:
            modules[file] = [block + ("".join(bodies) if f"\n{marker}(" in "\n" + block or f"\n{marker}:" in "\n" + block else "")
                             for block in modules[file]]
        else:
            modules[file].append(f"class {owner}:\n" + "".join(bodies))
    for file, blocks in modules.items():
        _ensure_packages(root, file)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text("\n\n".join(blocks), encoding="utf-8")
    for parent, lines in imports.items():
        module_file = root / (parent.replace(".", "/") + ".py")
        target = module_file if module_file.is_file() else root / parent.replace(".", "/") / "__init__.py"
        _ensure_packages(root, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as handle:
            handle.write("".join(sorted(set(lines))))
    return written


def _function(record: dict, name: str, indent: str) -> str:
    decorators = "".join(f"{indent}@{d}\n" for d in record.get("decorators", []) if d not in ("staticmethod", "classmethod", "property"))
    header = f"def {record['signature']}:"
    if not _parses(header + " ..."):
        header = f"def {name}(*args, **kwargs):"
    return f"{decorators}{indent}{header}\n{indent}    {_doc(record)}\n{indent}    ...\n"


def _member(record: dict, name: str) -> str:
    """A method as the surface writes it: its signature keeps ``self``/``cls``."""
    header = f"def {record['signature']}:"
    if not _parses(header + " ..."):
        header = f"def {name}(self, *args, **kwargs):"
    decorator = "".join(f"    @{d}\n" for d in record.get("decorators", []))
    if record["kind"] in ("property", "staticmethod", "classmethod") and record["kind"] not in record.get("decorators", []):
        decorator += f"    @{record['kind']}\n"
    return f"\n{decorator}    {header}\n        {_doc(record)}\n        ...\n"


def _class(record: dict, name: str) -> str:
    decorators = "".join(f"@{d}\n" for d in record.get("decorators", []))
    text = f"{decorators}class {name}{_bases(record)}:\n    {_doc(record)}\n"
    if record["signature"].endswith("(...)") or (record["signature"].endswith("()") and not record.get("bases")):
        return text  # no __init__ of its own
    return text + f"    def __init__(self{_params(record)}):\n        ...\n"


def _params(record: dict) -> str:
    signature = record["signature"]
    inner = signature[signature.index("(") + 1: signature.rindex(")")]
    text = f", {inner}" if inner.strip() else ""
    return text if _parses(f"def f(self{text}): ...") else ", *args, **kwargs"


def _bases(record: dict) -> str:
    bases = record.get("bases") or []
    text = f"({', '.join(bases)})" if bases else ""
    return text if _parses(f"class C{text}: ...") else ""


def _doc(record: dict) -> str:
    return repr(record["docstring"]) if record.get("docstring") else "pass"


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
        return True
    except SyntaxError:
        return False


def _ensure_packages(root: Path, file: Path) -> None:
    folder = file.parent
    while folder != root and root in folder.parents:
        folder.mkdir(parents=True, exist_ok=True)
        init = folder / "__init__.py"
        if not init.exists():
            init.touch()
        folder = folder.parent


def lay_out_repository(corpus: Path, source, folder: Path, with_package: bool = True) -> Path:
    """A project of the shipped snapshot laid out as its repository in ``folder``: the doc
    files at their paths, ``docs/conf.py`` with the manifest's ``exclude_patterns`` (and
    Sphinx's usual template and static folders), and — ``with_package`` — the package source
    written from its API surface plus an autosummary stub for each ``doc_url``."""
    import json
    import shutil

    shipped = json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))["projects"][source.name]
    shutil.copytree(corpus / source.name, folder, ignore=shutil.ignore_patterns("_api_surface.jsonl"))
    patterns = shipped.get("docs_exclude_patterns")
    if patterns:
        (folder / "docs" / "conf.py").write_text(f"exclude_patterns = {patterns!r}\n"
                                                 "templates_path = ['_templates']\nhtml_static_path = ['_static']\n")
    surface = corpus / source.name / "_api_surface.jsonl"
    if with_package and surface.is_file():
        records = [json.loads(line) for line in surface.read_text(encoding="utf-8").splitlines()]
        write_package_source(records, folder)
        for url in {r["doc_url"] for r in records if "doc_url" in r}:
            stub = folder / autosummary_stub(source, url)
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text(f"{stub.stem}\n{'=' * len(stub.stem)}\n\n.. autofunction:: {stub.stem}\n")
    return folder


def autosummary_stub(source, doc_url: str) -> str:
    """The ``docs/…/autosummary/<name>.rst`` page a docs site serves at ``doc_url``."""
    return "docs/" + doc_url.removeprefix(source.docs_base_url).removesuffix(".html") + ".rst"
