#!/usr/bin/env bash
# LiteLLM's proxy in its own venv for the third-party tests (tests/thirdparty), kept
# between runs: about 50 s and 750 MB the first time, nothing after. Pinned to the
# version the dialect was written from. Fails loudly: CI must not skip these tests.
set -euo pipefail
VENV="${SORA_LITELLM_VENV:-.venv-litellm}"
VERSION="1.108.7"
STAMP="$VENV/.litellm-$VERSION"
if [ -f "$STAMP" ] && [ -x "$VENV/bin/litellm" ]; then exit 0; fi
echo "Installing litellm[proxy]==$VERSION into $VENV (about 50 s, once)..."
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "litellm[proxy]==$VERSION"
touch "$STAMP"
