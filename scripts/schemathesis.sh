#!/usr/bin/env bash
# Runs schemathesis (PyPI) against /openapi.json of `tiktok-business serve` in sandbox mode on free ports, with every
# check: no server errors, every answer matches the documented status codes and schemas, 405 for undocumented methods.
# Four connections are made first through the sandbox consent pages (scripts/sandbox-seed.py).
# Usage: scripts/schemathesis.sh [extra `st run` arguments, e.g. --max-examples 200]
set -euo pipefail
cd "$(dirname "$0")/.."

artifacts="${TIKTOK_BUSINESS_TEST_ARTIFACTS:-$PWD/artifacts}/schemathesis"
mkdir -p "$artifacts"
venv=.build/schemathesis-venv
if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/st" --version | grep -q "4.32.5"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi

source scripts/sandbox-serve.sh
start_sandbox_serve "$artifacts/serve.log" warning schemathesis-key

# use_after_free is left out on purpose: DELETE revokes, and a revoked connection stays readable (status "revoked").
# Real connections of every kind, so that the links from the list reach the operations on one connection.
python3 "$PWD/scripts/sandbox-seed.py" "$base" "$api_key" >/dev/null
st="$PWD/$venv/bin/st"
# Run from the artifacts directory so schemathesis's cache lands there, not in the repository.
cd "$artifacts"
"$st" run "$base/openapi.json" -H "Authorization: Bearer $api_key" --checks all \
    --exclude-checks use_after_free --max-examples 50 --seed "${SCHEMATHESIS_SEED:-20261125}" \
    --report junit --report-dir "$artifacts" "$@"
