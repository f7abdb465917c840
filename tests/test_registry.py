"""SymbolRegistry against the real API-surface files of the corpus, and its
mechanics (keywords, suggestions, dotted walks) on a small registry built from
records (``SMALL``, trimmed copies of real records: no corpus needed).

Names come from ``<corpus>/<project>/_api_surface.jsonl``; the planted fakes
(``molsysmt.structure.align``, ``molsysmt.fetch``...) do not exist there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from molsys_ai_jupyter.errors import CorpusNotFound
from molsys_ai_jupyter.knowledge.api_record import ApiRecord, ApiRecordError
from molsys_ai_jupyter.knowledge.registry import MAX_DEPTH, PathCheck, SymbolRegistry, load_registry

PROJECTS = ("molsysmt", "molsysviewer", "pyunitwizard", "topomt")


def _record(qualname: str, *params: str, module: str, names: tuple[str, ...] = (), **fields) -> ApiRecord:
    """A record as the corpus file holds it; the signature is the parameters unless given."""
    fields.setdefault("signature", f"{qualname.rsplit('.', 1)[1]}({', '.join(params)})")
    return ApiRecord(qualname=qualname, params=params, module=module, public_names=(qualname, *names), **fields)


#: Real records of the corpus, trimmed to what the tests below look at.
SMALL = [
    _record("molsysmt.structure.get_rmsd", "molecular_system", "selection", "structure_indices",
            "reference_molecular_system", "reference_selection", "reference_structure_index", "syntax", "engine",
            module="molsysmt.structure.get_rmsd", names=("molsysmt.structure.get_rmsd.get_rmsd",),
            decorators=("digest()",),
            doc_url="https://www.uibcdf.org/molsysmt/api/structure/autosummary/molsysmt.structure.get_rmsd.html"),
    _record("molsysmt.structure.least_rmsd_align", "molecular_system", "selection", "reference_molecular_system",
            module="molsysmt.structure.least_rmsd_align", decorators=("digest()",)),
    _record("molsysmt.convert", "molecular_system", "to_form", "selection", "**kwargs",
            module="molsysmt.basic.convert", names=("molsysmt.basic.convert", "molsysmt.basic.convert.convert")),
    # '*kwargs': a varargs that happens to be called kwargs
    _record("molsysmt.molecular_dynamics.run_NVT_equilibration", "item", "protocol", "engine", "*kwargs",
            module="molsysmt.molecular_dynamics.run_NVT_equilibration"),
    _record("molsysmt.native.MolSys", "n_atoms", "n_groups", "n_bonds", kind="class", module="molsysmt.native.molsys",
            names=("molsysmt.native.molsys.MolSys",)),
    _record("molsysmt.config.set_default_quantities_form", "form", module="molsysmt.config"),
    _record("molsysmt.form.molsysmt_MolSys.to_file_pdb", "item", module="molsysmt.form.molsysmt_MolSys.to_file_pdb",
            decorators=("digest(form='molsysmt.MolSys')",)),
    _record("molsysmt.form.file_pdb.to_molsysmt_MolSys", "item", module="molsysmt.form.file_pdb.to_molsysmt_MolSys",
            decorators=("digest(form='file:pdb')",)),
    _record("molsysmt.form.mdtraj_Trajectory.to_molsysmt_MolSys", "item",
            module="molsysmt.form.mdtraj_Trajectory.to_molsysmt_MolSys",
            decorators=('digest(form="mdtraj.Trajectory")',)),
    _record("molsysmt.form.XYZ.get_n_atoms", "item", module="molsysmt.form.XYZ.get", decorators=("digest(form=form)",)),
    _record("pyunitwizard.convert", "quantity_or_unit", "to_unit", "to_form", "parser", "to_type",
            module="pyunitwizard.api.conversion", names=("pyunitwizard.api.conversion.convert",)),
    _record("molsysviewer.MolSysView", kind="class", module="molsysviewer.viewer",
            names=("molsysviewer.viewer.MolSysView",)),
    _record("molsysviewer.MolSysView.show", "self", "selection", "force", kind="method", module="molsysviewer.viewer",
            signature="show(self, selection='all', *, force=False)"),
    _record("molsysviewer.MolSysView.isolate", "self", "selection", kind="method", module="molsysviewer.viewer"),
    _record("molsysviewer.widget.MolSysViewerWidget", kind="class", module="molsysviewer.widget",
            signature="MolSysViewerWidget(...)", bases=("anywidget.AnyWidget",)),
]


@pytest.fixture(scope="module")
def small() -> SymbolRegistry:
    return SymbolRegistry.from_records(SMALL)


@pytest.fixture(scope="module")
def corpus(real_settings) -> Path:
    return real_settings.corpus


@pytest.fixture(scope="module")
def registry(corpus) -> SymbolRegistry:
    return SymbolRegistry.from_corpus(corpus)


def _records(corpus: Path, project: str) -> list[dict]:
    with open(corpus / project / "_api_surface.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# ------------------------------------------------------------------ loading


def test_loads_every_record_of_every_project(registry, corpus):
    expected = sum(len(_records(corpus, p)) for p in PROJECTS)
    assert len(registry) == expected
    molsysmt = [s for s in registry.symbols if s.project == "molsysmt"]
    assert len(molsysmt) >= 9000
    assert sum(s.name.startswith("molsysmt.form.") for s in molsysmt) > 8000


def test_projects(registry):
    assert registry.projects == PROJECTS


@pytest.mark.parametrize("project", PROJECTS)
def test_every_public_name_resolves_to_its_record(registry, corpus, project):
    for record in _records(corpus, project):
        for name in record["public_names"]:
            symbol = registry.resolve(name)
            assert symbol is not None, name
            assert symbol.name == record["qualname"], name
            assert registry.is_known(name)


def test_from_corpus_is_cached(mini_corpus):
    registry = SymbolRegistry.from_corpus(mini_corpus)
    assert SymbolRegistry.from_corpus(mini_corpus) is registry
    assert SymbolRegistry.from_corpus(str(mini_corpus)) is registry
    assert load_registry(mini_corpus) is registry


def test_toy_corpus(mini_corpus):
    reg = SymbolRegistry.from_corpus(mini_corpus)
    assert reg.projects == ("mini",)
    assert reg.resolve("mini.basic.select").name == "mini.select"
    assert reg.suggest("mini.selekt") == ["mini.select"]


def test_missing_corpus_raises_readable_error(tmp_path):
    with pytest.raises(CorpusNotFound):
        SymbolRegistry.from_corpus(tmp_path / "nowhere")


def test_from_records_minimal():
    reg = SymbolRegistry.from_records(
        [
            {
                "project": "molsysmt",
                "qualname": "molsysmt.demo_fn",
                "kind": "function",
                "signature": "demo_fn(a, b=1)",
                "params": ["a", "b"],
                "module": "molsysmt.sub.demo_fn",
                "public_names": ["molsysmt.demo_fn", "molsysmt.sub.demo_fn"],
            }
        ]
    )
    assert reg.resolve("molsysmt.sub.demo_fn").name == "molsysmt.demo_fn"
    assert reg.is_module("molsysmt.sub")
    assert reg.accepts_kwarg("molsysmt.demo_fn", "b")
    assert not reg.accepts_kwarg("molsysmt.demo_fn", "c")


def test_from_records_takes_records_and_their_json_form(small):
    from_json = SymbolRegistry.from_records(json.loads(json.dumps(r.to_json())) for r in SMALL)
    assert from_json.symbols == small.symbols
    assert [s.name for s in small.symbols] == [r.qualname for r in SMALL]  # in order
    assert small.projects == ("molsysmt", "molsysviewer", "pyunitwizard")


def test_a_malformed_record_is_a_readable_error():
    with pytest.raises(ApiRecordError, match=r"mini\.select.*'params' must be a list of strings"):
        SymbolRegistry.from_records([{"qualname": "mini.select", "params": "system"}])
    with pytest.raises(ApiRecordError, match="'qualname' must be a non-empty string"):
        SymbolRegistry.from_records([{"project": "mini", "kind": "function"}])


def test_malformed_lines_of_a_corpus_file_are_left_out(tmp_path):
    surface = tmp_path / "mini" / "_api_surface.jsonl"
    surface.parent.mkdir()
    good = ApiRecord(qualname="mini.select", params=("system", "selection"), module="mini.basic")
    surface.write_text("\n".join([
        "{not json", json.dumps(good.to_json()), json.dumps({"kind": "function"}), "[1, 2]",
        json.dumps({"qualname": "mini.bad", "params": [1]}), "",
    ]) + "\n", encoding="utf-8")
    reg = SymbolRegistry.from_corpus(tmp_path)
    assert [s.name for s in reg.symbols] == ["mini.select"]
    assert reg.accepts_kwarg("mini.select", "selection") and not reg.is_known("mini.bad")


def test_import_is_light():
    """The registry and verifier import without numpy/torch/haystack (Pyodide)."""
    code = (
        "import sys\n"
        "import molsys_ai_jupyter.knowledge.registry, molsys_ai_jupyter.knowledge.verifier\n"
        "heavy = {'numpy', 'torch', 'haystack', 'chromadb', 'sentence_transformers'}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "assert not loaded, loaded\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=root)


# ------------------------------------------------------------------ lookups


@pytest.mark.parametrize(
    "dotted, canonical, kind",
    [
        ("molsysmt.structure.get_rmsd", "molsysmt.structure.get_rmsd", "function"),
        ("molsysmt.structure.least_rmsd_align", "molsysmt.structure.least_rmsd_align", "function"),
        ("molsysmt.basic.convert", "molsysmt.convert", "function"),  # re-export
        ("molsysmt.basic.iterator.Iterator", "molsysmt.Iterator", "class"),
        ("molsysmt.native.molsys.MolSys", "molsysmt.native.MolSys", "class"),
        ("pyunitwizard.api.conversion.convert", "pyunitwizard.convert", "function"),
        ("molsysviewer.viewer.MolSysView.show", "molsysviewer.MolSysView.show", "method"),
        ("topomt.Topography.get_features", "topomt.Topography.get_features", "method"),
        # a member inherited from a base class of the same project
        ("topomt.features.Pocket.info", "topomt.features.BaseFeature.info", "method"),
        # molsysmt re-exports pyunitwizard: from molsysmt import pyunitwizard as puw
        ("molsysmt.pyunitwizard.convert", "pyunitwizard.convert", "function"),
        # an internal form function: in the registry too
        ("molsysmt.form.mdtraj_Trajectory.to_molsysmt_MolSys", None, "function"),
    ],
)
def test_resolve_real_names(registry, dotted, canonical, kind):
    symbol = registry.resolve(dotted)
    assert symbol is not None
    assert symbol.kind == kind
    if canonical:
        assert symbol.name == canonical


@pytest.mark.parametrize(
    "dotted",
    [
        "molsysmt.structure.align",  # the docs mention it; the API has least_rmsd_align
        "molsysmt.fetch",  # invented
        "molsysmt.MolSys",  # a form name ('molsysmt.MolSys'), not an attribute
        "pyunitwizard.convert_to",
        "molsysviewer.MolSysView.bogus",
        "numpy.array",
        "",
        "molsysmt..structure",
    ],
)
def test_resolve_unknown_names(registry, dotted):
    assert registry.resolve(dotted) is None
    assert not registry.is_known(dotted)


@pytest.mark.parametrize(
    "dotted, expected",
    [
        ("molsysmt", True),
        ("molsysmt.structure", True),  # only a prefix of public names
        ("molsysmt.form", True),
        ("molsysmt.native.molsys", True),
        ("pyunitwizard.configure", True),
        ("molsysviewer.shapes", True),
        ("topomt.features", True),
        ("molsysmt.pyunitwizard", True),  # module alias
        ("molsysmt.convert", False),  # a function
        ("molsysviewer.MolSysView", False),  # a class
        ("molsysmt.structur", False),
        ("numpy", False),
    ],
)
def test_is_module(registry, dotted, expected):
    assert registry.is_module(dotted) is expected


@pytest.mark.parametrize(
    "dotted, kwarg, expected",
    [
        ("molsysmt.structure.get_rmsd", "selection", True),
        ("molsysmt.structure.get_rmsd", "reference_molecular_system", True),
        ("molsysmt.structure.get_rmsd", "selektion", False),
        ("molsysmt.convert", "anything_at_all", True),  # has **kwargs
        ("molsysmt.convert", "to_form", True),
        ("pyunitwizard.convert", "to_unit", True),
        ("pyunitwizard.convert", "unit", False),
        # '*kwargs' in the data is a *varargs* named kwargs: no extra keywords
        ("molsysmt.molecular_dynamics.run_NVT_equilibration", "temperature", False),
        ("molsysmt.molecular_dynamics.run_NVT_equilibration", "protocol", True),
        ("molsysviewer.MolSysView.show", "force", True),  # keyword-only
        ("molsysviewer.MolSysView.show", "self", False),
        ("molsysmt.native.MolSys", "n_atoms", True),  # class -> __init__
        ("molsysmt.native.MolSys", "natoms", False),
        ("molsysviewer.widget.MolSysViewerWidget", "anything", True),  # signature unknown
        ("molsysmt.fetch", "selection", False),  # unknown callable
    ],
)
def test_accepts_kwarg(small, dotted, kwarg, expected):
    assert small.accepts_kwarg(dotted, kwarg) is expected


def test_symbol_fields(small):
    symbol = small.resolve("molsysmt.structure.get_rmsd")
    assert symbol.signature.startswith("get_rmsd(")
    assert "selection" in symbol.params
    assert symbol.doc_url and symbol.doc_url.startswith("https://")
    assert not symbol.accepts_var_kwargs
    assert small.resolve("molsysmt.convert").accepts_var_kwargs
    assert json.dumps(symbol.to_dict())


def test_form_names_come_from_digest_decorators(small):
    assert {"molsysmt.MolSys", "mdtraj.Trajectory", "file:pdb"} <= small.form_names
    assert "form" not in small.form_names  # digest(form=form): not a literal form name


# -------------------------------------------------------------- suggestions


@pytest.mark.parametrize(
    "wrong, expected, top",
    [
        ("molsysmt.structure.align", "molsysmt.structure.least_rmsd_align", 1),
        ("molsysmt.structure.rmsd_align", "molsysmt.structure.least_rmsd_align", 1),
        ("molsysmt.get_rmsd", "molsysmt.structure.get_rmsd", 1),  # wrong module
        ("molsysmt.structur.get_rmsd", "molsysmt.structure.get_rmsd", 1),  # typo in the module
        ("molsysmt.structur", "molsysmt.structure", 1),
        ("molsysmt.structure.get_distance", "molsysmt.structure.get_distances", 1),
        ("molsysmt.solvate", "molsysmt.build.solvate", 1),
        ("molsysmt.build.add_hydrogens", "molsysmt.build.add_missing_hydrogens", 1),
        ("molsysmt.MolSys", "molsysmt.native.MolSys", 1),
        ("pyunitwizard.convert_to", "pyunitwizard.convert", 1),
        ("pyunitwizard.get_standard", "pyunitwizard.get_standard_units", 3),
        ("molsysviewer.MolSysView.shwo", "molsysviewer.MolSysView.show", 1),
        ("topomt.Topography.get_feature", "topomt.Topography.get_features", 3),
        ("molsysmt.structure.rmsd", "molsysmt.structure.get_rmsd", 3),
    ],
)
def test_suggest(registry, wrong, expected, top):
    suggestions = registry.suggest(wrong, n=3)
    assert expected in suggestions[:top], suggestions


@pytest.mark.parametrize(
    "wrong", ["molsysmt.structure.align", "molsysmt.fetch", "pyunitwizard.convert_to", "molsysmt.x.y.z", "zzz"]
)
@pytest.mark.parametrize("n", [1, 3, 5])
def test_suggestions_are_real_and_bounded(registry, wrong, n):
    suggestions = registry.suggest(wrong, n=n)
    assert len(suggestions) <= n
    assert wrong not in suggestions
    assert all(registry.is_known(s) for s in suggestions)
    assert len(set(suggestions)) == len(suggestions)


@pytest.mark.parametrize("junk", ["", "   ", ".", "...", "a" * 5000, "molsysmt." + ".".join(["x"] * 500), None, 42])
def test_suggest_never_raises(small, junk):
    assert isinstance(small.suggest(junk), list)


@pytest.mark.parametrize(
    "dotted, wrong, expected",
    [
        ("molsysmt.structure.get_rmsd", "selektion", "selection"),
        ("molsysmt.structure.get_rmsd", "ref_selection", "reference_selection"),
        ("pyunitwizard.convert", "unit", "to_unit"),
        ("molsysmt.convert", "to_fom", "to_form"),
        ("molsysviewer.MolSysView.show", "forse", "force"),
    ],
)
def test_suggest_kwarg(small, dotted, wrong, expected):
    assert small.suggest_kwarg(dotted, wrong)[:1] == [expected]


def test_members(small):
    members = small.members("molsysmt.structure")
    assert "get_rmsd" in members and "least_rmsd_align" in members
    assert "show" in small.members("molsysviewer.MolSysView")


@pytest.mark.parametrize(
    "dotted, start, expected",
    [
        ("molsysmt.structure.get_rmsd", 1, PathCheck(True)),
        ("molsysviewer.MolSysView.isolate", 1, PathCheck(True)),
        ("molsysmt.structure.align", 1, PathCheck(False, 2)),  # the first name that does not exist
        ("molsysmt.structure.align.more", 1, PathCheck(False, 2)),
        ("molsysmt.fetch.x", 1, PathCheck(False, 1)),
        ("molsysmt.structure.align", 3, PathCheck(True)),  # the given prefix is taken as real
        ("molsysmt.systems.demo.anything", 1, PathCheck(False)),  # below a plain-object attribute
        ("molsysmt.config.anything", 1, PathCheck(False)),  # a configuration module
        ("molsysmt._private", 1, PathCheck(False)),  # private names are not reported
        ("molsysmt." + ".".join(["x"] * MAX_DEPTH), 1, PathCheck(False)),  # too deep to be real
    ],
)
def test_check_path(small, dotted, start, expected):
    assert small.check_path(dotted, start) == expected


def test_can_flag_below(small):
    assert small.can_flag_below("molsysmt.structure")  # a module
    assert small.can_flag_below("molsysviewer.MolSysView")  # a class without outside bases
    assert not small.can_flag_below("molsysmt.fetch")  # not in the registry
    assert not small.can_flag_below("molsysviewer.widget.MolSysViewerWidget")  # based on anywidget.AnyWidget
