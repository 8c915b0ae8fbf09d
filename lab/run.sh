#!/usr/bin/env bash
# Regenerate lab captures: lab/run.sh all | list | NAME...  (needs root)
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m lab "$@"
