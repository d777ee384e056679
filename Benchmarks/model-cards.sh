#!/usr/bin/env bash
# Prints the figures of the default models' cards (Models/*.md): each shipped head evaluated on the held-out
# test groups of Models/splits/NAME.json. CPU, a few minutes; not run in CI.
# Usage: Benchmarks/model-cards.sh [DATA_DIR] [extra args, e.g. --write-checks]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="$(cd "${1:-$ROOT/../shared/data}" && pwd)"
shift || true
cd "$ROOT/Training"
exec python3 -m signstgcn.model_cards --data "$DATA" --models "$ROOT/Models" "$@"
