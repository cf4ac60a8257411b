#!/usr/bin/env bash
# The ML-MD validation of issue 11 (item 6): two campaigns one after the other, niced.
# Resumable: rerun this script; finished candidates are in the stores, finished cells in the artifacts.
# Log: campaigns/mlmd-validation.log
set -euo pipefail
cd "$(dirname "$0")/.."
# One process per cell, one torch thread each (--threads N runs min(N, cells) cells at once): all 3
# cells of a composition at once keep 2 cores busy (2 of 3 would leave one idle for a third of the
# time). CELLS=1 runs one cell at a time, for a machine shared with other work.
# --retries: every run stopped mid-evaluation (a session's end) counts as an attempt at the candidate;
# the oracle resumes at the temperature it was on, so a stop costs at most one temperature, not the
# candidate. The default (2) is for oracles that may crash the process.
{
  nice -n 10 python -m optimizer.cli run campaigns/mlmd-validation.yaml --threads "${CELLS:-3}" --retries 100
  nice -n 10 python -m optimizer.cli run campaigns/mlmd-validation-oal.yaml --threads "${CELLS:-2}" --retries 100
} >> campaigns/mlmd-validation.log 2>&1
