#!/usr/bin/env bash
# TikTok's official Python SDK (PyPI tiktok-business-api-sdk-official, pinned) makes its reporting calls against
# `tiktok-business emulator`: advertiser_info and report_integrated_get (by day, by hour with pages, a lifetime
# audience report, total metrics, an unknown metric refused). See scripts/peers/official-sdk.py.
# Usage: scripts/peers/official-sdk.sh   (TIKTOK_BUSINESS_BINARY=PATH, default .build/debug/tiktok-business;
#        OFFICIAL_SDK_VERSION=1.1.3)
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$tmp/venv/bin/pip" install --quiet "tiktok-business-api-sdk-official==${OFFICIAL_SDK_VERSION:-1.1.3}"
"$tmp/venv/bin/python" scripts/peers/official-sdk.py
