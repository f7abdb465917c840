"""MolSys-AI for Jupyter: the AI assistant of the MolSysSuite libraries.

Importing the package is cheap: heavy libraries (torch, haystack, chromadb,
sentence_transformers) are imported only by the functions that need them.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "load_ipython_extension"]


def _jupyter_server_extension_points() -> list[dict]:
    """The Jupyter server extension of the chat sidebar (imported only by the server)."""
    return [{"module": "molsys_ai_jupyter.serverext"}]


def _jupyter_labextension_paths() -> list[dict]:
    """The prebuilt JupyterLab sidebar (for ``jupyter labextension develop``)."""
    return [{"src": "labextension", "dest": "molsys-ai-jupyterlab"}]


def load_ipython_extension(shell) -> None:
    """``%load_ext molsys_ai_jupyter``: registers ``%molsys`` (nothing heavy is imported)."""
    from .magics import load

    load(shell)
