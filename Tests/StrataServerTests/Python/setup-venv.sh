#!/usr/bin/env bash
# Creates (or refreshes) the virtual environment with the real Python clients the server's tests
# drive: `setup-venv.sh [DIR]`, DIR defaults to .build/python-venv at the repository root.
# Idempotent: a stamp holding the requirements' checksum skips pip when nothing changed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${1:-$root/.build/python-venv}"
requirements="$here/requirements.txt"
stamp="$venv/.strata-requirements"
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$wanted" >"$stamp"
echo "python clients ready in $venv"
