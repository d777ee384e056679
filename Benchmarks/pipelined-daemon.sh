#!/usr/bin/env bash
# The daemon's landmark stage frame by frame against `landmarks.pipelined` (pose of frame t+1 beside hands
# and face of frame t), interleaved in one run (Benchmarks/pipelined_daemon.py): the throughput pipelining
# gains unpaced, the latency it adds paced, CPU per frame and peak RSS, with the ratios.
#
#   Benchmarks/pipelined-daemon.sh [--rounds N] [VIDEO...]
#
# Videos default to the bundled sample and the other MSL150 sign clips in ../shared/videos when present.
# Landmark models come from $SIGND_MODELS_DIR (else Models/); the heads are the shipped ones.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3; videos=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) videos+=("$1"); shift ;;
    esac
done
if ((${#videos[@]} == 0)); then
    videos=(Samples/msl150_hoy_001.mp4)
    for v in ../shared/videos/msl150_*.mp4; do [[ -f "$v" && "$(basename "$v")" != msl150_hoy_001.mp4 ]] && videos+=("$v"); done
fi
swift build -c release --product signd >&2
bin="$(swift build -c release --show-bin-path)/signd"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
echo "# $(git describe --always --dirty) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 Benchmarks/pipelined_daemon.py --signd "$bin" --models-dir "${SIGND_MODELS_DIR:-Models}" --rounds "$rounds" "${videos[@]}"
