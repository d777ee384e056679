#!/usr/bin/env bash
# Leave-persons-out evaluation of signing detectors through the daemon's decision path
# (Training/signstgcn/detector_cv.py, docs/detector-evaluation.md): the shipped Models/signing-binary via
# `signd replay`, and two detectors trained per fold. Prints per-fold and pooled figures; writes the full
# report (operating curves included) to OUT. CPU, about 10 minutes on 2 cores; not run in CI.
# Usage: Benchmarks/detector-cv.sh [DATA_DIR] [OUT.json] [extra args, e.g. --clips-per-class 6]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="$(cd "${1:-$ROOT/../shared/data}" && pwd)"
OUT="$(realpath -m "${2:-$ROOT/out/detector-cv.json}")"
shift 2 || shift $# || true
(cd "$ROOT" && swift build -c release --product signd >/dev/null)
PY="$ROOT/.venv/bin/python"; [ -x "$PY" ] || PY=python3
# The module runs from the caller's directory, so the paths given to --scores, --from-scores and
# --write-operating-point mean what they meant where the command was typed.
PYTHONPATH="$ROOT/Training${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" -m signstgcn.detector_cv --data "$DATA" --signd "$ROOT/.build/release/signd" \
  --shipped "$ROOT/Models/signing-binary" --group-map "$ROOT/Models/splits/traduttore-contributors.csv" \
  --out "$OUT" "$@"
