#!/usr/bin/env bash
# Sourced by the scripts that drive a live service: builds the executable and starts `tiktok-business serve` in
# sandbox mode on free loopback ports with a throwaway database, waits until it answers, and stops it on exit.
#
#   source scripts/sandbox-serve.sh
#   start_sandbox_serve LOG_FILE LOG_LEVEL KEY_PREFIX    # sets $base, $api_key and $serve_pid

start_sandbox_serve() {
    local log_file="$1" log_level="$2" key_prefix="$3"
    swift build --product tiktok-business
    local binary
    binary="$(swift build --show-bin-path)/tiktok-business"
    free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
    local port sandbox_port
    port="$(free_port)"
    sandbox_port="$(free_port)"
    while [ "$sandbox_port" = "$port" ]; do sandbox_port="$(free_port)"; done
    sandbox_data="$(mktemp -d)"
    api_key="$key_prefix-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    base="http://127.0.0.1:$port"

    env -u TIKTOK_APP_ID -u TIKTOK_APP_SECRET \
        TIKTOK_BUSINESS_PORT="$port" TIKTOK_BUSINESS_SANDBOX_PORT="$sandbox_port" TIKTOK_BUSINESS_PUBLIC_URL="$base" \
        TIKTOK_BUSINESS_DATABASE_URL="sqlite://$sandbox_data/connections.sqlite" TIKTOK_BUSINESS_API_KEY="$api_key" \
        LOG_LEVEL="$log_level" "$binary" serve >"$log_file" 2>&1 &
    serve_pid=$!
    trap stop_sandbox_serve EXIT

    for _ in $(seq 1 100); do
        if curl -fsS "$base/healthz" >/dev/null 2>&1; then return 0; fi
        if ! kill -0 "$serve_pid" 2>/dev/null; then cat "$log_file" >&2; exit 1; fi
        sleep 0.1
    done
    echo "serve did not answer at $base" >&2
    exit 1
}

stop_sandbox_serve() {
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
    rm -rf "$sandbox_data"
}
