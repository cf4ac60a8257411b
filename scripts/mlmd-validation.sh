#!/usr/bin/env bash
# The ML-MD validation of issue 11 (item 6): two campaigns one after the other, niced.
# Resumable: rerun this script; finished candidates are in the stores, finished cells in the artifacts.
# Log: campaigns/mlmd-validation.log
set -euo pipefail
cd "$(dirname "$0")/.."
# THREADS processes of one torch thread each (default 2, this machine's cores) share one queue of
# jobs: the glass cells, then each (cell, temperature) as soon as its glass exists, so 3 cells on 2
# cores keep both busy to the end. THREADS=1 runs everything in one process, for a shared machine.
# --retries: every run stopped mid-evaluation (a session's end, a restart) counts as an attempt at the candidate;
# the oracle resumes inside the temperature it was on, so a stop costs at most one saved chunk, not the
# candidate. The default (2) is for oracles that may crash the process.
{
  nice -n 10 python -m optimizer.cli run campaigns/mlmd-validation.yaml --threads "${THREADS:-2}" --retries 1000
  nice -n 10 python -m optimizer.cli run campaigns/mlmd-validation-oal.yaml --threads "${THREADS:-2}" --retries 1000
} >> campaigns/mlmd-validation.log 2>&1
