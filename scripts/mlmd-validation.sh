#!/usr/bin/env bash
# The ML-MD validation of issue 11 (item 6): two campaigns one after the other, niced, one torch thread.
# Resumable: rerun this script; finished candidates are in the stores, finished cells in the artifacts.
# Log: campaigns/mlmd-validation.log
set -euo pipefail
cd "$(dirname "$0")/.."
{
  nice -n 10 python -m optimizer.cli run campaigns/mlmd-validation.yaml --threads 1
  nice -n 10 python -m optimizer.cli run campaigns/mlmd-validation-oal.yaml --threads 1
} >> campaigns/mlmd-validation.log 2>&1
