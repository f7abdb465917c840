"""The SDK server (``mcp.server.mcpserver.MCPServer``) over a :class:`~.tools.Toolbox`:
five tools with typed inputs and outputs, the documentation pages as resources, two prompts.

A :class:`~molsys_ai_jupyter.errors.MolsysAIError` raised by a tool becomes an MCP tool
error whose text is the message and the hint (``message — hint``); arguments that do not
fit a tool's input schema are refused by the SDK the same way. Either way the server goes
on answering.
"""

from __future__ import annotations

import functools
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from .. import __version__
from ..errors import MolsysAIError
from . import prompts
from .models import CheckCodeResult, PlanTaskResult, SearchDocsResult, StructureInfo, SymbolInfo
from .tools import MAX_K, Toolbox

MAX_SOURCE_CHARS = 200_000
DOCS_HOSTS = ("https://www.uibcdf.org/", "https://github.com/uibcdf/")
PAGES_INDEX = "molsys-docs://pages"

INSTRUCTIONS = """\
MolSysSuite (molsysmt, pyunitwizard, molsysviewer, topomt): the libraries' documentation and their real API.
search_docs finds cited passages (cite their URLs); get_symbol gives a function's real signature and docs, and
the closest real names for one that does not exist; check_code checks code against the API and the execution
policy; plan_task turns a task about a file into a checked plan and code (nothing is run); inspect_structure
tells what a structure file holds. The documentation pages are resources, by their URL."""

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


def _as_tool_errors(tool):
    """``tool`` with a :class:`MolsysAIError` (a message and its hint) raised as an MCP tool
    error; its signature, which the SDK reads for the input and output schemas, is kept."""

    @functools.wraps(tool)
    def reported(*args, **kwargs):
        try:
            return tool(*args, **kwargs)
        except MolsysAIError as exc:
            raise ToolError(str(exc)) from exc

    return reported


def build_server(toolbox: Toolbox) -> MCPServer:
    server = MCPServer("molsys-ai", title="MolSys-AI", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING",
                       website_url="https://www.uibcdf.org/")

    @server.tool(title="Search the MolSysSuite documentation", annotations=READ_ONLY)
    @_as_tool_errors
    def search_docs(
        query: Annotated[str, Field(description="the question or the words to look for", max_length=20_000)],
        k: Annotated[int, Field(description="how many passages (one per page)", ge=1, le=MAX_K)] = 5,
        project: Annotated[str | None, Field(description="only this project: molsysmt, pyunitwizard, "
                                                         "molsysviewer, topomt or molsyssuite")] = None,
    ) -> SearchDocsResult:
        """Passages of the MolSysSuite documentation that answer a question, best first, each with its
        page URL to cite, and the API entries closest to the question."""
        return toolbox.search_docs(query, k, project)

    @server.tool(title="Look up a MolSysSuite function or class", annotations=READ_ONLY)
    @_as_tool_errors
    def get_symbol(
        name: Annotated[str, Field(description="a dotted name, e.g. molsysmt.structure.get_rmsd or msm.select",
                                   max_length=300)],
    ) -> SymbolInfo:
        """The real signature, parameters, docstring and documentation URL of a public function, class or
        method; for a name that does not exist, found=false and the closest real names."""
        return toolbox.get_symbol(name)

    @server.tool(title="Check code against the real API and the execution policy", annotations=READ_ONLY)
    @_as_tool_errors
    def check_code(
        source: Annotated[str, Field(description="Python code (a notebook cell)", max_length=MAX_SOURCE_CHARS)],
    ) -> CheckCodeResult:
        """Unknown MolSysSuite names, keyword arguments the functions do not take (with the real names to use
        instead), and what in the code would need the user's explicit consent to run. Nothing is run."""
        return toolbox.check_code(source)

    @server.tool(title="Plan a task on a structure file (never runs it)", annotations=READ_ONLY)
    @_as_tool_errors
    def plan_task(
        request: Annotated[str, Field(description="the task in plain words, naming the file, e.g. "
                                                  "'radius of gyration of the CA atoms of 1vii.pdb'",
                                      max_length=2000)],
        files: Annotated[list[str], Field(description="the files of the task, in one of the server's folders "
                                                      "(default: the files the request names)",
                                          max_length=8)] = [],  # noqa: B006 - pydantic copies defaults
    ) -> PlanTaskResult:
        """The typed plan of a task about a structure or trajectory file, its restatement in plain words and
        the rendered, checked Python code. The code is never executed and nothing is written. A request the
        planner does not understand comes back with understood=false and what it did not understand."""
        return toolbox.plan_task(request, files)

    @server.tool(title="Inspect a structure or trajectory file", annotations=READ_ONLY)
    @_as_tool_errors
    def inspect_structure(
        path: Annotated[str, Field(description="the file, relative to the server's first folder or absolute "
                                               "inside one of its folders", max_length=4096)],
        topology: Annotated[str | None, Field(description="the topology of a coordinates-only trajectory (xtc, "
                                                          "dcd…); default: the structure file of the same name",
                                              max_length=4096)] = None,
    ) -> StructureInfo:
        """Atoms, residues, chains, molecules, frames, box and time step of a structure or trajectory file
        (pdb, gro, mol2, h5, h5msm, xtc, dcd…). Only files inside the server's folders can be read."""
        return toolbox.inspect_structure(path, topology)

    def page(url: str) -> str:
        try:
            return toolbox.page(url)
        except MolsysAIError as exc:
            raise ResourceError(str(exc)) from exc

    @server.resource("https://www.uibcdf.org/{+path}", name="uibcdf-docs-page", mime_type="text/markdown",
                     title="A MolSysSuite documentation page",
                     description="a page of www.uibcdf.org as Markdown, by its URL (the URLs search_docs cites)")
    def uibcdf_page(path: str) -> str:
        return page(DOCS_HOSTS[0] + path)

    @server.resource("https://github.com/uibcdf/{+path}", name="uibcdf-repository-page", mime_type="text/markdown",
                     title="A MolSysSuite repository document",
                     description="a README or other document of the projects' repositories, by its URL")
    def github_page(path: str) -> str:
        return page(DOCS_HOSTS[1] + path)

    @server.resource(PAGES_INDEX, name="documentation-pages", mime_type="text/markdown",
                     title="Every MolSysSuite documentation page", description="title and URL of each page")
    def pages_index() -> str:
        try:
            files = toolbox.pages().files
        except MolsysAIError as exc:
            raise ResourceError(str(exc)) from exc
        return "\n".join(f"- [{f.path}]({url}) ({f.project})" for url, f in sorted(files.items())) + "\n"

    @server.prompt(name="answer_with_citations", title="Answer with citations")
    def answer_with_citations(question: str, project: str = "") -> str:
        """Answer a MolSysSuite question from the documentation, citing each page by its URL."""
        return prompts.answer_with_citations(question, project)

    @server.prompt(name="write_verified_molsysmt_code", title="Write verified molsysmt code")
    def write_verified_molsysmt_code(task: str) -> str:
        """Write molsysmt code that uses only the real API, checked with check_code before it is shown."""
        return prompts.write_verified_code(task)

    return server
