"""The instruction dataset: kinds of example, the held-out split by page, the dev pages
left out, deduplication, token counts."""

from __future__ import annotations

import json

from molsys_ai_jupyter.knowledge.api_record import ApiRecord
from molsys_ai_jupyter.train.dataset import (
    DatasetOptions,
    Example,
    api_example,
    build_examples,
    count_tokens,
    deduplicate,
    dev_cited_pages,
    docstring_params,
    heading_question,
    split_of,
    statistics,
    write_dataset,
)


def test_mini_corpus_gives_every_kind(mini_corpus):
    examples, info = build_examples(mini_corpus, DatasetOptions(heldout_fraction=0.0))
    by_kind = {}
    for ex in examples:
        by_kind.setdefault(ex.kind, []).append(ex)
        assert [m["role"] for m in ex.messages][-2:] == ["user", "assistant"]
    assert {"api", "recipe", "howto"} <= set(by_kind)
    recipes = {ex.messages[1]["content"]: ex.messages[2]["content"] for ex in by_kind["recipe"]}
    # the prose before the cell is the intent; the cell is the answer
    intent = next(q for q in recipes if "count the waters" in q)
    assert "mini.get(system, n_waters=True)" in recipes[intent]
    api = by_kind["api"][0].messages[2]["content"]
    assert "mini.select(molecular_system, selection='all', syntax='MolSysMT')" in api
    assert "mini.select(molecular_system)" in api  # a call with the required argument
    assert info["pages_read"] == 3 and info["excluded_pages"] == []


def test_dev_pages_are_left_out_and_reported(mini_corpus, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"query": "x", "gold_sources": ["mini/docs/content/waters.ipynb",
                                                                     "mini/docs/content/gone.md"]}) + "\n")
    excluded = dev_cited_pages(questions)
    examples, info = build_examples(mini_corpus, DatasetOptions(exclude_pages=excluded))
    assert info["excluded_pages"] == ["mini/docs/content/waters.ipynb"]
    assert info["excluded_pages_cited_not_found"] == ["mini/docs/content/gone.md"]
    assert not any("waters.ipynb" in ex.page for ex in examples)
    assert not any("n_waters" in json.dumps(ex.messages) for ex in examples)


def test_split_is_by_page_and_deterministic():
    pages = [f"p/docs/page{i}.md" for i in range(2000)]
    held = [p for p in pages if split_of(p, 0.1) == "heldout"]
    assert 140 < len(held) < 260  # about a tenth
    assert held == [p for p in pages if split_of(p, 0.1) == "heldout"]
    assert all(split_of(p, 0.0) == "train" for p in pages[:50])


def test_deduplicate_drops_repeated_pairs_and_repeated_answers_within_a_kind():
    def ex(kind, q, a):
        return Example(id="", kind=kind, project="p", page="p/x",
                       messages=[{"role": "user", "content": q}, {"role": "assistant", "content": a}])

    rows = [ex("recipe", "Load it", "load()"), ex("recipe", "load  IT", "load()"),  # same pair (case/space)
            ex("recipe", "Another intent", "load()"),  # same answer, same kind
            ex("howto", "Another intent", "load()"),  # same answer, other kind: kept
            ex("recipe", "Other", "save()")]
    kept, removed = deduplicate(rows)
    assert removed == 2
    assert [(e.kind, e.messages[0]["content"]) for e in kept] == [
        ("recipe", "Load it"), ("howto", "Another intent"), ("recipe", "Other")]


def test_docstring_params_and_questions():
    doc = "Summary.\n\nParameters\n----------\nmolecular_system : MolSys\n    The system.\nselection : str, " \
          "default 'all'\n    Atoms to use.\n\nReturns\n-------\nint\n    Count.\n"
    assert docstring_params(doc) == {"molecular_system": "The system.", "selection": "Atoms to use."}
    q, a = api_example(ApiRecord(project="molsysmt", qualname="molsysmt.basic.get", kind="function",
                                 signature="get(molecular_system, element='system', *, selection='all')",
                                 params=("molecular_system", "element", "selection"), docstring=doc,
                                 public_names=("molsysmt.basic.get", "molsysmt.get")))
    assert "`molsysmt.get`" in q
    assert "import molsysmt as msm\nresult = msm.get(molecular_system)" in a
    assert "- `selection`: Atoms to use." in a


def test_heading_questions():
    from types import SimpleNamespace

    page = SimpleNamespace(title="Get", file=SimpleNamespace(project="molsysmt"))
    assert heading_question(page, ["Get", "How to count waters"]) == "How do I count waters? (molsysmt)"
    assert "“With atoms” in “Get”" in heading_question(page, ["Get", "With atoms"])


def test_real_corpus_dataset(real_settings, tmp_path):
    from molsys_ai_jupyter.train.base_model import fast_tokenizer

    cited = dev_cited_pages(real_settings.bench / "dev_questions.jsonl")
    assert len(cited) >= 30
    examples, info = build_examples(real_settings.corpus, DatasetOptions(exclude_pages=cited))
    assert set(info["excluded_pages"]) | set(info["excluded_pages_cited_not_found"]) == set(cited)
    assert not {ex.page for ex in examples} & cited
    splits = {}
    for ex in examples:
        splits.setdefault(ex.page, set()).add(ex.split)
    assert all(len(s) == 1 for s in splits.values())  # no page in both splits
    assert len({ex.id for ex in examples}) == len(examples)
    count_tokens(examples, fast_tokenizer("smollm2", real_settings.cache_dir))
    stats = write_dataset(examples, tmp_path, info)
    assert stats["pages_in_both_splits"] == 0
    for split in ("train", "heldout"):
        assert stats[split]["examples"] > 0 and stats[split]["tokens"] > stats[split]["answer_tokens"] > 0
        assert set(stats[split]["by_kind"]) == {"api", "recipe", "howto", "grounded"}
    assert stats["train"]["examples"] > 5 * stats["heldout"]["examples"]
    lines = (tmp_path / "heldout.jsonl").read_text().splitlines()
    assert len(lines) == stats["heldout"]["examples"] == statistics(examples)["heldout"]["examples"]
