#!/usr/bin/env bash
# The frame loop of this tree against a previous revision, in the same run: both release binaries on the same
# video, interleaved round by round (Benchmarks/pipeline_compare.py), per-stage p50 and mean latency and CPU
# time per frame, with the ratio. For changes to the loop's code: the per-frame cost must not grow.
#
#   Benchmarks/pipeline-compare.sh REV [--rounds N] [--video VIDEO] [--out FILE.json]
#
# REV is built in a scratch worktree under out/pipeline-compare/ (a first release build takes minutes).
# Landmark models come from $SIGND_MODELS_DIR (else Models/); the heads are the shipped ones.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

[[ $# -ge 1 && "$1" != -* ]] || { sed -n '2,9p' "$0"; exit 2; }
rev="$(git rev-parse --short "$1")"; shift
rounds=6; video="Samples/msl150_hoy_001.mp4"; out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --video) video="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "pipeline-compare: unknown argument $1" >&2; exit 2 ;;
    esac
done
models="${SIGND_MODELS_DIR:-$root/Models}"

work="$root/out/pipeline-compare/$rev"
if [[ ! -d "$work" ]]; then
    mkdir -p "$(dirname "$work")"
    git worktree add --detach "$work" "$rev" >&2
fi
(cd "$work" && swift build -c release --product signd >&2)
swift build -c release --product signd >&2
old="$(cd "$work" && swift build -c release --show-bin-path)/signd"
new="$(swift build -c release --show-bin-path)/signd"

export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
PY="$root/.venv/bin/python"; [[ -x "$PY" ]] || PY=python3
"$PY" Benchmarks/pipeline_compare.py --a "$old" --b "$new" --label-a "$rev ($(git log -1 --format=%s "$rev" | cut -c1-60))" \
    --label-b "this tree ($(git describe --always --dirty))" --video "$video" --models-dir "$models" \
    --binary "$root/Models/signing-binary" --multiclass "$root/Models/asl-signs" --rounds "$rounds" ${out:+--out "$out"}
