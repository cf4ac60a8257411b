#!/usr/bin/env bash
# Set up, then lint, type-check and run the default test suite (slow checks: add `-m slow`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PYTHON=${PYTHON:-python3}
"$PYTHON" -m ruff check oracles surrogates optimizer benchmarks tests
"$PYTHON" -m mypy
"$PYTHON" -m pytest "$@"
