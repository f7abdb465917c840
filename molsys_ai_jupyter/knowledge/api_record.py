"""One record of a project's ``_api_surface.jsonl``: a public function, class or method.

The one typed form of the corpus file's lines: ``snapshot.api_surface`` builds them and writes
:meth:`ApiRecord.to_json`; the symbol registry, the API cards and the training examples read
them with :func:`read_api_surface` (or :meth:`ApiRecord.from_json`).

Fields, in the order of the file: ``project``, ``qualname`` (the shortest public dotted name),
``kind`` (``function``, ``class``, ``method``, ``property``, ``staticmethod``,
``classmethod``), ``signature`` (``name(params) -> returns`` as written), ``params`` (the
parameter names, ``*args``/``**kwargs`` prefixed, ``self`` included), ``defined_in``
(``path.py:line``), ``module``, ``public_names`` (every public dotted name, the qualname
first), ``decorators``, ``bases`` (written for classes only), ``doc_url`` (written only when
known) and ``docstring`` (``""`` when there is none).

Only ``qualname`` is required; a missing ``project`` is the qualname's first component, a
missing ``public_names`` is the qualname alone, and the others are empty (``kind``:
``function``). A field of the wrong type is an :class:`ApiRecordError` naming the symbol (and
the file and line, when read from a file); keys the format does not know are ignored.
Standard library only: the registry imports it in Pyodide.

>>> record = ApiRecord.from_json({"qualname": "mini.select", "signature": "select(system, selection='all')",
...                               "params": ["system", "selection"], "module": "mini.basic"})
>>> record.project, record.kind, record.public_names
('mini', 'function', ('mini.select',))
>>> list(record.to_json())
['project', 'qualname', 'kind', 'signature', 'params', 'defined_in', 'module', 'public_names', 'decorators', 'docstring']
>>> ApiRecord.from_json(record.to_json()) == record
True
>>> try:
...     ApiRecord.from_json({"qualname": "mini.select", "params": "system"}, where="mini/_api_surface.jsonl:3")
... except ApiRecordError as error:
...     print(error.message)
malformed API record mini.select (mini/_api_surface.jsonl:3): 'params' must be a list of strings, not str
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from molsys_ai_jupyter.errors import MolsysAIError

_HINT = "rebuild the corpus snapshot (molsys-ai corpus build) or fix that line"
_TEXT_FIELDS = ("project", "kind", "signature", "defined_in", "module", "docstring")
_LIST_FIELDS = ("params", "public_names", "decorators", "bases")


class ApiRecordError(MolsysAIError):
    """A line of an ``_api_surface.jsonl`` that is not a valid API record."""


@dataclass(frozen=True, kw_only=True)
class ApiRecord:
    """One public function, class or method of a project (one line of ``_api_surface.jsonl``)."""

    project: str = ""  # "" -> the qualname's first component
    qualname: str
    kind: str = "function"
    signature: str = ""
    params: tuple[str, ...] = ()
    defined_in: str = ""
    module: str = ""
    public_names: tuple[str, ...] = ()  # () -> (qualname,)
    decorators: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    doc_url: str | None = None
    docstring: str = ""

    def __post_init__(self) -> None:
        if not self.project:
            object.__setattr__(self, "project", self.qualname.split(".", 1)[0])
        if not self.public_names:
            object.__setattr__(self, "public_names", (self.qualname,))

    @property
    def is_class(self) -> bool:
        return self.kind == "class"

    @classmethod
    def from_json(cls, data: Any, where: str | None = None) -> ApiRecord:
        """A record from one parsed JSON line; ``where`` (``path:line``) goes into the error."""
        if not isinstance(data, Mapping):
            raise _error("?", where, f"a record must be a JSON object, not {type(data).__name__}")
        qualname = data.get("qualname")
        if not isinstance(qualname, str) or not qualname.strip():
            raise _error("?", where, f"'qualname' must be a non-empty string, not {qualname!r:.60}")
        fields: dict[str, Any] = {"qualname": qualname}
        for name in _TEXT_FIELDS:
            value = data.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise _error(qualname, where, f"{name!r} must be a string, not {type(value).__name__}")
            fields[name] = value
        for name in _LIST_FIELDS:
            value = data.get(name)
            if value is None:
                continue
            if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
                raise _error(qualname, where, f"{name!r} must be a list of strings, not {_describe(value)}")
            fields[name] = tuple(value)
        doc_url = data.get("doc_url")
        if doc_url is not None and not isinstance(doc_url, str):
            raise _error(qualname, where, f"'doc_url' must be a string, not {type(doc_url).__name__}")
        fields["doc_url"] = doc_url
        return cls(**fields)

    def to_json(self) -> dict[str, Any]:
        """The record as written to ``_api_surface.jsonl`` (the same keys, in the same order):
        ``bases`` for classes only, ``doc_url`` only when known."""
        data: dict[str, Any] = {
            "project": self.project,
            "qualname": self.qualname,
            "kind": self.kind,
            "signature": self.signature,
            "params": list(self.params),
            "defined_in": self.defined_in,
            "module": self.module,
            "public_names": list(self.public_names),
            "decorators": list(self.decorators),
        }
        if self.is_class or self.bases:
            data["bases"] = list(self.bases)
        if self.doc_url is not None:
            data["doc_url"] = self.doc_url
        data["docstring"] = self.docstring
        return data

    def to_line(self) -> str:
        """One line of ``_api_surface.jsonl`` (UTF-8 kept as is, no newline)."""
        return json.dumps(self.to_json(), ensure_ascii=False)


def read_api_surface(path: str | Path, skip_malformed: bool = False) -> list[ApiRecord]:
    """The records of one ``_api_surface.jsonl``, in file order (blank lines skipped).

    A line that is not JSON or not a valid record raises :class:`ApiRecordError` naming the
    file and line, or is left out with ``skip_malformed``."""
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _error("?", where, f"not JSON ({exc.msg})") from None
                records.append(ApiRecord.from_json(data, where))
            except ApiRecordError:
                if not skip_malformed:
                    raise
    return records


def _error(qualname: str, where: str | None, problem: str) -> ApiRecordError:
    place = f" ({where})" if where else ""
    return ApiRecordError(f"malformed API record {qualname}{place}: {problem}", hint=_HINT)


def _describe(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        odd = next(item for item in value if not isinstance(item, str))
        return f"a list holding {type(odd).__name__}"
    return type(value).__name__
