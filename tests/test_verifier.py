"""verify_code / verify_text against the real registry, with planted fakes; the
checker's mechanics (positions, syntax errors, junk, crashes, the one dotted-name
walk) on a small registry built from records (``SMALL``: no corpus needed).

Real names and parameters come from the corpus ``_api_surface.jsonl`` files:
``molsysmt.structure.get_rmsd(molecular_system, selection=..., ...)`` (no
``**kwargs``), ``molsysmt.convert(..., **kwargs)``,
``pyunitwizard.convert(quantity_or_unit, to_unit, to_form, parser, to_type)``.
Planted fakes: ``molsysmt.structure.align`` (named in the molsysmt docs, but
the function is ``least_rmsd_align``), ``molsysmt.fetch``, ``selektion=``.
"""

from __future__ import annotations

import json

import pytest

from molsys_ai_jupyter.knowledge import verifier
from molsys_ai_jupyter.knowledge.api_record import ApiRecord
from molsys_ai_jupyter.knowledge.registry import SymbolRegistry
from molsys_ai_jupyter.knowledge.verifier import (
    SYNTAX_ERROR,
    UNKNOWN_KWARG,
    UNKNOWN_SYMBOL,
    Issue,
    VerificationReport,
    verify_code,
    verify_text,
)


@pytest.fixture(scope="module")
def registry(real_settings) -> SymbolRegistry:
    return SymbolRegistry.from_corpus(real_settings.corpus)


def _record(qualname: str, *params: str, module: str, **fields) -> ApiRecord:
    """A record as the corpus file holds it; the signature is the parameters unless given."""
    fields.setdefault("signature", f"{qualname.rsplit('.', 1)[1]}({', '.join(params)})")
    return ApiRecord(qualname=qualname, params=params, module=module, **fields)


#: Real records of the corpus, trimmed to what the tests on ``small`` look at.
SMALL = [
    _record("molsysmt.structure.get_rmsd", "molecular_system", "selection", "structure_indices",
            "reference_molecular_system", "reference_selection", "reference_structure_index", "syntax", "engine",
            module="molsysmt.structure.get_rmsd"),
    _record("molsysmt.structure.least_rmsd_align", "molecular_system", "selection", "reference_molecular_system",
            module="molsysmt.structure.least_rmsd_align"),
    _record("molsysmt.convert", "molecular_system", "to_form", "selection", "**kwargs", module="molsysmt.basic.convert",
            public_names=("molsysmt.convert", "molsysmt.basic.convert")),
    _record("molsysmt.form.molsysmt_MolSys.to_molsysmt_Topology", "item",
            module="molsysmt.form.molsysmt_MolSys.to_molsysmt_Topology", decorators=("digest(form='molsysmt.MolSys')",)),
    _record("molsysmt.form.molsysmt_Topology.to_molsysmt_MolSys", "item",
            module="molsysmt.form.molsysmt_Topology.to_molsysmt_MolSys",
            decorators=("digest(form='molsysmt.Topology')",)),
    _record("pyunitwizard.convert", "quantity_or_unit", "to_unit", "to_form", "parser", "to_type",
            module="pyunitwizard.api.conversion"),
    _record("molsysviewer.MolSysView", kind="class", module="molsysviewer.viewer"),
    _record("molsysviewer.MolSysView.isolate", "self", "selection", "structure_indices", "syntax", kind="method",
            module="molsysviewer.viewer"),
]


@pytest.fixture(scope="module")
def small() -> SymbolRegistry:
    return SymbolRegistry.from_records(SMALL)


def _summary(report: VerificationReport) -> list[tuple]:
    return [(i.kind, i.name, i.kwarg) for i in report.issues]


# ------------------------------------------------------------- clean code

CLEAN = [
    pytest.param(
        "import molsysmt\nmolsys = molsysmt.convert('1BRS')\n"
        "molsysmt.structure.get_rmsd(molsys, selection='backbone')",
        ["molsysmt.convert", "molsysmt.structure.get_rmsd"],
        id="full-module-name",
    ),
    pytest.param(
        "import molsysmt as msm\nmsm.structure.get_rmsd(ms, selection='backbone', structure_indices='all')",
        ["molsysmt.structure.get_rmsd"],
        id="alias",
    ),
    pytest.param(
        "import molsysmt as msm\nmsm.convert(x, to_form='openmm.Topology', any_extra_option=True)",
        ["molsysmt.convert"],
        id="kwargs-function-accepts-anything",
    ),
    pytest.param(
        "from molsysmt import structure\nstructure.least_rmsd_align(ms, reference_molecular_system=ref)",
        ["molsysmt.structure.least_rmsd_align"],
        id="from-import-module",
    ),
    pytest.param(
        "from molsysmt.structure import get_rmsd as rmsd\nrmsd(ms, selection='name CA')",
        ["molsysmt.structure.get_rmsd"],
        id="from-import-as",
    ),
    pytest.param(
        "import pyunitwizard as puw\nq = puw.quantity(1.0, 'nm')\npuw.convert(q, to_unit='angstroms')",
        ["pyunitwizard.quantity", "pyunitwizard.convert"],
        id="pyunitwizard",
    ),
    pytest.param(
        "from molsysmt import pyunitwizard as puw\npuw.convert(q, to_unit='nm', to_form='openmm.unit')",
        ["pyunitwizard.convert"],
        id="pyunitwizard-through-molsysmt",
    ),
    pytest.param(
        "import molsysviewer\nview = molsysviewer.MolSysView()\nview.anything_goes(1, foo=2)\n"
        "molsysviewer.MolSysView.show(view, selection='all', force=True)",
        ["molsysviewer.MolSysView", "molsysviewer.MolSysView.show"],
        id="class-and-instance",
    ),
    pytest.param(
        "import topomt\ntopomt.features.Pocket.info",
        ["topomt.features.BaseFeature.info"],
        id="inherited-member",
    ),
    pytest.param(
        "from molsysmt.systems import demo\nimport molsysmt as msm\nmsm.convert(demo['T4 lysozyme L99A']['181l.pdb'])",
        ["molsysmt.convert"],
        id="module-variable",
    ),
    pytest.param(
        "import molsysmt as msm\nmsm.element.bond.max_expected_bond_length['protein']['S']['S']",
        [],
        id="table-in-a-package-without-records",
    ),
    pytest.param(
        "import molsysmt as msm\nmsm.__version__\nmsm._private_thing.whatever()", [], id="private-names-ignored"
    ),
    pytest.param("import molsysmt.structure\nmolsysmt.structure.get_rmsd(x)", ["molsysmt.structure.get_rmsd"],
                 id="import-submodule"),
    pytest.param("msm.structure.get_rmsd(x)", ["molsysmt.structure.get_rmsd"], id="snippet-without-import"),
    pytest.param("%matplotlib inline\n!pip install molsysmt\nmsm.convert?\nmsm.info(x)",
                 ["molsysmt.convert", "molsysmt.info"], id="ipython-magics"),
    pytest.param(">>> import molsysmt as msm\n>>> msm.get_form(x)\n'molsysmt.MolSys'",
                 ["molsysmt.get_form"], id="doctest-prompts"),
]


@pytest.mark.parametrize("source, used", CLEAN)
def test_clean_code_has_no_issues(registry, source, used):
    report = verify_code(source, registry)
    assert report.ok, _summary(report)
    assert report.error is None
    assert report.symbols_used == used


# ---------------------------------------------------------- non-MolSys code

FOREIGN = [
    "import numpy as np\nx = np.linalg.norm(np.zeros(3), ord=2)\nnp.fake_function(bogus=1)",
    "import mdtraj as md\ntraj = md.load('traj.dcd', top='top.pdb')\nmd.rmsd(traj, traj, 0, atom_indices=None)",
    "import openmm.unit as unit\nx = 1.0 * unit.nanometer",
    "from mdtraj import load\nload('x.pdb', stride=2)",
    "import numpy as msm\nmsm.fetch(3)",  # msm rebound to numpy
    "import molsysmt as msm\nmsm = Something()\nmsm.fetch()",  # reassigned
    "def f(msm):\n    return msm.fetch()",  # parameter shadows the alias
    "import molsysmt as msm\nfrom . import structure\nstructure.align(x)",  # relative import
    "x = 'msm.structure.align is a string, not code'",
    "",
]


@pytest.mark.parametrize("source", FOREIGN)
def test_foreign_code_is_never_flagged(small, source):
    report = verify_code(source, small)
    assert report.ok, _summary(report)


# ----------------------------------------------------------------- issues

BAD = [
    pytest.param(
        "import molsysmt as msm\nmsm.structure.align(ms, reference_molecular_system=ref)",
        [(UNKNOWN_SYMBOL, "molsysmt.structure.align", None)],
        "molsysmt.structure.least_rmsd_align",
        id="docs-name-that-does-not-exist",
    ),
    pytest.param(
        "import molsysmt as msm\nmolsys = msm.fetch('1BRS')",
        [(UNKNOWN_SYMBOL, "molsysmt.fetch", None)],
        None,
        id="invented-function",
    ),
    pytest.param(
        "import molsysmt as msm\nmsm.structure.get_rmsd(ms, selektion='backbone')",
        [(UNKNOWN_KWARG, "molsysmt.structure.get_rmsd", "selektion")],
        "selection",
        id="misspelled-kwarg",
    ),
    pytest.param(
        "from molsysmt.structure import get_rmsd as r\nr(x, foo=1)",
        [(UNKNOWN_KWARG, "molsysmt.structure.get_rmsd", "foo")],
        None,
        id="kwarg-through-from-import-alias",
    ),
    pytest.param(
        "import pyunitwizard as puw\npuw.convert(q, unit='angstroms')",
        [(UNKNOWN_KWARG, "pyunitwizard.convert", "unit")],
        "to_unit",
        id="pyunitwizard-kwarg",
    ),
    pytest.param(
        "from molsysmt.structure import align, get_rmsd",
        [(UNKNOWN_SYMBOL, "molsysmt.structure.align", None)],
        "molsysmt.structure.least_rmsd_align",
        id="bad-from-import-name",
    ),
    pytest.param(
        "from molsysmt.structur import get_rmsd\nget_rmsd(x, anything=1)",
        [(UNKNOWN_SYMBOL, "molsysmt.structur", None)],
        "molsysmt.structure",
        id="bad-from-import-module",
    ),
    pytest.param(
        "import molsysmt.structur",
        [(UNKNOWN_SYMBOL, "molsysmt.structur", None)],
        "molsysmt.structure",
        id="bad-import",
    ),
    pytest.param(
        "import molsysmt as msm\nmsm.structur.get_rmsd(x)",
        [(UNKNOWN_SYMBOL, "molsysmt.structur.get_rmsd", None)],
        "molsysmt.structure.get_rmsd",
        id="typo-in-module",
    ),
    pytest.param(
        "import molsysmt as msm\nmsm.get_rmsd(x)",
        [(UNKNOWN_SYMBOL, "molsysmt.get_rmsd", None)],
        "molsysmt.structure.get_rmsd",
        id="wrong-module",
    ),
    pytest.param(
        "import molsysmt as msm\nmsm.MolSys()",
        [(UNKNOWN_SYMBOL, "molsysmt.MolSys", None)],
        "molsysmt.native.MolSys",
        id="form-name-is-not-an-attribute",
    ),
    pytest.param(
        "import molsysmt as msm\nmsm.native.MolSys(natoms=10)",
        [(UNKNOWN_KWARG, "molsysmt.native.MolSys", "natoms")],
        "n_atoms",
        id="class-constructor-kwarg",
    ),
    pytest.param(
        "import molsysviewer\nmolsysviewer.MolSysView.shwo(view)",
        [(UNKNOWN_SYMBOL, "molsysviewer.MolSysView.shwo", None)],
        "molsysviewer.MolSysView.show",
        id="unknown-method-on-class",
    ),
    pytest.param(
        "import molsysmt as msm\nmsm.molecular_dynamics.run_NVT_equilibration(item, temperature='300 K')",
        [(UNKNOWN_KWARG, "molsysmt.molecular_dynamics.run_NVT_equilibration", "temperature")],
        None,
        id="star-kwargs-is-varargs-not-kwargs",
    ),
    pytest.param(
        "import molsysmt as msm\n\ndef run(ms):\n    return msm.structure.superpose(ms)\n",
        [(UNKNOWN_SYMBOL, "molsysmt.structure.superpose", None)],
        None,
        id="inside-function",
    ),
]


@pytest.mark.parametrize("source, expected, suggestion", BAD)
def test_bad_code_is_flagged(registry, source, expected, suggestion):
    report = verify_code(source, registry)
    assert _summary(report) == expected
    assert not report.ok
    assert report.error is None  # a finding, not a failure of the checker
    if suggestion:
        assert suggestion in report.issues[0].suggestions


def test_issue_position_points_at_the_bad_name(small):
    source = "import molsysmt as msm\n\nx = msm.structure.align(ms)\nmsm.structure.get_rmsd(ms, selektion='CA')"
    first, second = verify_code(source, small).issues
    assert (first.line, first.col) == (3, source.split("\n")[2].index("align"))
    assert (second.line, second.col) == (4, source.split("\n")[3].index("selektion"))
    assert first.suggestions[0] == "molsysmt.structure.least_rmsd_align"
    assert second.suggestions == ["selection"]


def test_kwargs_are_checked_only_for_known_callables(small):
    report = verify_code("import molsysmt as msm\nmsm.fetch('1BRS', selektion=3)", small)
    assert _summary(report) == [(UNKNOWN_SYMBOL, "molsysmt.fetch", None)]


def test_default_aliases_can_be_turned_off(small):
    assert not verify_code("msm.fetch()", small).ok
    assert verify_code("msm.fetch()", small, default_aliases=False).ok


# ----------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    "source, line",
    [
        ("import molsysmt as msm\nmsm.convert(x,", 2),
        ("def f(:\n    pass", 1),
        ("x = = 1", 1),
        ("conda install -c uibcdf molsysmt", 1),
        ("\x00\x01garbage", 1),
    ],
)
def test_syntax_error_is_one_issue(small, source, line):
    report = verify_code(source, small)
    assert [i.kind for i in report.issues] == [SYNTAX_ERROR]
    assert report.issues[0].line == line


# ----------------------------------------------------------- never raises

JUNK = [
    "",
    "   \n\n",
    None,
    42,
    b"\xff\xfe\x00binary",
    "\ud800 lone surrogate",
    "(" * 500,
    "-" * 50000 + "1",
    "1+" * 20000 + "1",
    "a" + ".b" * 5000,
    "msm." * 20000,
    "msm.a " * 5000,
    "```python\nmsm.fetch(\n",
    "`" * 5000,
    "~~~\n" * 500,
    "```" + "x" * 10000,
    "\n".join(f"msm.structure.get_rmsd(x, s{i}=1)" for i in range(2000)),
]


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_never_raises(small, junk):
    for report in (verify_code(junk, small), verify_text(junk, small)):
        assert isinstance(report, VerificationReport)
        assert len(report.issues) <= 200
        json.dumps(report.to_dict())


# ------------------------------------------------------------------- text

ANSWER = """\
To align two structures, first install MolSysMT:

```bash
conda install -c uibcdf molsysmt
pip install molsysmt.whl
```

Then, in Python:

```python
import molsysmt as msm
molsys = msm.convert('1BRS.pdb', to_form='molsysmt.MolSys')
msm.structure.get_rmsd(molsys, selektion='backbone')
```

Use `msm.structure.align` to superpose them, or molsysmt.structure.least_rmsd_align,
which writes a `molsysmt.MolSys` (see https://www.uibcdf.org/molsysmt/api/structure.html
and the file environment.yml or molsysmt.yml). E.g. this is fine, i.e. no issue.
Call `msm.fetch('1BRS')` if you like.
"""


def test_verify_text_answer(registry):
    report = verify_text(ANSWER, registry)
    lines = ANSWER.split("\n")
    found = {(i.kind, i.name, i.kwarg): i for i in report.issues}
    assert set(found) == {
        (UNKNOWN_KWARG, "molsysmt.structure.get_rmsd", "selektion"),
        (UNKNOWN_SYMBOL, "molsysmt.structure.align", None),
        (UNKNOWN_SYMBOL, "molsysmt.fetch", None),
    }
    kwarg = found[(UNKNOWN_KWARG, "molsysmt.structure.get_rmsd", "selektion")]
    assert "selektion" in lines[kwarg.line - 1]
    assert kwarg.suggestions == ["selection"]
    align = found[(UNKNOWN_SYMBOL, "molsysmt.structure.align", None)]
    assert lines[align.line - 1][align.col:].startswith("msm.structure.align")
    assert align.origin == "prose"
    assert "molsysmt.structure.least_rmsd_align" in align.suggestions
    assert {"molsysmt.convert", "molsysmt.structure.get_rmsd", "molsysmt.structure.least_rmsd_align"} <= set(
        report.symbols_used
    )
    assert report.blocks_checked == 1  # the bash block is skipped


@pytest.mark.parametrize(
    "markdown",
    [
        "```bash\nconda install -c uibcdf molsysmt\nmsm.fetch\n```",
        "```sh\n$ python -c 'import molsysmt; molsysmt.fetch()'\n```",
        "```\nconda install -c uibcdf molsysmt pyunitwizard\n```",
        "```yaml\ndependencies:\n  - molsysmt.fake\n```",
        "MolSysMT is great, e.g. for structures. See molsysmt.readthedocs.io or uibcdf.org/molsysmt.structure",
        "Convert to 'molsysmt.MolSys' or `molsysmt.Topology` or mdtraj.Trajectory.",
        "Use np.linalg.norm, md.load and `traj.xyz`; structure.align is not our business.",
        "Edit molsysmt.yml, then run setup.py.",
        "```text\nmsm.structure.align\n```",
    ],
)
def test_verify_text_ignores_non_python(small, markdown):
    report = verify_text(markdown, small)
    assert report.ok, _summary(report)


@pytest.mark.parametrize(
    "markdown, expected",
    [
        ("```py\nimport molsysmt as msm\nmsm.fetch()\n```", [(UNKNOWN_SYMBOL, "molsysmt.fetch", None)]),
        ("~~~python\nmsm.structure.align(x)\n~~~", [(UNKNOWN_SYMBOL, "molsysmt.structure.align", None)]),
        ("```\nimport molsysmt as msm\nmsm.fetch()\n```", [(UNKNOWN_SYMBOL, "molsysmt.fetch", None)]),  # untagged
        ("```{code-cell} ipython3\nmsm.fetch()\n```", [(UNKNOWN_SYMBOL, "molsysmt.fetch", None)]),  # MyST
        ("```pycon\n>>> import pyunitwizard as puw\n>>> puw.convert(q, unit='nm')\n<Quantity>\n```",
         [(UNKNOWN_KWARG, "pyunitwizard.convert", "unit")]),
        ("1. Step one:\n\n   ```python\n   msm.fetch()\n   ```\n", [(UNKNOWN_SYMBOL, "molsysmt.fetch", None)]),
        ("The function msm.structure.align does this.", [(UNKNOWN_SYMBOL, "molsysmt.structure.align", None)]),
        ("Try `puw.convert(q, unit='nm')`.", [(UNKNOWN_KWARG, "pyunitwizard.convert", "unit")]),
        ("Prefer {func}`molsysmt.build.get_atoms_with_alternate_locations`.",
         [(UNKNOWN_SYMBOL, "molsysmt.build.get_atoms_with_alternate_locations", None)]),
        # an import in a block sets the alias for later blocks and for the prose
        ("```python\nimport molsysmt as mm\n```\n\n```python\nmm.fetch()\n```\nThen mm.structure.align.",
         [(UNKNOWN_SYMBOL, "molsysmt.fetch", None), (UNKNOWN_SYMBOL, "molsysmt.structure.align", None)]),
    ],
)
def test_verify_text_flags(registry, markdown, expected):
    assert _summary(verify_text(markdown, registry)) == expected


@pytest.mark.parametrize(
    "markdown, syntax_errors",
    [
        ("```python\nmsm.convert(x,\n```", 1),  # tagged python: reported
        ("```\nthis is not python (\n```", 0),  # untagged: quietly skipped
        ("```bash\nif [ -f x ]; then\n```", 0),
    ],
)
def test_verify_text_syntax_errors_only_for_python_blocks(small, markdown, syntax_errors):
    report = verify_text(markdown, small)
    assert len(report.by_kind(SYNTAX_ERROR)) == syntax_errors


def test_unparseable_python_block_still_checks_names(small):
    report = verify_text("```python\nmsm.structure.align(x,\n```", small)
    assert sorted(i.kind for i in report.issues) == [SYNTAX_ERROR, UNKNOWN_SYMBOL]


def test_report_to_dict(small):
    report = verify_code("import molsysmt as msm\nmsm.structure.align(x)", small)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    issue = data["issues"][0]
    assert issue["kind"] == UNKNOWN_SYMBOL
    assert issue["name"] == "molsysmt.structure.align"
    assert (issue["line"], issue["col"]) == (2, 14)
    assert "molsysmt.structure.least_rmsd_align" in issue["suggestions"]
    assert isinstance(report.issues[0], Issue)


def test_docstring_with_doctest_is_still_code(small):
    source = 'import molsysmt as msm\n\ndef f(x):\n    """\n    >>> f(1)\n    """\n    return msm.fetch(x)\n'
    assert _summary(verify_code(source, small)) == [(UNKNOWN_SYMBOL, "molsysmt.fetch", None)]


def test_prose_respects_rebound_alias(small):
    markdown = "```python\nimport numpy as msm\n```\nThen msm.fetch is numpy's."
    assert verify_text(markdown, small).ok


def test_toy_corpus_project_is_checked(mini_corpus):
    reg = SymbolRegistry.from_corpus(mini_corpus)
    report = verify_text("```python\nimport mini\nmini.selekt(s)\nmini.select(s, selektion='x')\n```", reg)
    assert _summary(report) == [(UNKNOWN_SYMBOL, "mini.selekt", None), (UNKNOWN_KWARG, "mini.select", "selektion")]
    assert report.issues[0].suggestions == ["mini.select"]
    assert verify_code("import molsysmt as msm\nmsm.fetch()", reg).ok  # not a project of this registry


def test_methods_of_an_instance_of_a_known_class_count_and_their_kwargs_are_checked(small):
    source = (
        "import molsysviewer as mv\n"
        "view = mv.MolSysView()\n"
        "view.isolate('chain A', colour='red')\n"  # no such parameter
        "view.shapes.add_sphere(radius=3)\n"  # an attribute the API surface does not list: not flagged
        "view.not_listed()\n"
        "view = 3\n"
        "view.isolate(bogus=1)\n"  # no longer the viewer
    )
    report = verify_code(source, small)
    assert "molsysviewer.MolSysView.isolate" in report.symbols_used
    assert [(i.kind, i.name, i.kwarg) for i in report.issues] == [("unknown_kwarg", "molsysviewer.MolSysView.isolate", "colour")]


# ------------------------------------------------- the checker failing itself


def _boom(*args, **kwargs):
    raise RuntimeError("boom")


def test_a_crash_of_the_code_checker_is_reported_and_not_ok(small, monkeypatch):
    monkeypatch.setattr(verifier._CodeChecker, "visit_Call", _boom)
    report = verify_code("import molsysmt as msm\nmsm.structure.get_rmsd(x, selection='all')", small)
    assert report.issues == []
    assert report.ok is False
    assert report.error == "RuntimeError: boom"
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    assert data["error"] == "RuntimeError: boom"


def test_what_was_found_before_a_crash_is_kept(small, monkeypatch):
    monkeypatch.setattr(verifier._CodeChecker, "visit_Call", _boom)
    report = verify_code("import molsysmt as msm\nmsm.fetch\nmsm.convert(x)", small)
    assert _summary(report) == [(UNKNOWN_SYMBOL, "molsysmt.fetch", None)]
    assert report.error == "RuntimeError: boom"


def test_a_crash_of_the_registry_walk_is_reported(small, monkeypatch):
    monkeypatch.setattr(small, "check_path", _boom)
    for report in (
        verify_code("import molsysmt as msm\nmsm.structure.get_rmsd(x)", small),
        verify_text("Use msm.structure.get_rmsd here.", small),
    ):
        assert not report.ok
        assert report.error == "RuntimeError: boom"


@pytest.mark.parametrize(
    "markdown",
    [
        "```python\nimport molsysmt as msm\nmsm.structure.get_rmsd(x)\n```",  # a code block
        "Try `msm.structure.get_rmsd(x)`.",  # inline code
    ],
)
def test_a_crash_while_checking_an_answer_is_reported(small, monkeypatch, markdown):
    assert verify_text(markdown, small).ok  # ordinary text verifies as before
    monkeypatch.setattr(verifier._CodeChecker, "visit_Call", _boom)
    report = verify_text(markdown, small)
    assert not report.ok
    assert report.error == "RuntimeError: boom"
    assert json.loads(json.dumps(report.to_dict()))["error"] == "RuntimeError: boom"


def test_a_crash_in_the_prose_check_is_reported(small, monkeypatch):
    monkeypatch.setattr(verifier, "_check_prose_name", _boom)
    report = verify_text("The function msm.structure.get_rmsd does this.", small)
    assert not report.ok
    assert report.error == "RuntimeError: boom"


def test_code_too_nested_to_walk_is_not_ok(small, monkeypatch):
    def too_deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(verifier._CodeChecker, "visit_Call", too_deep)
    report = verify_code("import molsysmt as msm\nmsm.fetch\nmsm.convert(x)", small)
    assert report.blocks_checked == 1  # it parsed
    assert _summary(report) == [(UNKNOWN_SYMBOL, "molsysmt.fetch", None)]  # what was found so far
    assert not report.ok
    assert report.error == "RecursionError: maximum recursion depth exceeded"


def test_ordinary_reports_have_no_error(small):
    for report in (verify_code("import molsysmt as msm\nmsm.structure.align(x)", small),
                   verify_text(ANSWER, small), verify_code("x = (", small)):
        assert report.issues and not report.ok
        assert report.error is None
        assert report.to_dict()["error"] is None
    assert verify_text("Plain words, no code.", small).to_dict() == {
        "ok": True, "issues": [], "symbols_used": [], "blocks_checked": 0, "truncated": False, "error": None,
    }


# ------------------------------------------------------- one dotted-name walk


def test_code_and_prose_walk_dotted_names_through_the_registry(small, monkeypatch):
    calls = []
    walk = small.check_path

    def spy(dotted, start=1):
        calls.append((dotted, start))
        return walk(dotted, start)

    monkeypatch.setattr(small, "check_path", spy)
    report = verify_code("from molsysmt import structure\nstructure.align(x)", small)
    assert calls == [("molsysmt.structure.align", 2)]  # the walk starts after the alias
    assert _summary(report) == [(UNKNOWN_SYMBOL, "molsysmt.structure.align", None)]
    calls.clear()
    report = verify_text("The function msm.structure.align does this.", small)
    assert calls == [("molsysmt.structure.align", 1)]
    assert _summary(report) == [(UNKNOWN_SYMBOL, "molsysmt.structure.align", None)]
