"""The Jupyter server extension behind the JupyterLab chat sidebar.

Routes, under ``<base_url>/molsys-ai/`` (all behind Jupyter's login, token and XSRF):

- ``GET status``: backend, model, index (present or not), version;
- ``POST chat`` ``{"message", "notebook"?, "context"?: {"cell", "selection", "error"}, "k"?}``:
  the answer as Server-Sent Events (``token`` … ``answer`` or ``error``, then ``done``);
- ``POST agent/suggest`` ``{"task", "notebook"?, "variables"?, "design"?}``: the agent's code
  for the task, not run (``design``: one of ``config.AGENT_DESIGNS``, the first by default);
- ``POST policy`` ``{"code", "notebook"?, "variables"?}``: ``{"findings", "needs_consent"}``,
  the execution policy's verdict on code the sidebar is about to run;
- ``GET`` / ``DELETE history?notebook=PATH``: the chat of a notebook, kept across restarts.

Enabled by ``jupyter-config/jupyter_server_config.d/molsys_ai_jupyter.json`` (installed
with the wheel), or by hand: ``jupyter server extension enable molsys_ai_jupyter.serverext``.
"""

from __future__ import annotations


def _jupyter_server_extension_points() -> list[dict]:
    from .app import MolsysAIExtension

    return [{"module": "molsys_ai_jupyter.serverext", "app": MolsysAIExtension}]
