"""The int8 ONNX query encoder: built from the installed model, the same embeddings as the
full model to within quantisation, and chosen by the retriever when it is built."""

from __future__ import annotations

import numpy as np
import pytest

from molsys_ai_jupyter.knowledge.query_encoder import OnnxQueryEmbedder, build_query_encoder, query_encoder_path

QUERIES = ["how do I select the CA atoms of chain A?", "convert a PDB file to an mdtraj object",
           "¿cómo elimino las moléculas de agua?", "molsysmt.structure.get_rmsd"]


class TestOnnxQueryEmbedder:
    def test_checks_its_arguments(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="index build"):
            OnnxQueryEmbedder(tmp_path / "missing.onnx")
        (tmp_path / "x.onnx").write_bytes(b"")
        with pytest.raises(ValueError, match="threads"):
            OnnxQueryEmbedder(tmp_path / "x.onnx", threads=0)

    def test_matches_the_full_model(self, real_settings):
        from molsys_ai_jupyter.knowledge.embedding import text_embedder

        path = build_query_encoder(real_settings)
        assert path == query_encoder_path(real_settings) and path.stat().st_size < 30e6
        fast, full = OnnxQueryEmbedder(path), text_embedder()
        full.warm_up()
        fast_vectors = np.array([fast.run(text=q)["embedding"] for q in QUERIES])
        full_vectors = np.array([full.run(text=q)["embedding"] for q in QUERIES])
        assert fast_vectors.shape == (len(QUERIES), 384)
        assert np.allclose(np.linalg.norm(fast_vectors, axis=1), 1.0, atol=1e-3)
        cosines = (fast_vectors * full_vectors).sum(axis=1)
        assert cosines.min() > 0.95, cosines  # int8 weights: close to, not equal to, the full model
        # and not any unit vector: each query is nearest to its own full-model embedding
        assert list((fast_vectors @ full_vectors.T).argmax(axis=1)) == list(range(len(QUERIES)))

    def test_the_retriever_uses_it_once_built(self, mini_index):
        from molsys_ai_jupyter.knowledge.retrieval import Retriever

        build_query_encoder(mini_index)
        retriever = Retriever(mini_index)
        retriever.warm_up()
        assert retriever.query_encoder == "onnx-int8"
        assert retriever.search("select atoms", k=1).hits
        full = Retriever(mini_index, query_encoder="full")
        full.warm_up()
        assert full.query_encoder == "full"
        with pytest.raises(ValueError, match="query_encoder"):
            Retriever(mini_index, query_encoder="fp16")
