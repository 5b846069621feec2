# Shared by the peer-client scripts (sourced, from the repository's root): the service binary and a Python that
# Airbyte's TikTok Marketing source runs on.

# TIKTOK_BUSINESS_BINARY, built when there is none.
peer_binary() {
    if [[ -z "${TIKTOK_BUSINESS_BINARY:-}" ]]; then
        if [[ -x .build/debug/tiktok-business ]]; then
            TIKTOK_BUSINESS_BINARY="$PWD/.build/debug/tiktok-business"
        else
            swift build --product tiktok-business
            TIKTOK_BUSINESS_BINARY="$(swift build --show-bin-path)/tiktok-business"
        fi
    fi
    export TIKTOK_BUSINESS_BINARY
}

# Sets `python` to a Python >= 3.10, < 3.12 (what the source requires), or exits naming the script ($1).
peer_python() {
    python=""
    for candidate in ${AIRBYTE_PYTHON:-} python3 python3.11 python3.10; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] < (3, 12)))' 2>/dev/null; then
            python="$candidate"
            return
        fi
    done
    echo "$1: no Python >= 3.10, < 3.12 found (set AIRBYTE_PYTHON)" >&2
    exit 1
}
