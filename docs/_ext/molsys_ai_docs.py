"""Reference pages generated from the code, so they cannot drift from it.

``molsys-ai-settings``: the table of settings — every field of
``molsys_ai_jupyter.config.Settings`` with what the field declares: its environment
variable, its command-line flag, its default and its help (every setting is also
``%config MolsysAI.<name>`` and ``c.MolsysAIExtension.<name>``).

``molsys-ai-cli``: the help of ``molsys-ai`` and of each of its commands, as argparse
prints it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os

from docutils import nodes
from docutils.parsers.rst import Directive

# defaults computed at run time: described in words (the computed value is a path of the
# machine that builds the docs)
FACTORY_DEFAULTS = {
    "_default_data_root": "``../shared`` beside the source checkout (else in the working folder)",
    "_default_index_root": "``indexes/`` of the source checkout, else ``$XDG_DATA_HOME/molsys-ai/indexes``",
    "_default_cache_dir": "``$XDG_CACHE_HOME/molsys-ai`` (``~/.cache/molsys-ai``)",
}


def default_text(field: dataclasses.Field) -> str:
    if field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        name = getattr(field.default_factory, "__name__", "")
        return FACTORY_DEFAULTS.get(name, "computed at run time (see ``molsys_ai_jupyter/config.py``)")
    if field.default is None:
        return "not set"
    return f"``{field.default!r}``"


def _paragraph(rst_inline: str, state, lineno: int) -> list[nodes.Node]:
    parsed, messages = state.inline_text(rst_inline, lineno)
    return [nodes.paragraph("", "", *parsed), *messages]


class SettingsTable(Directive):
    has_content = False

    def run(self):
        from molsys_ai_jupyter.config import Settings

        headers = ["Setting", "Environment variable", "Flag", "Default", "Meaning"]
        rows = []
        for field in dataclasses.fields(Settings):
            env, flag, meaning = field.metadata["env"], field.metadata["flag"], field.metadata["help"]
            rows.append([
                f"``{field.name}``",
                f"``{env}``" if env else "—",
                f"``{flag}``" if flag else "—",
                default_text(field),
                meaning.replace("*", r"\*").replace("`", "``"),
            ])
        table = nodes.table(classes=["molsys-ai-settings"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        for width in (14, 18, 10, 22, 36):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        head += nodes.row("", *[nodes.entry("", nodes.paragraph(text=h)) for h in headers])
        body = nodes.tbody()
        group += body
        for cells in rows:
            row = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                entry += _paragraph(cell, self.state, self.lineno)
                row += entry
            body += row
        return [table]


def _walk(parser: argparse.ArgumentParser, prefix: str):
    yield prefix, parser
    for action in parser._actions:  # argparse keeps its subcommands here
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{prefix} {name}")


class CliHelp(Directive):
    has_content = False

    def run(self):
        from molsys_ai_jupyter.cli.main import build_parser

        old = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "100"
        try:
            out: list[nodes.Node] = []
            for command, parser in _walk(build_parser(), "molsys-ai"):
                text = parser.format_help()
                out.append(nodes.rubric(text=command, ids=[nodes.make_id(f"cli {command}")]))
                out.append(nodes.literal_block(text, text, language="text"))
            return out
        finally:
            if old is None:
                os.environ.pop("COLUMNS", None)
            else:
                os.environ["COLUMNS"] = old


def setup(app):
    app.add_directive("molsys-ai-settings", SettingsTable)
    app.add_directive("molsys-ai-cli", CliHelp)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
