#!/usr/bin/env bash
# The drop-in TikTok endpoint with TikTok's own clients: a sandbox `tiktok-business serve`, an advertiser connection
# made through the connect flow, and a proxy token (POST /v1/connections/{id}/proxy-tokens) that TikTok's official
# Python SDK (PyPI tiktok-business-api-sdk-official) and Airbyte's TikTok Marketing source (PyPI
# airbyte-source-tiktok-marketing) use as their access token, with only their host changed to the service. Then
# revocation, an allow-list and the refused authorization endpoints, and a scan of everything a caller could see
# (and the service's log) for the connection's real access token and the app secret. See scripts/peers/drop-in.py.
# Artifacts (scrubbed): artifacts/drop-in/ (or $TIKTOK_BUSINESS_TEST_ARTIFACTS/drop-in/). About a minute once the
# virtual environments exist (most of it waiting for a 60-s token to expire); the first run installs them (+45 s).
# Usage: scripts/peers/drop-in.sh
#   TIKTOK_BUSINESS_BINARY=PATH    the executable (default .build/debug/tiktok-business, built when missing)
#   OFFICIAL_SDK_VERSION=1.1.3     AIRBYTE_SOURCE_VERSION=4.7.0     AIRBYTE_PYTHON=python3.11 (>= 3.10, < 3.12)
#   DROP_IN_FRESH=1                reinstall the virtual environments (.build/drop-in-venvs/)
#   DROP_IN_EXPIRY=0               skip the expired-token check (it waits out a 60-s token: most of a run)
set -euo pipefail
cd "$(dirname "$0")/../.."

sdk_version="${OFFICIAL_SDK_VERSION:-1.1.3}"
airbyte_version="${AIRBYTE_SOURCE_VERSION:-4.7.0}"
venvs=.build/drop-in-venvs

source scripts/peers/common.sh
peer_binary
peer_python drop-in

# One virtual environment per client (so that neither's dependencies bend the other's), kept under .build/ between
# runs and rebuilt when the pinned version changes or DROP_IN_FRESH=1. Throwaway: delete .build/drop-in-venvs/ freely.
venv_for() {   # NAME PACKAGE VERSION
    local dir="$venvs/$1" package="$2" version="$3"
    if [[ "${DROP_IN_FRESH:-0}" != 0 ]] || [[ ! -x "$dir/bin/python" ]] ||
        [[ "$(cat "$dir/.installed" 2>/dev/null)" != "$package==$version" ]]; then
        rm -rf "$dir"
        echo "[drop-in $(date +%H:%M:%S)] installing $package==$version ($("$python" -V))"
        "$python" -m venv "$dir"
        PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "$dir/bin/pip" install --quiet "$package==$version"
        echo "$package==$version" >"$dir/.installed"
    fi
}
venv_for sdk tiktok-business-api-sdk-official "$sdk_version" &
sdk_install=$!
venv_for airbyte airbyte-source-tiktok-marketing "$airbyte_version" &
airbyte_install=$!
wait "$sdk_install"
wait "$airbyte_install"

# The SDK runs in-process (drop-in.py imports it); the source runs as its own entry point from its environment.
exec "$venvs/sdk/bin/python" scripts/peers/drop-in.py --airbyte-venv "$venvs/airbyte"
