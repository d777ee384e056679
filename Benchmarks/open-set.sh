#!/usr/bin/env bash
# Prints the open-set figures of a multi-class head (Models/NAME.md, "Open set"): how often held-out
# in-vocabulary segments get their label and out-of-vocabulary signing gets `unknown`, the trade-off curve,
# and the operating point (python -m signstgcn.open_set; its docstring says what is held out, and how).
# CPU, a few minutes; not run in CI. --write stores the operating point in Models/NAME.manifest.json.
# Usage: Benchmarks/open-set.sh [DATA_DIR] [--name NAME] [--write] [--json FILE]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="$(cd "${1:-$ROOT/../shared/data}" && pwd)"
shift || true
PY="$ROOT/.venv/bin/python"; [ -x "$PY" ] || PY=python3
cd "$ROOT/Training"
exec "$PY" -m signstgcn.open_set --data "$DATA" --models "$ROOT/Models" "$@"
