#!/usr/bin/env bash
# Set up, run the demo campaign (campaigns/demo.yaml: Bayesian optimisation on the synthetic test
# landscape), write its report, then put the reference glass LiAlCl2.5O0.75 through the two real
# oracles at their quick-check presets (SevenNet-MF-0 for the hull, CHGNet for the smoke MD; a few
# minutes on 2 cores in all).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
viglas validate campaigns/demo.yaml
viglas run campaigns/demo.yaml
viglas export campaigns/demo.yaml --csv campaigns/demo-results.csv
viglas report campaigns/demo.yaml --out campaigns/demo-report
echo "== convex-hull oracle (reference phases shipped, candidate relaxed with 7net-mf-0; smoke preset) =="
viglas evaluate hull LiAlCl2.5O0.75 --preset smoke --workdir campaigns/demo-artifacts
echo "== ML-MD oracle (melt-quench MD with CHGNet; smoke preset: seconds of MD, not converged) =="
viglas evaluate mlmd LiAlCl2.5O0.75 --preset smoke --threads 2 --workdir campaigns/demo-artifacts
echo "demo done: report in campaigns/demo-report/report.html, table in campaigns/demo-results.csv"
