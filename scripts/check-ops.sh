#!/usr/bin/env bash
# Checks the operator files under ops/ (Grafana dashboard, Prometheus alerting rules) against the metrics the
# service exports: scripts/check-ops.py, run with PyYAML (PyPI) from a venv under .build/. Runs
# `promtool check rules` too when Debian's `prometheus` package is installed (optional).
# Usage: scripts/check-ops.sh [--no-promtool]
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/ops-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import yaml" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "PyYAML==6.0.3"
fi

exec "$venv/bin/python" scripts/check-ops.py "$@"
