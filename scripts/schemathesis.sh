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
if [ ! -x "$venv/bin/st" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet schemathesis
fi

swift build --product tiktok-business
binary="$(swift build --show-bin-path)/tiktok-business"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
sandbox_port="$(free_port)"
while [ "$sandbox_port" = "$port" ]; do sandbox_port="$(free_port)"; done
data="$(mktemp -d)"
api_key="schemathesis-key-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
base="http://127.0.0.1:$port"

env -u TIKTOK_APP_ID -u TIKTOK_APP_SECRET \
    TIKTOK_BUSINESS_PORT="$port" TIKTOK_BUSINESS_SANDBOX_PORT="$sandbox_port" TIKTOK_BUSINESS_PUBLIC_URL="$base" \
    TIKTOK_BUSINESS_DATABASE_URL="sqlite://$data/connections.sqlite" TIKTOK_BUSINESS_API_KEY="$api_key" \
    LOG_LEVEL=warning "$binary" serve >"$artifacts/serve.log" 2>&1 &
serve_pid=$!
cleanup() {
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
    rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$serve_pid" 2>/dev/null; then cat "$artifacts/serve.log" >&2; exit 1; fi
    sleep 0.1
done

# use_after_free is left out on purpose: DELETE revokes, and a revoked connection stays readable (status "revoked").
# Real connections of every kind, so that the links from the list reach the operations on one connection.
python3 "$PWD/scripts/sandbox-seed.py" "$base" "$api_key" >/dev/null
st="$PWD/$venv/bin/st"
# Run from the artifacts directory so schemathesis's cache lands there, not in the repository.
cd "$artifacts"
"$st" run "$base/openapi.json" -H "Authorization: Bearer $api_key" --checks all \
    --exclude-checks use_after_free --max-examples 50 \
    --report junit --report-dir "$artifacts" "$@"
