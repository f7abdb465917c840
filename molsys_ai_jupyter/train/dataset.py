"""The instruction dataset: chat-format (system, user, assistant) examples built from the
documentation corpus with the project's own readers (manifest, pages, API surface).

Kinds of example:

- ``api``: a question about a public symbol → its summary, signature, parameters and a
  call that uses the real name and the required arguments (from ``_api_surface.jsonl``);
- ``recipe``: the intent written before a code cell or code block (the prose right before
  it, else the cell's leading comment) → that code;
- ``howto``: a section heading turned into a question → the section's text;
- ``grounded``: a third of the recipe/howto examples again, in the assistant's own RAG
  prompt (the numbered-source format of ``assistant.prompt``) → a short answer that cites
  ``[1]``: the format the assistant uses at run time.

Every page cited by the dev questions is left out (``excluded_pages``), examples are
deduplicated (same prompt and answer; the same answer twice within a kind), and the
held-out split is chosen by *page* (a hash of the page key), so no page gives examples to
both splits and the split does not move when other pages change.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace

from ..assistant.prompt import build_messages
from ..knowledge.api_cards import is_internal
from ..knowledge.api_record import ApiRecord, read_api_surface
from ..knowledge.chunks import _code_of
from ..knowledge.manifest import CorpusManifest
from ..knowledge.pages import Block, Page, load_page

TRAIN_SYSTEM_PROMPT = (
    "You are MolSys-AI, the assistant of the MolSysSuite Python libraries "
    "(molsysmt, pyunitwizard, molsysviewer, topomt). Answer briefly and use only real API names."
)
IMPORT_ALIASES = {"molsysmt": "msm", "pyunitwizard": "puw"}
KINDS = ("api", "recipe", "howto", "grounded")
SPLITS = ("train", "heldout")

MAX_INTENT_CHARS = 600
MAX_CODE_CHARS = 2500
MAX_ANSWER_CHARS = 1800
GROUNDED_SHARE = 3  # one recipe/howto example in this many also gets a grounded twin
GROUNDED_BUDGET_TOKENS = 700


@dataclass
class Example:
    id: str
    kind: str
    project: str
    page: str  # the split unit: a corpus path, or ``<project>/api:<module>`` for API symbols
    messages: list[dict]
    split: str = "train"
    tokens: dict = field(default_factory=dict)  # prompt / answer tokens, when counted

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DatasetOptions:
    heldout_fraction: float = 0.1
    grounded: bool = True
    exclude_pages: frozenset[str] = frozenset()


# --- helpers -----------------------------------------------------------------------

def _stable_hash(text: str) -> int:
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:12], 16)


def split_of(page: str, heldout_fraction: float) -> str:
    """Deterministic split of a page (the same page always lands in the same split)."""
    return "heldout" if (_stable_hash(f"split\x00{page}") % 10_000) < heldout_fraction * 10_000 else "train"


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for sep in ("\n\n", "\n", ". "):
        at = cut.rfind(sep)
        if at > limit // 2:
            return cut[:at + (1 if sep == ". " else 0)].rstrip()
    return cut.rstrip() + " …"


_ROLE = re.compile(r"\{[a-z:]+\}`~?([^`]*)`")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ADMONITION = re.compile(r"^:::+\s*\{[^}]*\}.*$|^:::+\s*$", re.MULTILINE)


def clean_prose(text: str) -> str:
    """Markdown/MyST prose → plain readable text (roles, links and admonition fences removed)."""
    text = _ROLE.sub(r"`\1`", text)
    text = _LINK.sub(r"\1", text)
    text = _ADMONITION.sub("", text)
    text = re.sub(r"^\s*\.\. [a-z-]+::.*$", "", text, flags=re.MULTILINE)  # rst directives
    text = re.sub(r"<[^>]+>", "", text)  # html
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _system(content: str = TRAIN_SYSTEM_PROMPT) -> dict:
    return {"role": "system", "content": content}


def _chat(user: str, answer: str) -> list[dict]:
    return [_system(), {"role": "user", "content": user}, {"role": "assistant", "content": answer}]


def _fence(code: str, lang: str = "python") -> str:
    return f"```{lang}\n{code.strip()}\n```"


# --- API symbol cards ----------------------------------------------------------------

_QUESTIONS = (
    "How do I use `{name}`?",
    "What does `{name}` do, and what are its parameters?",
    "Show me how to call `{name}`.",
    "What is the signature of `{name}` in {project}?",
)


def docstring_params(doc: str) -> dict[str, str]:
    """The first description line of each parameter of a numpydoc ``Parameters`` section."""
    lines = (doc or "").splitlines()
    out: dict[str, str] = {}
    try:
        start = next(i for i, line in enumerate(lines[:-1])
                     if line.strip() == "Parameters" and set(lines[i + 1].strip()) == {"-"})
    except StopIteration:
        return out
    i = start + 2
    current = None
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and line.strip() and set(lines[i + 1].strip()) == {"-"} and not line.startswith(" "):
            break  # next section
        match = re.match(r"^(\*{0,2}[A-Za-z_][\w, *]*?)\s*:\s*(.*)$", line) if not line.startswith(" ") else None
        if match:
            for name in match.group(1).split(","):
                current = name.strip().lstrip("*")
                out.setdefault(current, "")
        elif current and line.strip() and not out[current]:
            out[current] = line.strip()
        i += 1
    return out


def _signature_args(signature: str) -> tuple[list[str], list[tuple[str, str]]]:
    """(required argument names, [(keyword, default source)]) of a rendered signature."""
    head = signature.split("->")[0].strip() if ")" in signature else signature
    try:
        tree = ast.parse(f"def {head}: pass")
    except SyntaxError:
        return [], []
    args = tree.body[0].args
    positional = [*args.posonlyargs, *args.args]
    n_default = len(args.defaults)
    required = [a.arg for a in positional[: len(positional) - n_default]]
    optional = [(a.arg, ast.unparse(d)) for a, d in zip(positional[len(positional) - n_default:], args.defaults, strict=False)]
    for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=False):
        if d is None:
            required.append(f"{a.arg}={a.arg}")
        else:
            optional.append((a.arg, ast.unparse(d)))
    required = [r for r in required if r not in ("self", "cls")]
    return required, optional


def _call_name(name: str, project: str) -> tuple[str, str]:
    """(import line, name as written after that import)."""
    alias = IMPORT_ALIASES.get(project)
    if alias and name.startswith(project + "."):
        return f"import {project} as {alias}", alias + name[len(project):]
    return f"import {project}", name


def api_example(record: ApiRecord) -> tuple[str, str] | None:
    """(question, answer) for one API record, or None for records not worth teaching."""
    kind = record.kind
    doc = record.docstring.strip()
    if kind not in ("function", "class") and not doc:
        return None
    names = sorted(record.public_names, key=lambda n: (n.count("."), len(n)))
    name = names[0]
    project = record.project
    summary = doc.split("\n\n")[0].replace("\n", " ").strip() if doc else ""
    required, optional = _signature_args(record.signature)
    short = name.rsplit(".", 1)[-1]
    signature = f"{name.rsplit('.', 1)[0]}.{record.signature}" if "(" in record.signature else name
    parts = [f"`{name}` is a {kind} of {project}." + (f" {summary}" if summary else "")]
    parts.append(f"Signature: `{signature}`")
    described = docstring_params(doc)
    params = [p for p in record.params if p not in ("self", "cls")]
    if params:
        lines = []
        for p in params[:12]:
            text = described.get(p) or described.get(p.lstrip("*"), "")
            lines.append(f"- `{p}`" + (f": {text}" if text else ""))
        parts.append("Parameters:\n" + "\n".join(lines))
    import_line, written = _call_name(name, project)
    if kind in ("function", "class"):
        call = f"{written}({', '.join(required)})"
        target = "obj" if kind == "class" else "result"
        parts.append("Example:\n" + _fence(f"{import_line}\n{target} = {call}"))
    elif kind == "property":
        parts.append(f"Read it on an instance: `value = obj.{short}`.")
    else:
        parts.append(f"Call it on an instance of `{name.rsplit('.', 1)[0].rsplit('.', 1)[-1]}`: "
                     f"`obj.{short}({', '.join(required)})`.")
    aliases = [n for n in names[1:4]]
    if aliases:
        parts.append("Also available as: " + ", ".join(f"`{a}`" for a in aliases) + ".")
    question = _QUESTIONS[_stable_hash(name) % len(_QUESTIONS)].format(name=name, project=project)
    return question, _clip("\n\n".join(parts), MAX_ANSWER_CHARS * 2)


def api_examples(manifest: CorpusManifest) -> list[Example]:
    out = []
    for project, path in sorted(manifest.api_surfaces().items()):
        for record in read_api_surface(path):
            if is_internal(record.qualname):
                continue
            pair = api_example(record)
            if pair is None:
                continue
            page = f"{project}/api:{record.module or record.qualname.rsplit('.', 1)[0]}"
            out.append(Example(id="", kind="api", project=project, page=page, messages=_chat(*pair)))
    return out


# --- pages: recipes and how-to sections ------------------------------------------------

_TRIVIAL_CODE = re.compile(r"^\s*((import|from)\s+\S+.*|%\S+.*|#.*|\w+)?\s*$")


def _is_useful_code(code: str) -> bool:
    lines = [line for line in code.strip().splitlines() if line.strip()]
    if not lines or len(code) > MAX_CODE_CHARS:
        return False
    if all(_TRIVIAL_CODE.match(line) for line in lines):
        return False  # only imports, magics, comments or a bare name
    return "(" in code or "=" in code


def _leading_comment(code: str) -> str:
    lines = code.strip().splitlines()
    comment = []
    for line in lines:
        if line.strip().startswith("#"):
            comment.append(line.strip().lstrip("#").strip())
        else:
            break
    return " ".join(c for c in comment if c)


def _where(page: Page, headings: list[str]) -> str:
    trail = [h for h in headings if h != page.title]
    return " › ".join([page.title, *trail])


def _is_prose(block: Block) -> bool:
    text = block.text.strip()
    return not block.code and bool(text) and not text.startswith(("|", "<", "![", ":::{figure", "```{figure"))


def recipe_pairs(page: Page) -> list[tuple[str, str, str]]:
    """(question, answer, section text) for each code block with an intent before it."""
    out = []
    for section in page.sections:
        section_text = section_body(page, section)
        for i, block in enumerate(section.blocks):
            if not block.code:
                continue
            code = _code_of(block).strip()
            if not _is_useful_code(code):
                continue
            prose = []
            j = i - 1
            while j >= 0 and _is_prose(section.blocks[j]) and len(prose) < 2:
                prose.insert(0, clean_prose(section.blocks[j].text))
                j -= 1
            intent = "\n\n".join(p for p in prose if p) or _leading_comment(code)
            if len(intent.split()) < 3:
                continue
            intent = _clip(intent, MAX_INTENT_CHARS)
            lang = "bash" if block.text.lstrip().startswith(("```bash", "```sh", "```console")) else "python"
            question = f"Using {page.file.project} ({_where(page, section.headings)}): {intent}"
            out.append((question, _fence(code, lang), section_text))
    return out


def section_body(page: Page, section) -> str:
    parts = []
    for block in section.blocks:
        if block.code:
            lang = "python" if page.fmt == "ipynb" else ("bash" if "bash" in block.text[:12] else "python")
            parts.append(_fence(_code_of(block), lang))
        else:
            cleaned = clean_prose(block.text)
            if cleaned:
                parts.append(cleaned)
    return _clip("\n\n".join(parts), MAX_ANSWER_CHARS)


_QUESTION_WORDS = ("how ", "what ", "why ", "when ", "which ", "where ", "can ", "should ")


def heading_question(page: Page, headings: list[str]) -> str:
    heading = headings[-1] if headings else page.title
    project = page.file.project
    lower = heading.lower()
    if heading.endswith("?"):
        question = heading
    elif lower.startswith("how to "):
        question = f"How do I {heading[7:].rstrip('.')}?"
    elif lower.startswith(_QUESTION_WORDS):
        question = heading.rstrip(".") + "?"
    elif len(headings) > 1 and heading != page.title:
        question = f"What does the {project} documentation say about “{heading}” in “{page.title}”?"
    else:
        question = f"What does the {project} documentation say about “{heading}”?"
    return question if project.lower() in question.lower() else f"{question} ({project})"


def howto_pairs(page: Page) -> list[tuple[str, str, str]]:
    out = []
    for section in page.sections:
        prose = " ".join(clean_prose(b.text) for b in section.blocks if _is_prose(b))
        if len(prose.split()) < 12:
            continue
        body = section_body(page, section)
        out.append((heading_question(page, section.headings), body, body))
    return out


def grounded_pair(page: Page, question: str, answer: str, source_text: str, kind: str) -> list[dict]:
    """The assistant's own prompt (numbered sources) with this section as source [1]."""
    headings = _where(page, [])
    hit = SimpleNamespace(project=page.file.project, headings=headings, title=page.title, content=source_text)
    messages = build_messages(question, [hit], [], budget_tokens=GROUNDED_BUDGET_TOKENS)
    if kind == "recipe":
        reply = f"{answer}\n\nThis is how [1] does it."
    else:
        prose = [part for part in answer.split("\n\n") if not part.startswith("```")]
        code = [part for part in answer.split("\n\n") if part.startswith("```")]
        summary = _clip(" ".join(prose), 400)
        reply = f"{summary} [1]" + (f"\n\n{code[0]}" if code else "")
    return [*messages, {"role": "assistant", "content": reply}]


def page_examples(page: Page, grounded: bool = True) -> list[Example]:
    out = []
    project, key = page.file.project, page.file.corpus_path
    for kind, pairs in (("recipe", recipe_pairs(page)), ("howto", howto_pairs(page))):
        for question, answer, source_text in pairs:
            out.append(Example(id="", kind=kind, project=project, page=key, messages=_chat(question, answer)))
            if grounded and _stable_hash(f"grounded\x00{question}\x00{answer}") % GROUNDED_SHARE == 0:
                out.append(Example(id="", kind="grounded", project=project, page=key,
                                   messages=grounded_pair(page, question, answer, source_text, kind)))
    return out


# --- the whole set ---------------------------------------------------------------------

def dev_cited_pages(questions_file: Path) -> frozenset[str]:
    """Every corpus page a dev question cites as a gold source."""
    pages = set()
    if Path(questions_file).is_file():
        for line in Path(questions_file).read_text(encoding="utf-8").splitlines():
            if line.strip():
                pages.update(json.loads(line).get("gold_sources") or [])
    return frozenset(pages)


def deduplicate(examples: list[Example]) -> tuple[list[Example], int]:
    """Drop repeats: the same prompt and answer anywhere; the same answer twice in a kind."""
    seen_pairs: set[str] = set()
    seen_answers: set[tuple[str, str]] = set()
    kept = []
    for ex in examples:
        user = _normalise(" ".join(m["content"] for m in ex.messages if m["role"] == "user"))
        answer = _normalise(ex.messages[-1]["content"])
        pair = hashlib.sha1(f"{user}\x00{answer}".encode()).hexdigest()
        if pair in seen_pairs or (ex.kind, answer) in seen_answers:
            continue
        seen_pairs.add(pair)
        seen_answers.add((ex.kind, answer))
        kept.append(ex)
    return kept, len(examples) - len(kept)


def build_examples(corpus_root: Path, options: DatasetOptions) -> tuple[list[Example], dict]:
    manifest = CorpusManifest(corpus_root)
    examples: list[Example] = []
    excluded = set()
    n_pages = 0
    for file in manifest.doc_files():
        if file.corpus_path in options.exclude_pages:
            excluded.add(file.corpus_path)
            continue
        n_pages += 1
        examples.extend(page_examples(load_page(manifest.root, file), grounded=options.grounded))
    examples.extend(api_examples(manifest))
    examples, duplicates = deduplicate(examples)
    for ex in examples:
        ex.split = split_of(ex.page, options.heldout_fraction)
        digest = json.dumps(ex.messages, sort_keys=True)
        ex.id = hashlib.sha1(f"{ex.kind}\x00{ex.page}\x00{digest}".encode()).hexdigest()[:16]
    info = {
        "corpus": str(corpus_root),
        "corpus_commits": manifest.commits(),
        "pages_read": n_pages,
        "excluded_pages": sorted(excluded),
        "excluded_pages_cited_not_found": sorted(set(options.exclude_pages) - excluded),
        "duplicates_removed": duplicates,
    }
    return examples, info


def count_tokens(examples: list[Example], tokenizer) -> None:
    """Fill ``example.tokens`` (prompt / answer / total, in the chat format) with a
    ``tokenizers.Tokenizer`` (fast, no torch)."""
    def render(messages):
        return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)

    prompts = [render(ex.messages[:-1]) + "<|im_start|>assistant\n" for ex in examples]
    answers = [ex.messages[-1]["content"] + "<|im_end|>\n" for ex in examples]
    for ex, p, a in zip(examples, tokenizer.encode_batch(prompts, add_special_tokens=False),
                        tokenizer.encode_batch(answers, add_special_tokens=False), strict=False):
        ex.tokens = {"prompt": len(p.ids), "answer": len(a.ids), "total": len(p.ids) + len(a.ids)}


def statistics(examples: list[Example]) -> dict:
    stats: dict = {}
    for split in SPLITS:
        rows = [e for e in examples if e.split == split]
        entry = {"examples": len(rows), "pages": len({e.page for e in rows}), "by_kind": {}}
        entry.update(_token_totals(rows))
        for kind in KINDS:
            of_kind = [e for e in rows if e.kind == kind]
            entry["by_kind"][kind] = {"examples": len(of_kind), **_token_totals(of_kind)}
        stats[split] = entry
    train_pages = {e.page for e in examples if e.split == "train"}
    stats["pages_in_both_splits"] = len(train_pages & {e.page for e in examples if e.split == "heldout"})
    return stats


def _token_totals(rows: list[Example]) -> dict:
    if not rows or not rows[0].tokens:
        return {}
    totals = [e.tokens["total"] for e in rows]
    return {
        "tokens": sum(totals),
        "answer_tokens": sum(e.tokens["answer"] for e in rows),
        "max_tokens": max(totals),
        "mean_tokens": round(sum(totals) / len(totals), 1),
    }


def write_dataset(examples: list[Example], out_dir: Path, info: dict) -> dict:
    """``train.jsonl``, ``heldout.jsonl`` and ``stats.json`` in ``out_dir``; returns the stats."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        with open(out_dir / f"{split}.jsonl", "w", encoding="utf-8") as handle:
            for ex in examples:
                if ex.split == split:
                    handle.write(json.dumps(ex.to_dict(), ensure_ascii=False) + "\n")
    stats = {**info, **statistics(examples)}
    (out_dir / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return stats


def read_split(path: Path) -> list[dict]:
    from ..errors import MolsysAIError

    path = Path(path)
    if not path.is_file():
        raise MolsysAIError(f"dataset file not found: {path}", "build it first: molsys-ai train dataset")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
