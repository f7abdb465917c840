"""The API symbol registry: every public name of the MolSysSuite libraries.

Built from the ``<project>/_api_surface.jsonl`` files of the documentation corpus
(one :class:`~molsys_ai_jupyter.knowledge.api_record.ApiRecord` per public function,
class or method; see the corpus README), or from records made in memory
(:meth:`SymbolRegistry.from_records`).
It answers "does ``molsysmt.structure.align`` exist?", "does
``molsysmt.structure.get_rmsd`` take a ``selektion`` keyword?" and "what did the
writer probably mean?".

Stdlib only (difflib, dataclasses; json in ``api_record``): it must import in Pyodide.
Malformed lines of a corpus file are left out (the registry of the rest still works).
Loading the four files takes a fraction of a second; :func:`load_registry`
caches one registry per corpus path.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

from molsys_ai_jupyter.errors import CorpusNotFound

from .api_record import ApiRecord, read_api_surface

API_SURFACE_FILE = "_api_surface.jsonl"

#: Kinds of records that live on a class.
MEMBER_KINDS = frozenset({"method", "property", "staticmethod", "classmethod"})

#: Module attributes that are real but are plain objects (not functions or
#: classes), so the AST-built surface does not list them. Anything below one
#: of these names is not checked. Taken from the packages' own documentation.
OPAQUE_ATTRIBUTES = frozenset(
    {
        "molsysmt.systems.demo",  # dict of demo files: msm.systems.demo['...']
        "molsysmt.thirds.openmm.available_platforms",
        "molsysmt.thirds.openmm.loading_failures",
        "molsysmt.hbonds.acceptor_inclusion_rules",  # lists of selection rules
        "molsysmt.hbonds.acceptor_exclusion_rules",
        "molsysmt.hbonds.donor_inclusion_rules",
        "molsysmt.hbonds.donor_exclusion_rules",
        "molsysmt.element.bond.max_expected_bond_length",  # nested dict
    }
)

#: Modules that mostly hold state variables (configuration tables), so an
#: unknown attribute on them is not reported.
OPEN_MODULES = frozenset({"pyunitwizard.kernel", "molsysmt.config", "topomt.config"})

#: Module attributes that are another package re-exported under a new name.
MODULE_ALIASES = {
    "molsysmt.pyunitwizard": "pyunitwizard",  # from molsysmt import pyunitwizard as puw
}

#: Low-level namespaces that rank below user-facing names in suggestions.
_INTERNAL_PENALTIES = (
    ("molsysmt.form.", 0.4),
    ("molsysmt.lib.", 0.25),
    ("molsysmt.thirds.", 0.25),
    ("pyunitwizard.forms.", 0.3),
    ("pyunitwizard.utils.", 0.25),
    ("pyunitwizard.kernel", 0.25),
)
#: Candidates scoring below this (after penalties) are not worth showing.
_MIN_SUGGESTION_SCORE = 0.6
#: ... and below this fraction of the best candidate's score.
_RELATIVE_FLOOR = 0.6
#: Dotted names deeper than this are not real (the deepest has 7 parts).
MAX_DEPTH = 16

_INTERNAL_PREFIXES = tuple(p for p, _ in _INTERNAL_PENALTIES)

_FORM_RE = re.compile(r"""\bform\s*=\s*['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class Symbol:
    """One public function, class, method or property.

    ``name`` is the canonical (shortest public) dotted name; ``public_names``
    holds every dotted name the object is reachable under.
    """

    name: str
    project: str
    kind: str
    signature: str
    params: tuple[str, ...]
    module: str
    public_names: tuple[str, ...]
    doc_url: str | None = None
    docstring: str = ""
    defined_in: str = ""
    bases: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, record: ApiRecord) -> "Symbol":
        return cls(
            name=record.qualname,
            project=record.project,
            kind=record.kind,
            signature=record.signature,
            params=record.params,
            module=record.module,
            public_names=record.public_names,
            doc_url=record.doc_url,
            docstring=record.docstring,
            defined_in=record.defined_in,
            bases=record.bases,
            decorators=record.decorators,
        )

    @property
    def qualname(self) -> str:
        """Alias of :attr:`name` (the corpus field name)."""
        return self.name

    @property
    def is_class(self) -> bool:
        return self.kind == "class"

    @property
    def is_member(self) -> bool:
        """True for methods and properties (records that live on a class)."""
        return self.kind in MEMBER_KINDS

    @property
    def signature_unknown(self) -> bool:
        """The AST walk could not render the arguments (``Foo(...)``)."""
        return not self.params and "(...)" in self.signature

    @property
    def accepts_var_kwargs(self) -> bool:
        """True when the signature has ``**kwargs`` (or is not known)."""
        return self.signature_unknown or any(p.startswith("**") for p in self.params)

    @property
    def keyword_params(self) -> tuple[str, ...]:
        """Parameter names that can be passed by keyword.

        Leaves out ``*args``/``**kwargs`` and the ``self``/``cls`` of methods.
        """
        names = [p for p in self.params if not p.startswith("*")]
        if self.kind in ("method", "property", "classmethod") and names and names[0] in ("self", "cls"):
            names = names[1:]
        return tuple(names)

    def accepts_kwarg(self, name: str) -> bool:
        return self.accepts_var_kwargs or name in self.keyword_params

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "project": self.project,
            "kind": self.kind,
            "signature": self.signature,
            "params": list(self.params),
            "module": self.module,
            "public_names": list(self.public_names),
            "doc_url": self.doc_url,
            "defined_in": self.defined_in,
        }


class PathCheck(NamedTuple):
    """How far a dotted name is real (:meth:`SymbolRegistry.check_path`).

    ``known``: every component exists. Otherwise ``unknown_at`` is the index of
    the first component that does not exist, or None when the walk stopped
    without a verdict (a plain-object attribute, a private name, a member of
    something whose members the registry cannot list, a name too deep to be real).
    """

    known: bool
    unknown_at: int | None = None


def _prefixes(dotted: str) -> Iterator[str]:
    """``a.b.c`` -> ``a``, ``a.b`` (proper prefixes only)."""
    parts = dotted.split(".")
    for i in range(1, len(parts)):
        yield ".".join(parts[:i])


def _tokens(name: str) -> set[str]:
    return {t for t in name.lower().split("_") if t}


def _shared_tokens(q_tokens: set[str], c_tokens: set[str]) -> int:
    """Query words found in the candidate, whole or abbreviated (``ref`` ~ ``reference``)."""
    return sum(
        1 for q in q_tokens if q in c_tokens or (len(q) >= 3 and any(c.startswith(q) for c in c_tokens))
    )


def _similarity(query: str, candidate: str) -> float:
    """How close two last components are (0..~2): difflib ratio + word overlap."""
    q, c = query.lower(), candidate.lower()
    if q == c:
        return 2.0
    score = difflib.SequenceMatcher(None, q, c).ratio()
    q_tokens, c_tokens = _tokens(q), _tokens(c)
    if q_tokens and c_tokens:
        shared = _shared_tokens(q_tokens, c_tokens)
        score += 0.5 * shared / len(q_tokens) + 0.1 * min(shared, len(c_tokens)) / len(c_tokens)
    if len(q) >= 3 and q in c:
        score += 0.25
    elif len(c) >= 3 and c in q:
        score += 0.15
    return score


class SymbolRegistry:
    """All public names of the MolSysSuite libraries, with lookup and suggestions."""

    def __init__(self, symbols: Iterable[Symbol]):
        self._symbols: list[Symbol] = []
        self._by_name: dict[str, Symbol] = {}
        self._modules: set[str] = set()
        self._children: dict[str, set[str]] = {}
        self._by_last: dict[str, list[str]] = {}
        self._forms: set[str] = set()
        for symbol in symbols:
            self._add(symbol)
        self._finish()

    # ------------------------------------------------------------------ build

    @classmethod
    def from_corpus(cls, path: str | Path) -> "SymbolRegistry":
        """Read every ``_api_surface.jsonl`` under ``path`` (one per project).

        Cached per resolved path, so calling it again is free. ``path`` may
        also be a single ``_api_surface.jsonl`` file.
        """
        return _load_cached(str(Path(path).expanduser().resolve()))

    @classmethod
    def _read(cls, path: str | Path) -> "SymbolRegistry":
        root = Path(path)
        if root.is_file():
            files = [root]
        else:
            files = sorted(root.glob(f"*/{API_SURFACE_FILE}")) or sorted(root.rglob(API_SURFACE_FILE))
        if not files:
            raise CorpusNotFound(
                f"No {API_SURFACE_FILE} files under {root}",
                hint="set MOLSYS_AI_CORPUS (or MOLSYS_AI_DATA) to the corpus folder",
            )
        return cls.from_records(record for path in files for record in read_api_surface(path, skip_malformed=True))

    @classmethod
    def from_records(cls, records: Iterable[ApiRecord | Mapping[str, Any]]) -> "SymbolRegistry":
        """Build from API-surface records, in order: :class:`ApiRecord` objects or their JSON
        form (checked by :meth:`ApiRecord.from_json`). A registry of a few records is enough
        for a test:

        >>> registry = SymbolRegistry.from_records([
        ...     {"qualname": "mini.select", "signature": "select(system, selection='all')",
        ...      "params": ["system", "selection"], "module": "mini.basic",
        ...      "public_names": ["mini.select", "mini.basic.select"]}])
        >>> registry.resolve("mini.basic.select").name, registry.is_module("mini.basic")
        ('mini.select', True)
        >>> registry.accepts_kwarg("mini.select", "selection"), registry.suggest("mini.selekt")
        (True, ['mini.select'])
        """
        return cls(
            Symbol.from_record(r if isinstance(r, ApiRecord) else ApiRecord.from_json(r)) for r in records
        )

    def _add(self, symbol: Symbol) -> None:
        self._symbols.append(symbol)
        if symbol.module:
            self._modules.add(symbol.module)
            self._modules.update(_prefixes(symbol.module))
        for name in symbol.public_names:
            self._by_name.setdefault(name, symbol)
        self._forms.update(_FORM_RE.findall(" ".join(symbol.decorators)))

    def _finish(self) -> None:
        # Prefixes of public names are modules unless they name a class
        # (``molsysviewer.MolSysView`` in ``molsysviewer.MolSysView.show``).
        for name in self._by_name:
            for prefix in _prefixes(name):
                owner = self._by_name.get(prefix)
                if owner is None or not owner.is_class:
                    self._modules.add(prefix)
        for name in list(self._by_name) + sorted(self._modules):  # sorted: the same order in every process
            parent, _, last = name.rpartition(".")
            if parent:
                self._children.setdefault(parent, set()).add(last)
            self._by_last.setdefault(last.lower(), []).append(name)
        self._projects = tuple(sorted({s.project for s in self._symbols}))
        # The packages holding the plain-object attributes exist too
        # (``molsysmt.element.bond`` holds only tables, so it has no record).
        for opaque in OPAQUE_ATTRIBUTES:
            if opaque.split(".", 1)[0] in self._projects:
                self._modules.update(p for p in _prefixes(opaque) if p not in self._by_name)
        self._bases_cache: dict[str, tuple[Symbol, ...] | None] = {}
        self._suggest_cache: dict[tuple[str, int], list[str]] = {}

    # ---------------------------------------------------------------- queries

    @property
    def projects(self) -> tuple[str, ...]:
        """Top-level package names (molsysmt, molsysviewer, pyunitwizard, topomt)."""
        return self._projects

    @property
    def symbols(self) -> list[Symbol]:
        """Every record, in file order."""
        return list(self._symbols)

    @property
    def names(self) -> list[str]:
        """Every public dotted name."""
        return list(self._by_name)

    def named(self, last: str) -> list[Symbol]:
        """The public symbols whose last component is ``last`` (``children_of`` →
        ``topomt.Topography.children_of``), in file order."""
        found = (self.resolve(name) for name in self._by_last.get(last.lower(), ()))
        unique = {symbol.name: symbol for symbol in found if symbol is not None and symbol.name.rsplit(".", 1)[-1] == last}
        return list(unique.values())

    @property
    def modules(self) -> frozenset[str]:
        return frozenset(self._modules)

    @property
    def form_names(self) -> frozenset[str]:
        """molsysmt form strings seen in ``@digest(form=...)`` (``'molsysmt.MolSys'``)."""
        return frozenset(self._forms)

    def __len__(self) -> int:
        return len(self._symbols)

    def __contains__(self, dotted: object) -> bool:
        return isinstance(dotted, str) and self.is_known(dotted)

    def canonical_path(self, dotted: str) -> str:
        """Rewrite module aliases (``molsysmt.pyunitwizard.x`` -> ``pyunitwizard.x``)."""
        for alias, target in MODULE_ALIASES.items():
            if dotted == alias or dotted.startswith(alias + "."):
                return target + dotted[len(alias):]
        return dotted

    def resolve(self, dotted: str) -> Symbol | None:
        """The symbol a public dotted name refers to, or None.

        Members inherited from a base class in the same project resolve too
        (``topomt.features.Pocket.info`` -> ``BaseFeature.info``).
        """
        if not isinstance(dotted, str) or not dotted:
            return None
        dotted = self.canonical_path(dotted)
        symbol = self._by_name.get(dotted)
        if symbol is not None:
            return symbol
        owner_name, _, member = dotted.rpartition(".")
        owner = self._by_name.get(owner_name) if owner_name else None
        if owner is None or not owner.is_class:
            return None
        for base in self._base_classes(owner) or ():
            for base_name in base.public_names:
                found = self._by_name.get(f"{base_name}.{member}")
                if found is not None:
                    return found
        return None

    def is_module(self, dotted: str) -> bool:
        """True for a package or module (``molsysmt.structure``)."""
        if not isinstance(dotted, str):
            return False
        return self.canonical_path(dotted) in self._modules

    def is_opaque(self, dotted: str) -> bool:
        """True for a known plain-object attribute or anything below one.

        That covers :data:`OPAQUE_ATTRIBUTES` and every attribute of the
        :data:`OPEN_MODULES` that is not a known symbol or module.
        """
        if not isinstance(dotted, str):
            return False
        if any(dotted == o or dotted.startswith(o + ".") for o in OPAQUE_ATTRIBUTES):
            return True
        return any(
            dotted.startswith(m + ".") and self.resolve(dotted) is None and not self.is_module(dotted)
            for m in OPEN_MODULES
        )

    def is_known(self, dotted: str) -> bool:
        """True for a symbol, a module, or a known plain-object attribute."""
        if not isinstance(dotted, str) or not dotted:
            return False
        return self.resolve(dotted) is not None or self.is_module(dotted) or self.is_opaque(dotted)

    def is_project_name(self, dotted: str) -> bool:
        """True when the first component is one of the projects."""
        return isinstance(dotted, str) and dotted.split(".", 1)[0] in self._projects

    def is_open_class(self, symbol: Symbol) -> bool:
        """True when a class may have members the registry cannot see.

        That is, it has a base class outside the registry (``anywidget.AnyWidget``,
        ``pd.DataFrame``, ``RuntimeError``).
        """
        if not symbol.is_class:
            return False
        return self._base_classes(symbol) is None

    def can_flag_below(self, parent: str) -> bool:
        """True when every real member of ``parent`` is in the registry.

        Modules and classes without outside base classes qualify; attributes of
        functions, or of classes based on ``anywidget.AnyWidget`` etc., do not.
        """
        if self.is_module(parent):
            return True
        symbol = self.resolve(parent)
        return symbol is not None and symbol.is_class and not self.is_open_class(symbol)

    def check_path(self, dotted: str, start: int = 1) -> PathCheck:
        """Walk ``molsysmt.structure.get_rmsd`` one component at a time, from
        ``parts[start]`` on (the earlier ones are taken as real), and say where it
        stops being real. The one walk of dotted names: the verifier's code and
        prose checks both use it."""
        parts = dotted.split(".")
        if len(parts) > MAX_DEPTH:
            return PathCheck(False)
        for i in range(start, len(parts)):
            prefix = ".".join(parts[: i + 1])
            if self.is_opaque(prefix):
                return PathCheck(False)
            if self.is_known(prefix):
                continue
            if parts[i].startswith("_") or not self.can_flag_below(".".join(parts[:i])):
                return PathCheck(False)
            return PathCheck(False, i)
        return PathCheck(True)

    def accepts_kwarg(self, dotted: str, name: str) -> bool:
        """True when the callable accepts ``name`` as a keyword argument.

        Unknown names return False. A class is checked against ``__init__``;
        a class with an unknown signature (or outside bases and no own
        arguments) accepts anything.
        """
        symbol = self.resolve(dotted)
        if symbol is None:
            return False
        if symbol.accepts_kwarg(name):
            return True
        return symbol.is_class and not symbol.params and self.is_open_class(symbol)

    def members(self, dotted: str) -> list[str]:
        """Names directly below a module or class (last components, sorted)."""
        return sorted(self._children.get(self.canonical_path(dotted), ()))

    # ------------------------------------------------------------ suggestions

    def suggest(self, dotted: str, n: int = 3) -> list[str]:
        """The closest real public names to a (probably wrong) dotted name.

        Siblings in the longest known prefix (module or class) are ranked by
        last-component similarity (difflib ratio, shared words, substring);
        same-named or similar names anywhere in the same project are the
        fallback. Internal ``molsysmt.form.*`` names rank last.
        """
        if not isinstance(dotted, str) or not dotted.strip() or n <= 0:
            return []
        key = (dotted, n)
        cached = self._suggest_cache.get(key)
        if cached is None:
            if len(self._suggest_cache) > 4096:
                self._suggest_cache.clear()
            cached = self._suggest_cache[key] = self._suggest(dotted, n)
        return list(cached)

    def _suggest(self, dotted: str, n: int) -> list[str]:
        dotted = self.canonical_path(dotted.strip().strip("."))
        parts = [p for p in dotted.split(".") if p]
        if len(parts) > MAX_DEPTH:
            return []
        if not parts:
            return []
        project = parts[0] if parts[0] in self._projects else None
        scores: dict[str, float] = {}

        def offer(name: str, score: float) -> None:
            if score > scores.get(name, -1.0):
                scores[name] = score

        # Longest known prefix that can hold members.
        k = len(parts) - 1
        while k > 0 and not self._is_container(".".join(parts[:k])):
            k -= 1
        if k > 0:
            prefix = ".".join(parts[:k])
            rest = parts[k:]
            for child in self._children.get(prefix, ()):
                sim = _similarity(rest[0], child)
                if sim < 0.55:
                    continue
                candidate = f"{prefix}.{child}"
                if len(rest) > 1:
                    tail = f"{candidate}.{'.'.join(rest[1:])}"
                    if self.is_known(tail):
                        offer(tail, sim + 0.3)
                        continue
                    if not self._is_container(candidate):
                        continue
                    # Right container, wrong member: look inside it.
                    for member in self._children.get(candidate, ()):
                        msim = _similarity(rest[-1], member)
                        if msim >= 0.6:
                            offer(f"{candidate}.{member}", (sim + msim) / 2)
                else:
                    offer(candidate, sim + 0.2)

        # Same last component (or a close one) anywhere in the project.
        last = parts[-1]
        last_keys = [last.lower()]
        last_keys += difflib.get_close_matches(last.lower(), self._by_last.keys(), n=8, cutoff=0.75)
        for key in dict.fromkeys(last_keys):
            sim = _similarity(last, key)
            for name in self._by_last.get(key, ()):
                if project and not name.startswith(project + "."):
                    continue
                offer(name, sim - 0.05 * name.count("."))

        ranked: list[str] = []
        seen: set[int] = set()
        query_parent = dotted.rpartition(".")[0]
        ordered = sorted(scores.items(), key=lambda kv: (-self._rank(kv[0], kv[1], query_parent), kv[0]))
        floor = _MIN_SUGGESTION_SCORE
        if ordered:
            floor = max(floor, _RELATIVE_FLOOR * self._rank(ordered[0][0], ordered[0][1], query_parent))
        for name, score in ordered:
            if name == dotted or self._rank(name, score, query_parent) < floor:
                continue
            target = self.resolve(name)
            identity = id(target) if target is not None else id(name)
            if identity in seen:
                continue
            seen.add(identity)
            ranked.append(self._display_name(name, target, dotted))
            if len(ranked) >= n:
                break
        return ranked

    def suggest_kwarg(self, dotted: str, name: str, n: int = 1) -> list[str]:
        """The closest real parameter names of ``dotted`` to a wrong keyword."""
        symbol = self.resolve(dotted)
        if symbol is None or not isinstance(name, str):
            return []
        # difflib ratio plus word overlap: ``reference_selection`` for ``ref_selection``.
        scored = sorted(((-_similarity(name, p), p) for p in symbol.keyword_params))
        return [p for score, p in scored[:n] if -score >= 0.6 and p != name]

    # ---------------------------------------------------------------- helpers

    def _is_container(self, dotted: str) -> bool:
        if dotted in self._modules:
            return True
        symbol = self._by_name.get(dotted)
        return symbol is not None and symbol.is_class

    def _rank(self, name: str, score: float, query_parent: str) -> float:
        """Score adjusted for how user-facing a name is, relative to the query."""
        if not query_parent.startswith(_INTERNAL_PREFIXES):
            for prefix, penalty in _INTERNAL_PENALTIES:
                if name.startswith(prefix):
                    score -= penalty
                    break
        symbol = self._by_name.get(name)
        if symbol is None:
            score -= 0.1  # a bare module is a weaker answer than a callable
        elif symbol.is_member and not self._is_class_name(query_parent):
            score -= 0.3  # a method answers a module-level query poorly
        return score

    def _is_class_name(self, dotted: str) -> bool:
        symbol = self._by_name.get(dotted)
        return symbol is not None and symbol.is_class

    def _display_name(self, name: str, target: Symbol | None, query: str) -> str:
        """Prefer the canonical name, unless ``name`` sits where the query did."""
        if target is None:
            return name
        query_parent = query.rpartition(".")[0]
        if name.rpartition(".")[0] == query_parent:
            return name
        return target.name if target.name in target.public_names else name

    def _base_classes(self, symbol: Symbol) -> tuple[Symbol, ...] | None:
        """Resolved base classes (recursively); None when one is outside the registry."""
        if symbol.name in self._bases_cache:
            return self._bases_cache[symbol.name]
        self._bases_cache[symbol.name] = ()  # guards against cycles
        result: list[Symbol] = []
        open_class = False
        for base in symbol.bases:
            if base == "object":
                continue
            found = self._find_class(base, symbol)
            if found is None:
                open_class = True
                continue
            result.append(found)
            inherited = self._base_classes(found)
            if inherited is None:
                open_class = True
            else:
                result.extend(inherited)
        value = None if open_class else tuple(result)
        self._bases_cache[symbol.name] = value
        return value

    def _find_class(self, base: str, owner: Symbol) -> Symbol | None:
        candidates = [base, f"{owner.module}.{base}"]
        package = owner.module
        while "." in package:
            package = package.rpartition(".")[0]
            candidates.append(f"{package}.{base}")
        for name in candidates:
            found = self._by_name.get(name)
            if found is not None and found.is_class:
                return found
        same = [
            self._by_name[n]
            for n in self._by_last.get(base.rpartition(".")[2].lower(), ())
            if n in self._by_name and self._by_name[n].is_class and self._by_name[n].project == owner.project
        ]
        unique = {s.name: s for s in same}
        return next(iter(unique.values())) if len(unique) == 1 else None


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> SymbolRegistry:
    return SymbolRegistry._read(path)


def load_registry(corpus: str | Path) -> SymbolRegistry:
    """The registry of a corpus folder (``Settings.corpus``), built once per path and cached."""
    return _load_cached(str(Path(corpus).expanduser().resolve()))
