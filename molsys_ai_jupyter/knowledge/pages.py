"""Parse documentation files (Markdown/MyST, reStructuredText, notebooks, text)
into pages made of heading-delimited sections of blocks.

A block is a paragraph-like unit that is never split across chunks when it is
code: a fenced code block, an indented rst literal block, or a notebook code
cell (with its text outputs).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import CorpusFile

CODE_LANGS = {
    "", "python", "py", "python3", "ipython", "ipython3", "pycon", "bash", "sh", "shell",
    "console", "text", "none", "yaml", "toml", "json", "{code-cell}", "{code-block}",
    "{code}", "{literalinclude}", "default",
}
MAX_OUTPUT_CHARS = 300

_LABEL = re.compile(r"^\((?P<label>[^()\s]+)\)=\s*$")
_RST_LABEL = re.compile(r"^\.\.\s+_(?P<label>[^:]+):\s*$")
_ROLE = re.compile(r"\{[a-z:]+\}`([^`]*)`")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


@dataclass
class Block:
    text: str
    code: bool = False
    output: str = ""  # notebook text output of a code cell, already trimmed


@dataclass
class Section:
    headings: list[str]
    anchor: str = ""
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Page:
    file: CorpusFile
    title: str
    fmt: str  # "md" | "rst" | "ipynb" | "txt"
    sections: list[Section]


def make_id(text: str) -> str:
    """An HTML id the way docutils/Sphinx derives it from a heading or label."""
    text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return re.sub(r"^[-0-9]+", "", text)


def clean_heading(text: str) -> str:
    text = _ROLE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    return text.replace("`", "").replace("*", "").strip()


class _SectionBuilder:
    """Collects blocks into sections as headings come by."""

    def __init__(self, title_fallback: str):
        self.title = ""
        self.title_fallback = title_fallback
        self.stack: list[tuple[int, str]] = []
        self.sections: list[Section] = [Section(headings=[])]
        self.pending_label = ""

    def heading(self, level: int, raw: str) -> None:
        text = clean_heading(raw)
        if not text:
            return
        if not self.title:
            self.title = text
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text))
        anchor = make_id(self.pending_label) if self.pending_label else make_id(text)
        self.pending_label = ""
        self.sections.append(Section(headings=[h for _, h in self.stack], anchor=anchor))

    def label(self, name: str) -> None:
        self.pending_label = name

    def add(self, block: Block) -> None:
        if block.text.strip() or block.output.strip():
            self.sections[-1].blocks.append(block)

    def result(self) -> tuple[str, list[Section]]:
        sections = [s for s in self.sections if s.blocks]
        return self.title or self.title_fallback, sections


# --- Markdown / MyST ---------------------------------------------------------------

_md_parser = None


def _markdown():
    global _md_parser
    if _md_parser is None:
        from markdown_it import MarkdownIt

        _md_parser = MarkdownIt("commonmark").enable("table")
    return _md_parser


def _is_code_fence(info: str) -> bool:
    lang = info.strip().split()[0].lower() if info.strip() else ""
    return lang in CODE_LANGS


def parse_markdown_into(builder: _SectionBuilder, source: str) -> None:
    lines = source.splitlines()
    tokens = _markdown().parse(source)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.level != 0 or tok.map is None:
            i += 1
            continue
        start, end = tok.map
        if tok.type == "heading_open":
            inline = tokens[i + 1].content if i + 1 < len(tokens) else ""
            builder.heading(int(tok.tag[1]), inline)
            i += 3
            continue
        text = "\n".join(lines[start:end]).strip("\n")
        if tok.type in ("fence", "code_block"):
            builder.add(Block(text=text, code=tok.type == "code_block" or _is_code_fence(tok.info)))
        else:
            match = _LABEL.match(text.strip())
            if match:
                builder.label(match.group("label"))
            else:
                builder.add(Block(text=text))
        i = _skip_to_close(tokens, i)
    return None


def _skip_to_close(tokens, i: int) -> int:
    """Index after the top-level token group that starts at ``i``."""
    tok = tokens[i]
    if tok.nesting != 1:
        return i + 1
    depth = 0
    while i < len(tokens):
        depth += tokens[i].nesting
        i += 1
        if depth == 0:
            break
    return i


# --- reStructuredText --------------------------------------------------------------

_ADORNMENT = re.compile(r"^([=\-~^\"'`#*+<>_:.])\1{2,}\s*$")


def parse_rst_into(builder: _SectionBuilder, source: str) -> None:
    lines = source.splitlines()
    levels: list[str] = []
    para: list[str] = []
    i = 0

    def flush():
        if para:
            builder.add(Block(text="\n".join(para).strip("\n")))
            para.clear()

    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        label = _RST_LABEL.match(line)
        if label:
            flush()
            builder.label(label.group("label"))
            i += 1
            continue
        # overline + title + underline
        if _ADORNMENT.match(line) and i + 2 < len(lines) and _ADORNMENT.match(lines[i + 2]) and lines[i + 1].strip():
            flush()
            style = "o" + line.strip()[0]
            if style not in levels:
                levels.append(style)
            builder.heading(levels.index(style) + 1, lines[i + 1].strip())
            i += 3
            continue
        if line.strip() and not line.startswith(" ") and _ADORNMENT.match(nxt) and len(nxt.strip()) >= len(line.strip()):
            flush()
            style = nxt.strip()[0]
            if style not in levels:
                levels.append(style)
            builder.heading(levels.index(style) + 1, line.strip())
            i += 2
            continue
        starts_literal = line.rstrip().endswith("::") or line.strip().startswith((".. code", ".. ipython", ".. jupyter-execute"))
        if starts_literal:
            is_directive = line.strip().startswith("..")
            if not is_directive:
                para.append(line)
            flush()
            j = i + 1
            body = []
            while j < len(lines) and (not lines[j].strip() or lines[j].startswith((" ", "\t"))):
                body.append(lines[j])
                j += 1
            code = "\n".join(b for b in body).strip("\n")
            if code:
                builder.add(Block(text=_dedent(code), code=True))
            i = j
            continue
        if not line.strip():
            flush()
        else:
            para.append(line)
        i += 1
    flush()


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text)


# --- notebooks ---------------------------------------------------------------------

_SKIP_TAGS = {"remove-input", "remove-cell", "hide-input-and-output"}


def _cell_text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def _outputs_text(outputs: list) -> str:
    parts = []
    for out in outputs or []:
        kind = out.get("output_type")
        if kind == "stream":
            parts.append(_cell_text(out.get("text")))
        elif kind in ("execute_result", "display_data"):
            plain = _cell_text(out.get("data", {}).get("text/plain"))
            if plain and not plain.startswith("<"):  # skip object reprs like <Styler at 0x..>
                parts.append(plain)
        elif kind == "error":
            parts.append(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")
    text = "\n".join(p.strip("\n") for p in parts if p.strip()).strip()
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS].rstrip() + " …"
    return text


def parse_notebook_into(builder: _SectionBuilder, source: str) -> None:
    notebook = json.loads(source)
    for cell in notebook.get("cells", []):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & _SKIP_TAGS:
            continue
        text = _cell_text(cell.get("source"))
        if cell.get("cell_type") == "markdown":
            parse_markdown_into(builder, text)
        elif cell.get("cell_type") == "code" and text.strip():
            builder.add(Block(text=text.strip("\n"), code=True, output=_outputs_text(cell.get("outputs"))))


# --- entry point -------------------------------------------------------------------

_PARSERS = {
    ".md": ("md", parse_markdown_into),
    ".ipynb": ("ipynb", parse_notebook_into),
    ".rst": ("rst", parse_rst_into),
}


def load_page(corpus_root: Path, file: CorpusFile) -> Page:
    """Read one documentation file into a :class:`Page`."""
    path = Path(corpus_root) / file.corpus_path
    source = path.read_text(encoding="utf-8", errors="replace")
    builder = _SectionBuilder(title_fallback=Path(file.path).stem.replace("_", " "))
    suffix = path.suffix.lower()
    fmt, parser = _PARSERS.get(suffix, ("txt", None))
    if parser is None:
        for para in re.split(r"\n\s*\n", source):
            builder.add(Block(text=para.strip("\n")))
    else:
        try:
            parser(builder, source)
        except ValueError:  # a notebook that is not valid JSON: index its raw text
            builder.add(Block(text=source))
    title, sections = builder.result()
    return Page(file=file, title=title, fmt=fmt, sections=sections)
