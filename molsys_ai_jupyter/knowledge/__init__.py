"""The MolSysSuite knowledge base: corpus loading, chunking, indexing, retrieval,
and the API symbol registry with its code/answer verifier.

Submodules are imported on demand; nothing heavy is imported here.
"""
