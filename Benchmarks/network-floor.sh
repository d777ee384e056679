#!/usr/bin/env bash
# The CPU floor set by the networks alone, in signd and in MediaPipe Python, in one run (issue 17's CPU target
# against what bit-identical inference allows). Runs Benchmarks/network_floor.py (method in its docstring):
# both engines on each VIDEO and on a 3x-long copy of it under `perf record`, interleaved per round, and
# prints per round and per video (medians) the CPU ms per frame of each loop, the networks' ms per frame, and
# floor_over_mediapipe_cpu = signd's network ms per frame / MediaPipe's CPU ms per frame. Not run in CI.
# Usage: Benchmarks/network-floor.sh [VIDEO...]   (default: the two bundled clips)
# Env:   SIGND_BIN         signd binary (default .build/release/signd)
#        MEDIAPIPE_PYTHON  reference interpreter (default .venv-mediapipe/bin/python; see Tools/README.md)
#        SIGND_MODELS_DIR  models directory (default Models/)
#        ROUNDS            rounds (default 3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v perf >/dev/null || { echo "network-floor: perf is missing (apt install linux-perf)" >&2; exit 2; }
PY="${MEDIAPIPE_PYTHON:-$ROOT/.venv-mediapipe/bin/python}"
[[ -x "$PY" ]] || { echo "network-floor: no MediaPipe reference interpreter at $PY (see Tools/README.md)" >&2; exit 2; }
SIGND_BIN="${SIGND_BIN:-$ROOT/.build/release/signd}"
[[ -x "$SIGND_BIN" ]] || { echo "network-floor: $SIGND_BIN is not built (swift build -c release --product signd)" >&2; exit 2; }
export SIGND_MODELS_DIR="${SIGND_MODELS_DIR:-$ROOT/Models}"
(($# > 0)) || set -- Samples/msl150_hoy_001.mp4 Samples/mmaction2_test.avi
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), signd=$SIGND_BIN at $(git describe --always --dirty 2>/dev/null || echo '?')"
"$PY" Benchmarks/network_floor.py --signd "$SIGND_BIN" --rounds "${ROUNDS:-3}" "$@"
echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
