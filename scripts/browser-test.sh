#!/usr/bin/env bash
# Browser test of the admin page and the sandbox consent flow: headless Chromium (Debian `chromium`,
# `chromium-driver`) driven by Selenium (PyPI) against `tiktok-business serve` in sandbox mode on free ports.
# Screenshots and logs go to artifacts/browser/ (or $TIKTOK_BUSINESS_TEST_ARTIFACTS/browser/).
# Usage: scripts/browser-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

artifacts="${TIKTOK_BUSINESS_TEST_ARTIFACTS:-$PWD/artifacts}/browser"
rm -rf "$artifacts"
mkdir -p "$artifacts"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
    else
        echo "Install Debian's chromium and chromium-driver (sudo apt-get install chromium chromium-driver)." >&2
        exit 1
    fi
fi
venv=.build/browser-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "selenium==4.51.0"
fi

source scripts/sandbox-serve.sh
start_sandbox_serve "$artifacts/serve.log" info browser-test-key

BASE_URL="$base" API_KEY="$api_key" ARTIFACTS="$artifacts" "$venv/bin/python" Tests/browser/test_admin.py
echo "Screenshots in $artifacts"
