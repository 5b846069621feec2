#!/usr/bin/env bash
# Validates the OpenAPI document (Sources/TikTokConnectionsServer/Resources/openapi.json) with
# openapi-spec-validator from PyPI, installed in a throwaway virtualenv under .build/.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/openapi-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet openapi-spec-validator
fi
out=.build/openapi.json
python3 - "$out" <<'PY'
import json, sys
text = open("Sources/TikTokConnectionsServer/Resources/openapi.json").read()
json.dump(json.loads(text), open(sys.argv[1], "w"), indent=1)
PY
"$venv/bin/openapi-spec-validator" "$out"
