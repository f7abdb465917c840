"""Settings: one place for defaults, read from env vars and an optional TOML file.

Precedence (highest first): explicit overrides (CLI flags, function arguments) >
IPython config (``c.MolsysAI.<setting>`` in a profile's ``ipython_config.py``, or
``%config MolsysAI.<setting> = …`` once the extension is loaded) > environment
variables > the TOML file (``MOLSYS_AI_CONFIG`` or ``~/.config/molsys-ai/config.toml``)
> built-in defaults.

Data layout under the data root (default ``../shared`` relative to the repo root):
``corpus/`` (documentation snapshot), ``data/structures/`` (molecular files),
``bench/`` (dev sets).
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _repo_root() -> Path | None:
    """The source checkout holding the package, when running from one."""
    candidate = PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").is_file():
        return candidate
    return None


def _default_data_root() -> Path:
    root = _repo_root()
    base = root if root is not None else Path.cwd()
    return (base / ".." / "shared").resolve()


def _default_index_root() -> Path:
    root = _repo_root()
    if root is not None:
        return root / "indexes"
    data_home = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return data_home / "molsys-ai" / "indexes"


def _default_cache_dir() -> Path:
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache_home / "molsys-ai"


ENV_VARS = {
    "data_root": "MOLSYS_AI_DATA",
    "corpus_dir": "MOLSYS_AI_CORPUS",
    "structures_dir": "MOLSYS_AI_STRUCTURES",
    "index_root": "MOLSYS_AI_INDEX_DIR",
    "index_name": "MOLSYS_AI_INDEX",
    "cache_dir": "MOLSYS_AI_CACHE",
    "llm_url": "MOLSYS_AI_LLM_URL",
    "model": "MOLSYS_AI_MODEL",
    "api_key": "MOLSYS_AI_API_KEY",
    "llm_timeout": "MOLSYS_AI_LLM_TIMEOUT",
    "gguf_path": "MOLSYS_AI_GGUF",
    "llm_threads": "MOLSYS_AI_LLM_THREADS",
    "api_url": "MOLSYS_AI_API_URL",
    "chroma_url": "MOLSYS_AI_CHROMA_URL",
    "agent_design": "MOLSYS_AI_AGENT_DESIGN",
}
AGENT_DESIGNS = ("plans", "model-plans", "recipes", "freeform")  # the first is the default
DEFAULT_AGENT_DESIGN = AGENT_DESIGNS[0]
DESIGN_HELP = ("plans: the request is read into a typed plan, restated, and run only when every word is "
               "understood; model-plans: the model writes the typed plan from the reader's hints, run only when "
               "it covers every phrase; recipes: the model fills a verified recipe; freeform: the model writes "
               "the code")


@dataclass(frozen=True)
class Settings:
    data_root: Path = field(default_factory=_default_data_root)
    corpus_dir: Path | None = None  # None: <data_root>/corpus
    structures_dir: Path | None = None  # None: <data_root>/data/structures
    index_root: Path = field(default_factory=_default_index_root)
    index_name: str = "molsyssuite"
    cache_dir: Path = field(default_factory=_default_cache_dir)
    # language model: an OpenAI-compatible server when llm_url is set (vLLM in
    # production), else the embedded CPU model (SmolLM2-135M GGUF, or gguf_path)
    llm_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    llm_timeout: float = 60.0
    llm_retries: int = 2
    gguf_path: Path | None = None
    llm_threads: int | None = None  # CPU threads of the embedded model (default: the cores, at most 4)
    temperature: float = 0.2
    repeat_penalty: float = 1.1
    max_answer_tokens: int = 384
    context_tokens: int = 4096
    # the chat API of the GPU node (`molsys-ai serve`), e.g. https://gpu-node/molsys-ai: when
    # set, front ends without a local index (JupyterLite, thin installs) ask it over HTTP
    api_url: str | None = None
    # the dense store: None = the embedded Chroma folder of the index; http://host:port = a
    # Chroma server (client/server mode, for several API workers)
    chroma_url: str | None = None
    # how the agent writes code (AGENT_DESIGNS, DESIGN_HELP); the same execution policy applies to all
    agent_design: str = DEFAULT_AGENT_DESIGN

    @property
    def corpus(self) -> Path:
        return Path(self.corpus_dir) if self.corpus_dir else Path(self.data_root) / "corpus"

    @property
    def structures(self) -> Path:
        if self.structures_dir:
            return Path(self.structures_dir)
        return Path(self.data_root) / "data" / "structures"

    @property
    def bench(self) -> Path:
        return Path(self.data_root) / "bench"

    @property
    def index_path(self) -> Path:
        return Path(self.index_root) / self.index_name

    @property
    def embedding_cache(self) -> Path:
        return Path(self.cache_dir) / "embeddings"

    def with_overrides(self, **overrides) -> "Settings":
        """A copy with the non-None overrides applied (CLI flags use this)."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **_coerce(clean))


_PATH_FIELDS = {"data_root", "corpus_dir", "structures_dir", "index_root", "cache_dir", "gguf_path"}
_FLOAT_FIELDS = {"llm_timeout", "temperature", "repeat_penalty"}
_INT_FIELDS = {"llm_retries", "max_answer_tokens", "context_tokens", "llm_threads"}


def _coerce(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if key in _PATH_FIELDS:
            value = Path(value).expanduser()
        elif key in _FLOAT_FIELDS:
            value = _number(key, value, float)
        elif key in _INT_FIELDS:
            value = _number(key, value, int)
        elif key == "agent_design" and value not in AGENT_DESIGNS:
            from .errors import MolsysAIError

            raise MolsysAIError(f"setting agent_design must be one of {', '.join(AGENT_DESIGNS)}, got {value!r}",
                                f"set {ENV_VARS['agent_design']} to one of them")
        out[key] = value
    return out


def _number(key: str, value, kind):
    try:
        return kind(value)
    except (TypeError, ValueError):
        from .errors import MolsysAIError

        raise MolsysAIError(f"setting {key} must be a number, got {value!r}") from None


def config_file() -> Path:
    explicit = os.environ.get("MOLSYS_AI_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    config_home = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return config_home / "molsys-ai" / "config.toml"


def _from_toml(path: Path) -> dict:
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        table = tomllib.load(handle)
    known = {f.name for f in fields(Settings)}
    section = table.get("molsys_ai", table)
    return {k: v for k, v in section.items() if k in known}


def _from_env() -> dict:
    return {name: os.environ[var] for name, var in ENV_VARS.items() if os.environ.get(var)}


IPYTHON_SECTION = "MolsysAI"


def _from_ipython() -> dict:
    """Settings from the running IPython's config, if IPython is already loaded
    (never imported here: plain Python and the CLI stay light)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return {}
    section = shell.config.get(IPYTHON_SECTION) or {}
    known = {f.name for f in fields(Settings)}
    return {k: v for k, v in section.items() if k in known}


def load_settings(**overrides) -> Settings:
    """Defaults < TOML file < environment < IPython config < explicit overrides."""
    values = _from_toml(config_file())
    values.update(_from_env())
    values.update(_from_ipython())
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**_coerce(values))
