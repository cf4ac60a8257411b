#!/usr/bin/env bash
# Install viglas and everything it needs into the current Python (use a venv if you prefer).
# PyTorch goes first, pinned to the CPU build; a bare `torch` would pull several GB of CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -m pip install --quiet "torch==2.13.0"
"$PYTHON" -m pip install --quiet -e ".[dev]"
