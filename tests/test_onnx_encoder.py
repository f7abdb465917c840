"""The ONNX exports of the packaged MiniLM: the int8 query encoder (the full model's
embeddings to within quantisation, chosen by the retriever when built) and the fp32
passage encoder (the full model's embeddings, used by index build)."""

from __future__ import annotations

import numpy as np
import pytest
from haystack import Document

from molsys_ai_jupyter.knowledge.onnx_encoder import (
    OnnxDocumentEmbedder,
    OnnxQueryEmbedder,
    build_encoders,
    encoder_paths,
)

QUERIES = ["how do I select the CA atoms of chain A?", "convert a PDB file to an mdtraj object",
           "¿cómo elimino las moléculas de agua?", "molsysmt.structure.get_rmsd"]


def checks_its_arguments(component, tmp_path, bad: dict, match: str) -> None:
    """A missing export names the command that builds it; a bad setting is refused."""
    with pytest.raises(FileNotFoundError, match="index build"):
        component(tmp_path / "missing.onnx")
    (tmp_path / "x.onnx").write_bytes(b"")
    with pytest.raises(ValueError, match=match):
        component(tmp_path / "x.onnx", **bad)


class TestOnnxQueryEmbedder:
    def test_checks_its_arguments(self, tmp_path):
        checks_its_arguments(OnnxQueryEmbedder, tmp_path, {"threads": 0}, "threads")

    def test_matches_the_full_model(self, real_settings):
        from molsys_ai_jupyter.knowledge.embedding import text_embedder

        path = build_encoders(real_settings).queries
        assert path == encoder_paths(real_settings).queries and path.stat().st_size < 30e6
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

        build_encoders(mini_index)
        retriever = Retriever(mini_index)
        retriever.warm_up()
        assert retriever.query_encoder == "onnx-int8"
        assert retriever.search("select atoms", k=1).hits
        full = Retriever(mini_index, query_encoder="full")
        full.warm_up()
        assert full.query_encoder == "full"
        with pytest.raises(ValueError, match="query_encoder"):
            Retriever(mini_index, query_encoder="fp16")


class TestOnnxDocumentEmbedder:
    def test_checks_its_arguments(self, tmp_path):
        checks_its_arguments(OnnxDocumentEmbedder, tmp_path, {"batch_size": 0}, "batch_size")

    def test_embeds_as_the_full_model_does(self, real_settings):
        from molsys_ai_jupyter.knowledge.embedding import document_embedder

        # texts of very different lengths (one past the 256-token limit), with and without context
        documents = [Document(id=str(i), content=q * (1 + 40 * (i % 2)), meta={"context": "Select > Examples"} if i < 2 else {})
                     for i, q in enumerate(QUERIES)]
        fast = OnnxDocumentEmbedder(build_encoders(real_settings).passages, batch_size=3)
        full = document_embedder(progress_bar=False)
        full.warm_up()
        fast_out = fast.run(documents=documents)["documents"]
        full_vectors = np.array([d.embedding for d in full.run(documents=documents)["documents"]])
        assert [d.id for d in fast_out] == [d.id for d in documents]  # order kept, whatever the batching
        fast_vectors = np.array([d.embedding for d in fast_out])
        assert np.abs(fast_vectors - full_vectors).max() < 1e-4  # the same model in fp32, not an approximation
        assert fast_vectors.std(axis=0).max() > 0.01  # different texts, different vectors
