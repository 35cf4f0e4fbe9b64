#!/usr/bin/env bash
# Run every notebook in notebooks/ top to bottom under nbval (--nbval-lax), against the
# built-in emulator in fast mode.
#
#   scripts/run-notebooks.sh [extra pytest args...]     e.g. -k 05 or -x
#
# - The notebooks are copied to a temp folder first, so a run never writes into the repo
#   and always starts from an empty library (the notebooks keep theirs next to themselves).
# - Fast emulator: SORA_NOTEBOOK_EMULATOR_SPEED=50 and SORA_NOTEBOOK_EMULATOR_RENDER=draft
#   (both can be overridden from the environment).
# - The variables that would point the notebooks at a real (paid) backend are removed, so
#   a test run never spends money; the cells that need a key or a server skip themselves.
# - Jupyter and IPython write their config and runtime files inside the temp folder.
# - pytest runs with the repo's config (pyproject.toml: strict markers, warnings are
#   errors) given explicitly with -c, and rootdir set to the temp folder. Warnings raised
#   inside the kernel are not pytest warnings: they appear as the cell's stderr, which
#   --nbval-lax does not compare, so they never fail a run; an exception in a cell does.
# - The kernel is the interpreter running pytest (--nbval-current-env), so the notebooks
#   always test this checkout's environment.
# Python: $PYTHON, else the repo's .venv, else python3.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -n "${PYTHON:-}" ]]; then
    python="$PYTHON"
elif [[ -x "$repo/.venv/bin/python" ]]; then
    python="$repo/.venv/bin/python"
else
    python="python3"
fi
# Anchor a relative path before the cd below (without resolving the venv's symlink).
case "$python" in /*) ;; */*) python="$PWD/$python" ;; esac

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sora-notebooks.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/notebooks" "$tmp/jupyter/config" "$tmp/jupyter/data" "$tmp/jupyter/runtime" \
    "$tmp/ipython"
# Only the notebooks (and any small files next to them), never a library left by a person.
find "$repo/notebooks" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$tmp/notebooks/" \;

export SORA_NOTEBOOK_EMULATOR_SPEED="${SORA_NOTEBOOK_EMULATOR_SPEED:-50}"
export SORA_NOTEBOOK_EMULATOR_RENDER="${SORA_NOTEBOOK_EMULATOR_RENDER:-draft}"
unset SORA_NOTEBOOK_BASE_URL SORA_NOTEBOOK_API_KEY SORA_NOTEBOOK_FLAVOR SORA_NOTEBOOK_DIALECT \
    OPENROUTER_API_KEY TOGETHER_API_KEY LITELLM_PROXY_API_BASE LITELLM_PROXY_API_KEY \
    OPENAI_API_KEY OPENAI_BASE_URL \
    AZURE_OPENAI_ENDPOINT AZURE_OPENAI_API_KEY AZURE_OPENAI_API_VERSION \
    SORA_NOTEBOOK_SERVER_ROOT
export JUPYTER_CONFIG_DIR="$tmp/jupyter/config" JUPYTER_DATA_DIR="$tmp/jupyter/data" \
    JUPYTER_RUNTIME_DIR="$tmp/jupyter/runtime" IPYTHONDIR="$tmp/ipython" \
    JUPYTER_PLATFORM_DIRS=1 PYTHONDONTWRITEBYTECODE=1

cd "$tmp"
"$python" -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider \
    -c "$repo/pyproject.toml" --rootdir "$tmp" "$@" "$tmp/notebooks"
