"""Retrieval training pairs synthesised from the corpus, with BM25 hard negatives."""

from __future__ import annotations

from molsys_ai_jupyter.train.retrieval_pairs import build_pairs, cited_pages, heading_query


class TestRetrievalPairs:
    def test_headings_become_questions(self):
        assert heading_query("How to convert a system", "Convert") == "How do I convert a system?"
        assert heading_query("Convert", "Convert") == ""  # the page's own name asks nothing
        assert heading_query("Units:", "Reference") == ""

    def test_pairs_from_the_toy_corpus(self, mini_corpus, real_settings):
        from molsys_ai_jupyter.knowledge.embedding import model_dir

        pairs, info = build_pairs(mini_corpus, model_dir())
        assert pairs and info["pairs"] == len(pairs)
        for pair in pairs:
            assert pair.query and pair.positive != pair.negative
            assert pair.positive.startswith("mini › ")  # the passage as embedded: its context line first
        recipe = [p for p in pairs if p.kind == "recipe"]
        assert any("mini.get" in p.positive and "count the waters" in p.query.lower() for p in recipe)
        # a page cited by evaluation questions gives no question
        waters = "mini/docs/content/waters.ipynb"
        kept, _ = build_pairs(mini_corpus, model_dir(), exclude_pages=frozenset({waters}))
        assert all(p.page != waters for p in kept) and any(p.page == waters for p in pairs)

    def test_cited_pages(self, tmp_path):
        questions = tmp_path / "q.jsonl"
        questions.write_text('{"query": "a", "gold_sources": ["x/a.md", "x/b.md"]}\n\n{"query": "b", "gold_sources": ["y/c.md"]}\n')
        assert cited_pages(questions) == {"x/a.md", "x/b.md", "y/c.md"}
