#!/usr/bin/env bash
# The real HTTP layers of vLLM-Omni 0.30.0 and SGLang 0.5.23 (from their PyPI wheels) for
# tests/thirdparty/real_servers, in their own venv kept between runs (SORA_REALSERVERS_VENV).
# Everything pinned and installed with --no-deps: the servers' GPU stack (torch, ...) is
# never installed, see tests/thirdparty/real_servers/stubs.py. About 20 s and 1.4 GB the
# first time on a warm pip cache (no bytecode compiled: the servers compile the few hundred
# modules they import on first start), nothing after. Fails loudly: CI must not skip these tests.
set -euo pipefail
VENV="${SORA_REALSERVERS_VENV:-.venv-realservers}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REQS="$HERE/real-servers-requirements.txt"
STAMP="$VENV/.real-servers-$(sha1sum "$REQS" | cut -c1-12)"
if [ -f "$STAMP" ]; then exit 0; fi
echo "Installing vllm-omni 0.30.0 and sglang 0.5.23 (HTTP layers, no GPU stack) into $VENV (about 20 s, once)..."
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet --no-deps --no-compile -r "$REQS"
rm -f "$VENV"/.real-servers-*
touch "$STAMP"
