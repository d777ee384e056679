#!/usr/bin/env bash
# How large a vocabulary the data supports (Models/asl-signs.md, "Vocabulary threshold"): the sign classifier's
# recipe trained on every gloss of Adarsha16 (WLASL clips of many signers in one group) with at least 6 source
# clips, held out by clip in 4 folds, and the same recipe on all its clips tried on other groups' recordings of
# those glosses (python -m signstgcn.vocabulary_cv; its docstring says how copies are linked and folds dealt).
# CPU, about an hour on 2 cores (five trainings of the shipped recipe); not run in CI.
# Usage: Benchmarks/vocabulary-cv.sh [DATA_DIR] [OUT.json] [vocabulary_cv options…]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="$(cd "${1:-$ROOT/../shared/data}" && pwd)"
OUT="$(realpath -m "${2:-$ROOT/out/vocabulary-cv.json}")"
shift 2 || shift $# || true
PY="$ROOT/.venv/bin/python"; [ -x "$PY" ] || PY=python3
# From the caller's directory, so a path given to --workdir means what it meant where the command was typed.
PYTHONPATH="$ROOT/Training${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" -m signstgcn.vocabulary_cv --data "$DATA" --out "$OUT" "$@"
