#!/usr/bin/env bash
# Airbyte's TikTok Marketing source (PyPI airbyte-source-tiktok-marketing, pinned) runs unchanged against
# `tiktok-business emulator`: installed in a throwaway virtual environment, only the `url_base` of its manifest pointed
# at the emulator, an advertiser token minted the way the tests do; then `spec`, `check`, `discover` and `read` of
# every stream whose endpoints the emulator serves (scripts/peers/airbyte.py says what is checked, which streams, and
# with which configs). Exits non-zero when check fails, an ERROR trace or log appears, a command fails, or a selected
# stream has no records; prints records per stream, and each failed stream's error with a request the source sent.
# Raw protocol output (token and secret scrubbed): artifacts/airbyte/ (or $TIKTOK_BUSINESS_TEST_ARTIFACTS/airbyte/).
# The reports are most of the time (the source handles about 200 records a second): see AIRBYTE_DAYS in airbyte.py.
# Usage: scripts/peers/airbyte.sh
#   AIRBYTE_STREAMS=advertisers,campaigns,ad_groups,ads   only these streams (about 1.5 minutes with the install)
#   AIRBYTE_SOURCE_VERSION=4.7.0   the source's version; AIRBYTE_PYTHON=python3.11   an interpreter >= 3.10, < 3.12
#   TIKTOK_BUSINESS_BINARY=PATH    the executable (default .build/debug/tiktok-business, built when missing)
set -euo pipefail
cd "$(dirname "$0")/../.."

version="${AIRBYTE_SOURCE_VERSION:-4.7.0}"

source scripts/peers/common.sh
peer_binary
peer_python airbyte

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$python" -m venv "$tmp/venv"
echo "[airbyte $(date +%H:%M:%S)] installing airbyte-source-tiktok-marketing==$version ($("$python" -V))"
PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$tmp/venv/bin/pip" install --quiet "airbyte-source-tiktok-marketing==$version"
mkdir -p "$tmp/work"
"$python" scripts/peers/airbyte.py --venv "$tmp/venv" --work "$tmp/work"
