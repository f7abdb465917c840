"""Sphinx configuration of the MolSys-AI for Jupyter site.

    make docs                       # or: sphinx-build -W --keep-going docs build/docs/html

The chat widget (molsys_ai_jupyter.sphinx) asks the chat API at MOLSYS_AI_API_URL
(default: a local `molsys-ai serve` on port 8000). The JupyterLite demo is built from
build/lite (MOLSYS_AI_LITE_DIR), which scripts/build_lite.py fills with a local Pyodide
and this project's wheel: the demo needs no CDN.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
BUILD = Path(os.environ.get("MOLSYS_AI_DOCS_BUILD") or REPO / "build")
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(REPO / "scripts"))

from molsys_ai_jupyter import __version__  # noqa: E402

project = "MolSys-AI for Jupyter"
author = "UIBCDF lab"
copyright = "UIBCDF lab"
version = release = __version__

extensions = [
    "myst_parser",
    "jupyterlite_sphinx",
    "molsys_ai_jupyter.sphinx",
    "molsys_ai_docs",
    "llms_txt",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["README.md", "_build", "notebooks/*.ipynb", "**/.ipynb_checkpoints"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "alabaster"
html_title = "MolSys-AI for Jupyter"
html_static_path: list[str] = []
html_theme_options = {"description": "The AI assistant of the MolSysSuite", "fixed_sidebar": True,
                      "page_width": "1140px"}

# --- the docs chatbot -------------------------------------------------------------
molsys_ai_api_url = os.environ.get("MOLSYS_AI_API_URL") or "http://127.0.0.1:8765"
molsys_ai_title = "Ask MolSys-AI"

# --- the JupyterLite demo ---------------------------------------------------------
jupyterlite_dir = os.environ.get("MOLSYS_AI_LITE_DIR") or str(BUILD / "lite")
# the copies of the demo notebooks live in the build folder, not in docs/
jupyterlite_content_dir = str(BUILD / "lite-contents")
jupyterlite_bind_ipynb_suffix = False

if not os.environ.get("MOLSYS_AI_LITE_PREPARED"):
    import build_lite  # noqa: E402  (scripts/build_lite.py)

    build_lite.prepare(Path(jupyterlite_dir))


def _remove_doit_db(app, exception):
    # `jupyter lite build` runs in docs/ and leaves its task database there
    (DOCS / ".jupyterlite.doit.db").unlink(missing_ok=True)


def setup(app):
    app.connect("build-finished", _remove_doit_db, priority=900)
    # jupyterlite-sphinx links a web font from fonts.googleapis.com on every page: the site
    # must load nothing from elsewhere, so that link goes (its CSS falls back to a local font)
    app.registry.css_files = [entry for entry in app.registry.css_files
                              if not str(entry[0]).startswith(("http://", "https://"))]
