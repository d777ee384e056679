#!/usr/bin/env bash
# Prints the open-set figures of a multi-class head (Models/NAME.md, "Open set"): how often held-out
# in-vocabulary segments get their label and out-of-vocabulary signing gets `unknown`, the trade-off curve,
# and the operating point (python -m signstgcn.open_set; its docstring says what is held out, and how).
# --write stores the operating point in Models/NAME.manifest.json.
# With --daemon, the same test part instead goes through `signd eval` (the daemon's decision path: the binary
# head decides when the multi-class head runs, every 5th frame while signing) and its open-set lines are printed;
# SIGND names the binary (default .build/release/signd, else .build/debug/signd).
# CPU, a few minutes; not run in CI.
# Usage: Benchmarks/open-set.sh [DATA_DIR] [--name NAME] [--write] [--json FILE] | [DATA_DIR] --daemon
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="$(cd "${1:-$ROOT/../shared/data}" && pwd)"
shift || true
PY="$ROOT/.venv/bin/python"; [ -x "$PY" ] || PY=python3
cd "$ROOT/Training"
if [ "${1:-}" != --daemon ]; then
  exec "$PY" -m signstgcn.open_set --data "$DATA" --models "$ROOT/Models" "$@"
fi
SIGND="${SIGND:-$ROOT/.build/release/signd}"; [ -x "$SIGND" ] || SIGND="$ROOT/.build/debug/signd"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/data"
"$PY" -m signstgcn.open_set --data "$DATA" --models "$ROOT/Models" --list-test | while read -r v; do
  ln -s "$DATA/$v.npz" "$WORK/data/$v.npz"
done
echo "signd eval on $(ls "$WORK/data" | wc -l) test sequences ($SIGND)"
SIGND_MODELS_DIR="$ROOT/Models" "$SIGND" eval --data "$WORK/data" --groundtruth "$DATA/groundtruth.txt" \
  --video-labels "$DATA/sequences.csv" --plots 0 --no-progress -o "$WORK/out" | grep -E "^(videos|events|multiclass|open set)"
