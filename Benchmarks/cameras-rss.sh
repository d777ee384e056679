#!/usr/bin/env bash
# What each extra camera adds to one signd process's peak RSS (`cameras:`), against one process per camera
# (Benchmarks/cameras_rss.py): 1..N cameras on the same clip, played in real time and looped.
#
#   Benchmarks/cameras-rss.sh [--cameras N] [--seconds S] [--rounds R] [VIDEO]
#
# The video defaults to the bundled sample. Landmark models come from $SIGND_MODELS_DIR (else Models/); the
# heads are the shipped ones.
set -euo pipefail
cd "$(dirname "$0")/.."
args=(); video=Samples/msl150_hoy_001.mp4
while [[ $# -gt 0 ]]; do
    case "$1" in
        --cameras|--seconds|--rounds) args+=("$1" "$2"); shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) video="$1"; shift ;;
    esac
done
swift build -c release --product signd >&2
bin="$(swift build -c release --show-bin-path)/signd"
echo "# $(git describe --always --dirty) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 Benchmarks/cameras_rss.py --signd "$bin" --models-dir "${SIGND_MODELS_DIR:-Models}" "${args[@]}" "$video"
