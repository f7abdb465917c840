#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment and link it as .venv.
#
# The venv lives under ${MOLSYS_AI_CACHE:-~/.cache/molsys-ai}/venvs/<key>, where <key>
# hashes pyproject.toml, the extras and the Python version: an unchanged project reuses
# it in seconds. This checkout is then installed into it in editable mode.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
EXTRAS=${EXTRAS:-embedded,agent,lab,server,mcp,train,docs,test}
CACHE=${MOLSYS_AI_CACHE:-$HOME/.cache/molsys-ai}
pyver=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
key=$( (cat pyproject.toml scripts/requirements.py scripts/setup-venv.sh; echo "$EXTRAS $pyver") | sha256sum | cut -c1-16)
venv="$CACHE/venvs/$key"

if [ ! -f "$venv/.complete" ]; then
  echo "creating the environment in $venv (first time only: a few minutes)"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet hatchling editables "hatch-jupyter-builder>=0.9.1"
  # shellcheck disable=SC2086
  "$PYTHON" scripts/requirements.py ${EXTRAS//,/ } > "$venv/requirements.txt"
  # llama-cpp-python has no wheel on PyPI: build it once, keep it beside the venvs
  llama=$(grep -i '^llama-cpp-python' "$venv/requirements.txt" | sed 's/\[[^]]*\]//' || true)
  mkdir -p "$CACHE/wheels"
  if [ -n "$llama" ] && ! ls "$CACHE/wheels"/llama_cpp_python-"${llama##*==}"-*.whl >/dev/null 2>&1; then
    echo "building $llama once (10-25 min on 2 cores); the wheel is kept in $CACHE/wheels"
    CMAKE_ARGS="-DLLAVA_BUILD=OFF" "$venv/bin/python" -m pip wheel --quiet --no-deps -w "$CACHE/wheels" "$llama"
  fi
  "$venv/bin/python" -m pip install --quiet --find-links "$CACHE/wheels" -r "$venv/requirements.txt"
  touch "$venv/.complete"
fi
# the editable install also builds the JupyterLab sidebar (npm install + build, offline from
# GitHub: only the npm registry is used)
"$venv/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e .
ln -sfn "$venv" .venv
echo "environment ready: .venv -> $venv"
