"""The API-surface walk: a synthetic package written to a temp folder, and the format of the real
corpus file (skipped when the shared corpus is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from molsys_ai_jupyter.config import load_settings
from molsys_ai_jupyter.knowledge.api_record import ApiRecord, read_api_surface
from molsys_ai_jupyter.snapshot.api_surface import api_records, api_surface, find_packages
from support.repo_archives import write_tree

INIT = '''\
"""Toy package."""
from .core import *
from .extra import *
from toypkg.tools.maths import add as plus
from .tools import *
from ._lib import internal, relayed
import os

_LAZY_ATTRIBUTES = {
    "lazy_fn": (".tools.lazy", "lazy_fn"),
    "LazyAlias": "toypkg.tools.lazy:LazyThing",
    "also": ".tools.lazy",
    "Vector2": [".tools", "Vec"],
    "nowhere": (".missing", "x"),
    "not_literal": make_entry(),
    "bad": 42,
}


def version() -> str:
    """The version."""
    return "1.0"


def __getattr__(name):
    raise AttributeError(name)
'''

CORE = '''\
"""Core functions."""
__all__ = ["greet"]
__all__ += ["Widget"]


def greet(name: str, /, punctuation: str = '!', *, loud: bool = False) -> str:
    """Greet someone.

    Parameters
        name: who.
    """
    return name + punctuation


def helper(x, y=(1,2)):
    return x


def unlisted():
    pass


def _private_helper():
    pass


@register(kind="widget")
class Widget(Mapping[str,int], metaclass=Meta):
    """A widget."""

    def __init__(self, size=0x10, *parts, colour: str | None = None, **options):
        self.size = size

    @property
    def area(self) -> int:
        """The area."""
        return self.size

    @area.setter
    def area(self, value):
        self.size = value

    @staticmethod
    def make(kind="round"):
        return Widget()

    @classmethod
    def default(cls, *, size: int = 3):
        return cls(size)

    def resize(self, factor: float = 1.5) -> None:
        def inner():
            pass

    def _hidden(self):
        pass

    def __repr__(self):
        return "Widget()"


class _Secret:
    def visible(self):
        pass
'''

EXTRA = '''\
"""Extra helpers, without __all__."""
import functools

from .core import helper


@functools.lru_cache(maxsize=None)
@trace
async def shout(text, *args, **kwargs):
    """Shout."""


class Plain:
    pass


class Failure(RuntimeError):
    """It failed."""


def _quiet():
    pass
'''

TOOLS_INIT = '''\
from .maths import add
from .maths import Vector as Vec
'''

MATHS = '''\
def add(a, b = 2):
    return a + b


class Vector:
    def __init__(self, x: float = 0.0, y: float = 0.0, /):
        self.x, self.y = x, y

    def norm(self) -> float:
        return (self.x ** 2 + self.y ** 2) ** 0.5
'''

LAZY = '''\
__all__ = [name for name in ("lazy_fn",)]


def lazy_fn():
    pass


class LazyThing:
    pass


def also():
    pass
'''

API_INIT = '''\
from toypkg import lazy_fn as quick
from .. import greet
from ..tools.lazy import *
from ..facade import *
'''

FACADE_INIT = '''\
__all__ = ["fast"]
_LAZY_ATTRIBUTES = {"fast": ("toypkg.tools.maths", "add")}
'''

FILES = {
    "toypkg/__init__.py": INIT,
    "toypkg/core.py": CORE,
    "toypkg/extra.py": EXTRA,
    "toypkg/tools/__init__.py": TOOLS_INIT,
    "toypkg/tools/maths.py": MATHS,
    "toypkg/tools/lazy.py": LAZY,
    "toypkg/api/__init__.py": API_INIT,
    "toypkg/facade/__init__.py": FACADE_INIT,
    "toypkg/_lib.py": "from .tools.maths import add as relayed\n\n\ndef internal():\n    pass\n",
    "toypkg/_private/__init__.py": "from ..core import helper as aid\n",
    "toypkg/_private/secret.py": "def secret():\n    pass\n",
    "toypkg/_data/make_db.py": "def make():\n    pass\n",
    "toypkg/scripts/run.py": "def main():\n    pass\n",
    "toypkg/scripts/sub/__init__.py": "def nested_main():\n    pass\n",
    "toypkg/broken.py": "def broken(:\n    pass\n",
    "tests/__init__.py": "",
    "tests/test_toy.py": "def test_toy():\n    pass\n",
    "docs/__init__.py": "def docs_helper():\n    pass\n",
    "notapkg/loose.py": "def loose():\n    pass\n",
}

DOC_URLS = {
    "toypkg.greet": "https://example.org/greet.html",
    "toypkg.core.Widget": "https://example.org/widget.html",
    "toypkg.tools.add": "https://example.org/tools-add.html",
    "toypkg.tools.maths.add": "https://example.org/maths-add.html",
    "toypkg.nothing": "https://example.org/nothing.html",
}


@pytest.fixture
def toy_repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", FILES)
    (root / "toypkg" / "latin.py").write_bytes(b"x = '\xff'\n")  # not UTF-8: unreadable
    return root


@pytest.fixture
def toy(toy_repo: Path) -> tuple[dict[str, dict], dict]:
    records, stats = api_surface(toy_repo, "toy", doc_urls=DOC_URLS)
    by_qualname = {r["qualname"]: r for r in records}
    assert len(by_qualname) == len(records)
    return by_qualname, stats


def line(text: str, start: str) -> int:
    """The 1-based number of the one line of ``text`` that starts with ``start``."""
    found = [n for n, row in enumerate(text.splitlines(), 1) if row.startswith(start)]
    assert len(found) == 1, (start, found)
    return found[0]


def test_records_are_sorted_by_qualname_and_cover_the_public_api(toy_repo):
    records, _ = api_surface(toy_repo, "toy", doc_urls=DOC_URLS)
    assert [r["qualname"] for r in records] == [
        "toypkg.Failure",
        "toypkg.LazyAlias",
        "toypkg.Plain",
        "toypkg.Vec",
        "toypkg.Vec.norm",
        "toypkg.Widget",
        "toypkg.Widget.area",
        "toypkg.Widget.default",
        "toypkg.Widget.make",
        "toypkg.Widget.resize",
        "toypkg.add",
        "toypkg.also",
        "toypkg.core.unlisted",
        "toypkg.greet",
        "toypkg.helper",
        "toypkg.lazy_fn",
        "toypkg.shout",
        "toypkg.version",
    ]


def test_stats(toy):
    _, stats = toy
    assert stats == {
        "records": 18,
        "kinds": {"class": 5, "method": 2, "property": 1, "classmethod": 1, "staticmethod": 1, "function": 8},
        "modules_parsed": 14,
        "public_modules": 8,
        "skipped_modules_without_parent_init": ["toypkg.scripts.run", "toypkg.scripts.sub"],
        "unparsable": ["toypkg/broken.py", "toypkg/latin.py"],
        "with_doc_url": 3,
        "with_docstring": 6,
    }


def test_class_record_with_init_decorators_bases_and_doc_url(toy):
    records, _ = toy
    assert records["toypkg.Widget"] == {
        "project": "toy",
        "qualname": "toypkg.Widget",
        "kind": "class",
        "signature": "Widget(size=0x10, *parts, colour: str | None = None, **options)",
        "params": ["size", "*parts", "colour", "**options"],
        "defined_in": f"toypkg/core.py:{line(CORE, 'class Widget')}",
        "module": "toypkg.core",
        "public_names": ["toypkg.Widget", "toypkg.core.Widget"],
        "decorators": ['register(kind="widget")'],
        "bases": ["Mapping[str,int]"],
        "doc_url": "https://example.org/widget.html",
        "docstring": "A widget.",
    }


def test_function_record_with_positional_only_keyword_only_and_annotations(toy):
    records, _ = toy
    assert records["toypkg.greet"] == {
        "project": "toy",
        "qualname": "toypkg.greet",
        "kind": "function",
        "signature": "greet(name: str, /, punctuation: str = '!', *, loud: bool = False) -> str",
        "params": ["name", "punctuation", "loud"],
        "defined_in": f"toypkg/core.py:{line(CORE, 'def greet')}",
        "module": "toypkg.core",
        "public_names": ["toypkg.greet", "toypkg.api.greet", "toypkg.core.greet"],
        "decorators": [],
        "doc_url": "https://example.org/greet.html",
        "docstring": "Greet someone.\n\nParameters\n    name: who.",
    }


def test_methods_keep_self_and_are_named_after_every_public_name_of_their_class(toy):
    records, _ = toy
    assert records["toypkg.Widget.area"] == {
        "project": "toy",
        "qualname": "toypkg.Widget.area",
        "kind": "property",
        "signature": "area(self) -> int",
        "params": ["self"],
        "defined_in": f"toypkg/core.py:{line(CORE, '    def area(self) -> int')}",
        "module": "toypkg.core",
        "public_names": ["toypkg.Widget.area", "toypkg.core.Widget.area"],
        "decorators": ["property"],
        "docstring": "The area.",
    }
    make, default, resize = (records[f"toypkg.Widget.{name}"] for name in ("make", "default", "resize"))
    assert (make["kind"], make["signature"], make["params"], make["decorators"]) == (
        "staticmethod", 'make(kind="round")', ["kind"], ["staticmethod"])
    assert (default["kind"], default["signature"], default["params"]) == (
        "classmethod", "default(cls, *, size: int = 3)", ["cls", "size"])
    assert (resize["kind"], resize["signature"], resize["params"], resize["docstring"]) == (
        "method", "resize(self, factor: float = 1.5) -> None", ["self", "factor"], "")
    assert make["defined_in"] == f"toypkg/core.py:{line(CORE, '    def make')}"  # the def line, not the decorator's


def test_private_dunder_nested_and_setter_definitions_give_no_record(toy):
    records, _ = toy
    qualnames = " ".join(records)
    for hidden in ("_private_helper", "_Secret", "visible", "_hidden", "__repr__", "__init__", "inner", "_quiet",
                   "__getattr__", "internal", "secret", "make_db", "main", "docs_helper", "test_toy", "loose"):
        assert hidden not in qualnames, hidden
    assert [r["defined_in"] for r in records.values() if r["qualname"].endswith(".area")] == [
        f"toypkg/core.py:{line(CORE, '    def area(self) -> int')}"]  # the setter is no record


def test_async_decorated_function_reexported_by_star_import_without_all(toy):
    records, _ = toy
    assert records["toypkg.shout"] == {
        "project": "toy",
        "qualname": "toypkg.shout",
        "kind": "function",
        "signature": "shout(text, *args, **kwargs)",
        "params": ["text", "*args", "**kwargs"],
        "defined_in": f"toypkg/extra.py:{line(EXTRA, 'async def shout')}",
        "module": "toypkg.extra",
        "public_names": ["toypkg.shout", "toypkg.extra.shout"],
        "decorators": ["functools.lru_cache(maxsize=None)", "trace"],
        "docstring": "Shout.",
    }


def test_a_plain_module_importing_a_name_does_not_reexport_it(toy):
    records, _ = toy
    # extra.py imports helper (no public name toypkg.extra.helper); the package's star import of
    # extra, which has no __all__, does re-export it
    assert records["toypkg.helper"]["public_names"] == ["toypkg.helper", "toypkg.core.helper"]
    assert records["toypkg.helper"]["signature"] == "helper(x, y=(1,2))"  # defaults as written


def test_star_import_honours_all(toy):
    records, _ = toy
    assert records["toypkg.core.unlisted"]["public_names"] == ["toypkg.core.unlisted"]  # not in core.__all__
    assert records["toypkg.Widget"]["public_names"][0] == "toypkg.Widget"  # added by __all__ +=


def test_classes_without_init(toy):
    records, _ = toy
    plain, failure = records["toypkg.Plain"], records["toypkg.Failure"]
    assert (plain["signature"], plain["params"], plain["bases"], plain["docstring"]) == ("Plain()", [], [], "")
    assert (failure["signature"], failure["params"], failure["bases"], failure["docstring"]) == (
        "Failure(...)", [], ["RuntimeError"], "It failed.")


def test_absolute_renamed_chained_and_private_relay_reexports(toy):
    records, _ = toy
    assert records["toypkg.add"] == {
        "project": "toy",
        "qualname": "toypkg.add",
        "kind": "function",
        "signature": "add(a, b=2)",
        "params": ["a", "b"],
        "defined_in": "toypkg/tools/maths.py:1",
        "module": "toypkg.tools.maths",
        "public_names": ["toypkg.add", "toypkg.plus", "toypkg.relayed", "toypkg.api.fast", "toypkg.facade.fast",
                         "toypkg.tools.add", "toypkg.tools.maths.add"],
        "decorators": [],
        "doc_url": "https://example.org/tools-add.html",
        "docstring": "",
    }


def test_renamed_class_positional_only_init_and_lazy_list_entry(toy):
    records, _ = toy
    vector = records["toypkg.Vec"]
    assert vector["signature"] == "Vector(x: float = 0.0, y: float = 0.0, /)"
    assert vector["params"] == ["x", "y"]
    assert vector["public_names"] == ["toypkg.Vec", "toypkg.Vector2", "toypkg.tools.Vec", "toypkg.tools.maths.Vector"]
    assert records["toypkg.Vec.norm"]["public_names"] == [
        "toypkg.Vec.norm", "toypkg.Vector2.norm", "toypkg.tools.Vec.norm", "toypkg.tools.maths.Vector.norm"]
    assert "doc_url" not in vector


def test_lazy_attributes_and_star_import_with_a_non_literal_all(toy):
    records, _ = toy
    assert records["toypkg.lazy_fn"]["public_names"] == [
        "toypkg.lazy_fn", "toypkg.api.lazy_fn", "toypkg.api.quick", "toypkg.tools.lazy.lazy_fn"]
    assert records["toypkg.LazyAlias"]["public_names"] == [
        "toypkg.LazyAlias", "toypkg.api.LazyThing", "toypkg.tools.lazy.LazyThing"]
    assert records["toypkg.also"]["public_names"] == ["toypkg.also", "toypkg.api.also", "toypkg.tools.lazy.also"]
    assert records["toypkg.LazyAlias"]["signature"] == "LazyThing()"


def test_function_defined_in_a_package_init(toy):
    records, _ = toy
    version = records["toypkg.version"]
    assert (version["module"], version["defined_in"], version["public_names"], version["signature"]) == (
        "toypkg", f"toypkg/__init__.py:{line(INIT, 'def version')}", ["toypkg.version"], "version() -> str")


def test_key_order(toy):
    records, _ = toy
    assert list(records["toypkg.Widget"]) == ["project", "qualname", "kind", "signature", "params", "defined_in",
                                              "module", "public_names", "decorators", "bases", "doc_url", "docstring"]
    assert list(records["toypkg.helper"]) == ["project", "qualname", "kind", "signature", "params", "defined_in",
                                              "module", "public_names", "decorators", "docstring"]


def test_a_name_rebound_to_an_outside_object_is_no_longer_a_reexport(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {
        "shadow/__init__.py": "from .a import f, g, h\nfrom os.path import join as g\nimport json as h\n",
        "shadow/a.py": "def f():\n    pass\n\n\ndef g():\n    pass\n\n\ndef h():\n    pass\n",
    })
    records, _ = api_surface(root, "s")
    assert {r["qualname"]: r["public_names"] for r in records} == {
        "shadow.a.g": ["shadow.a.g"],
        "shadow.a.h": ["shadow.a.h"],
        "shadow.f": ["shadow.f", "shadow.a.f"],
    }


def test_source_text_with_non_ascii_crlf_and_multi_line_defaults(tmp_path: Path):
    package = tmp_path / "repo" / "u"
    package.mkdir(parents=True)
    source = (
        'def label(text="café", *, unit=\'Å\', sizes=[\r\n    1,\r\n    2]) -> "ñ":\r\n    pass\r\n'
        "\r\n\r\ndef second():\r\n    pass\r\n"
    )
    (package / "__init__.py").write_bytes(source.encode("utf-8"))
    records, _ = api_surface(tmp_path / "repo", "u")
    assert [(r["signature"], r["defined_in"]) for r in records] == [
        ("label(text=\"café\", *, unit='Å', sizes=[1, 2]) -> \"ñ\"", "u/__init__.py:1"),  # multi-line: unparsed
        ("second()", "u/__init__.py:7"),
    ]


def test_default_packages_and_src_layout(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {
        "rootpkg/__init__.py": "def g():\n    pass\n",
        "src/srcpkg/__init__.py": "from .mod import f\n",
        "src/srcpkg/mod.py": "def f():\n    pass\n",
        "tests/__init__.py": "def t():\n    pass\n",
        "testing_utils/__init__.py": "def tu():\n    pass\n",
        "docs/__init__.py": "def d():\n    pass\n",
        "examples/__init__.py": "def e():\n    pass\n",
        "benchmarks/__init__.py": "def b():\n    pass\n",
        "devtools/__init__.py": "def dt():\n    pass\n",
        "plain_folder/x.py": "def x():\n    pass\n",
    })
    assert find_packages(root) == [root / "rootpkg", root / "src" / "srcpkg"]
    records, stats = api_surface(root, "p")
    assert [(r["qualname"], r["defined_in"], r["module"]) for r in records] == [
        ("rootpkg.g", "rootpkg/__init__.py:1", "rootpkg"),
        ("srcpkg.f", "src/srcpkg/mod.py:1", "srcpkg.mod"),
    ]
    assert records[1]["public_names"] == ["srcpkg.f", "srcpkg.mod.f"]
    assert (stats["modules_parsed"], stats["public_modules"]) == (3, 3)
    only, _ = api_surface(root, "p", packages=["srcpkg"])
    assert [r["qualname"] for r in only] == ["srcpkg.f"]
    with pytest.raises(FileNotFoundError):
        api_surface(root, "p", packages=["nowhere"])


def test_the_records_are_api_records_and_api_surface_is_their_json_form(toy_repo):
    records, stats = api_records(toy_repo, "toy", doc_urls=DOC_URLS)
    assert all(isinstance(r, ApiRecord) for r in records)
    as_json, json_stats = api_surface(toy_repo, "toy", doc_urls=DOC_URLS)
    assert [r.to_json() for r in records] == as_json and stats == json_stats
    assert [ApiRecord.from_json(json.loads(json.dumps(r))) for r in as_json] == records


def test_without_doc_urls_no_record_has_a_doc_url(toy_repo):
    records, stats = api_surface(toy_repo, "toy")
    assert not any("doc_url" in r for r in records)
    assert stats["with_doc_url"] == 0


# ---------------------------------------------------------------- the real corpus file's format


def _key_tuples(records: list[dict], kind: str) -> set[tuple[str, ...]]:
    return {tuple(r) for r in records if r["kind"] == kind}


@pytest.mark.needs_corpus
@pytest.mark.parametrize("project, doc_urls", [("topomt", None), ("molsysmt", DOC_URLS)])
def test_key_order_matches_the_real_corpus_file(toy_repo, project, doc_urls):
    path = load_settings().corpus / project / "_api_surface.jsonl"
    if not path.is_file():
        pytest.skip(f"no real API-surface file at {path}")
    with path.open(encoding="utf-8") as handle:
        real = [json.loads(row) for row in handle if row.strip()]
    ours, _ = api_surface(toy_repo, "toy", doc_urls=doc_urls)
    for kind in ("class", "function", "method"):
        assert _key_tuples(ours, kind) == _key_tuples(real, kind), kind


@pytest.mark.needs_corpus
@pytest.mark.parametrize("project", ["molsysmt", "molsysviewer", "pyunitwizard", "topomt"])
def test_the_real_corpus_file_is_written_back_byte_for_byte(project):
    """Every line read into an ApiRecord and written out again is the same bytes."""
    path = load_settings().corpus / project / "_api_surface.jsonl"
    if not path.is_file():
        pytest.skip(f"no real API-surface file at {path}")
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines.pop() == ""  # the file ends with a newline
    written = [record.to_line() for record in read_api_surface(path)]
    assert len(written) == len(lines)
    for number, (ours, theirs) in enumerate(zip(written, lines, strict=True), 1):
        assert ours == theirs, f"{path}:{number}"
