#!/usr/bin/env bash
# Set up, then run the demo campaign (campaigns/demo.yaml) and show where it stands.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
viglas validate campaigns/demo.yaml
viglas run campaigns/demo.yaml
viglas export campaigns/demo.yaml --csv campaigns/demo-results.csv
if viglas report --help >/dev/null 2>&1; then viglas report campaigns/demo.yaml --out campaigns/demo-report; fi
