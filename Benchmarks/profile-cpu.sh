#!/usr/bin/env bash
# Where signd's CPU goes: samples the daemon's frame loop on the bundled clip with `perf record` (cpu-clock,
# DWARF call chains; Debian's linux-perf) and prints the split by stage (pose detector and landmarks, hands,
# face, smoothing, heads, publishing, capture) and by kind of code (the networks in LiteRT/XNNPACK, OpenBLAS,
# FFmpeg decoding, colour conversion, OpenCV warps and resizes, ZeroMQ, kernel, runtime, signd's own code),
# with Benchmarks/cpu_split.py. Not run in CI. Proportions, not times: they hold on a loaded machine too.
# Usage: Benchmarks/profile-cpu.sh [VIDEO] [extra signd run flags, e.g. --face]
# The environment passes through (e.g. OPENBLAS_NUM_THREADS=2 to see what OpenBLAS's own threading costs).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
video="${1:-Samples/msl150_hoy_001.mp4}"
shift || true
command -v perf >/dev/null || { echo "profile-cpu: perf is missing (apt install linux-perf)" >&2; exit 1; }
swift build -c release --product signd >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
SIGND_MODELS_DIR="${SIGND_MODELS_DIR:-$ROOT/Models}" perf record -q -e cpu-clock -F 999 --call-graph dwarf,32768 -o "$work/perf.data" -- \
  .build/release/signd run --config configs/demo.yaml --source "$video" --endpoint "ipc://$work/events" "$@" >/dev/null 2>"$work/run.log" \
  || { tail -5 "$work/run.log" >&2; exit 1; }
echo "signd run --config configs/demo.yaml --source $video $* ($(grep -o 'frames=[0-9]*' "$work/run.log" | tail -1))"
perf script -i "$work/perf.data" 2>/dev/null | python3 Benchmarks/cpu_split.py
