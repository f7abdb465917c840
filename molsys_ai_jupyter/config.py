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

import functools
import os
import sys
import tomllib
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, get_args, get_type_hints

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


AGENT_DESIGNS = ("plans", "model-plans", "recipes", "freeform")  # the first is the default
DEFAULT_AGENT_DESIGN = AGENT_DESIGNS[0]
QUERY_ADAPTERS = ("packaged", "none")  # the first is the default
DESIGN_HELP = ("plans: the request is read into a typed plan, restated, and run only when every word is "
               "understood; model-plans: the model writes the typed plan from the reader's hints, run only when "
               "it covers every phrase; recipes: the model fills a verified recipe; freeform: the model writes "
               "the code")

DATA, LLM = "data and index locations", "language model (default: the embedded offline model)"  # CLI flag groups


def setting(default: Any = None, *, help: str, env: str | None = None, flag: str | None = None,
            group: str | None = None, choices: tuple[str, ...] | None = None,
            default_factory: Callable[[], Any] | None = None) -> Any:
    """A field of :class:`Settings` with what every front end derives from it: ``env``
    (the environment variable), ``help``, and the command-line ``flag`` in its ``group``
    of flags; IPython's ``%config MolsysAI.<name>`` exists for every field."""
    metadata = {"help": help, "env": env, "flag": flag, "group": group, "choices": choices}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    data_root: Path = setting(default_factory=_default_data_root, env="MOLSYS_AI_DATA", flag="--data", group=DATA,
                              help="data root holding corpus/, data/structures/, bench/")
    corpus_dir: Path | None = setting(env="MOLSYS_AI_CORPUS", flag="--corpus", group=DATA,
                                      help="documentation corpus folder (default <data>/corpus)")
    structures_dir: Path | None = setting(env="MOLSYS_AI_STRUCTURES", flag="--structures", group=DATA,
                                          help="molecular structures folder (default <data>/data/structures)")
    index_root: Path = setting(default_factory=_default_index_root, env="MOLSYS_AI_INDEX_DIR", flag="--index-dir",
                               group=DATA, help="folder holding the indexes")
    index_name: str = setting("molsyssuite", env="MOLSYS_AI_INDEX", flag="--name", group=DATA,
                              help="index name (default molsyssuite)")
    cache_dir: Path = setting(default_factory=_default_cache_dir, env="MOLSYS_AI_CACHE",
                              help="cache of embeddings, models built locally and environments")
    # language model: an OpenAI-compatible server when llm_url is set (vLLM in
    # production), else the embedded CPU model (SmolLM2-135M GGUF, or gguf_path)
    llm_url: str | None = setting(env="MOLSYS_AI_LLM_URL", flag="--llm-url", group=LLM,
                                  help="OpenAI-compatible server, e.g. http://gpu-node:8000/v1")
    model: str | None = setting(env="MOLSYS_AI_MODEL", flag="--model", group=LLM,
                                help="model name on that server (default: the one it serves)")
    api_key: str | None = setting(env="MOLSYS_AI_API_KEY", help="API key for that server")
    llm_timeout: float = setting(60.0, env="MOLSYS_AI_LLM_TIMEOUT", flag="--timeout", group=LLM,
                                 help="seconds to wait for the server")
    llm_retries: int = setting(2, help="retries of a failed request to the server")
    gguf_path: Path | None = setting(env="MOLSYS_AI_GGUF", help="a GGUF file for the embedded model "
                                                                "(default: the packaged SmolLM2-135M)")
    llm_threads: int | None = setting(env="MOLSYS_AI_LLM_THREADS", flag="--llm-threads", group=LLM,
                                      help="CPU threads of the embedded model (default: the cores, at most 4)")
    temperature: float = setting(0.2, help="sampling temperature of answers")
    repeat_penalty: float = setting(1.1, help="repetition penalty of the embedded model")
    max_answer_tokens: int = setting(384, help="longest answer, in tokens")
    context_tokens: int = setting(4096, help="context window of the embedded model, in tokens")
    api_url: str | None = setting(env="MOLSYS_AI_API_URL",
                                  help="the chat API (molsys-ai serve), e.g. https://gpu-node/molsys-ai: front ends "
                                       "without a local index (JupyterLite, thin installs; %molsys ask) ask it "
                                       "over HTTP")
    chroma_url: str | None = setting(env="MOLSYS_AI_CHROMA_URL",
                                     help="a Chroma server (http://host:port) for the dense store, for several "
                                          "API workers (default: the index's embedded Chroma folder)")
    query_adapter: str = setting(QUERY_ADAPTERS[0], env="MOLSYS_AI_QUERY_ADAPTER", choices=QUERY_ADAPTERS,
                                 help="packaged: map each query's embedding with the adapter learned from questions "
                                      "written about the docs; none: the base MiniLM query (passages are the same)")
    agent_design: str = setting(DEFAULT_AGENT_DESIGN, env="MOLSYS_AI_AGENT_DESIGN", choices=AGENT_DESIGNS,
                                help="how %%molsys writes code: " + DESIGN_HELP)

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

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the non-None overrides applied (CLI flags use this)."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **_coerce(clean))


SETTINGS_FIELDS: dict[str, Field] = {f.name: f for f in fields(Settings)}
ENV_VARS: dict[str, str] = {name: f.metadata["env"] for name, f in SETTINGS_FIELDS.items() if f.metadata["env"]}


@functools.cache
def setting_kind(name: str) -> type:
    """What a setting holds: Path, float, int or str (``None`` aside)."""
    hint = get_type_hints(Settings)[name]
    kinds = [k for k in get_args(hint) if k is not type(None)] or [hint]
    return kinds[0]


def settings_traits() -> dict[str, Any]:
    """One configurable trait per setting (traitlets, imported here only): IPython's
    ``%config MolsysAI.<name>`` and the Jupyter server's ``c.MolsysAIExtension.<name>``.
    Unset traits are None: the setting falls back to the environment, the TOML file and
    its default."""
    from traitlets import Float, Int, Unicode

    kinds = {float: Float, int: Int}
    return {name: kinds.get(setting_kind(name), Unicode)(None, allow_none=True, help=spec.metadata["help"])
            .tag(config=True) for name, spec in SETTINGS_FIELDS.items()}


def _coerce(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        kind = setting_kind(key)
        if kind is Path:
            value = Path(value).expanduser()
        elif kind in (float, int):
            value = _number(key, value, kind)
        choices = SETTINGS_FIELDS[key].metadata["choices"]
        if choices and value not in choices:
            from .errors import MolsysAIError

            raise MolsysAIError(f"setting {key} must be one of {', '.join(choices)}, got {value!r}",
                                f"set {ENV_VARS[key]} to one of them")
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
    section = table.get("molsys_ai", table)
    return {k: v for k, v in section.items() if k in SETTINGS_FIELDS}


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
    return {k: v for k, v in section.items() if k in SETTINGS_FIELDS}


def load_settings(**overrides) -> Settings:
    """Defaults < TOML file < environment < IPython config < explicit overrides."""
    values = _from_toml(config_file())
    values.update(_from_env())
    values.update(_from_ipython())
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**_coerce(values))
