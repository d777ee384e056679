#!/usr/bin/env bash
# The whole pipeline on a video (capture → landmarks → windows → heads → ZeroMQ publish), per-stage latency
# in HdrHistograms (coordinated-omission corrected at the frame interval), against two references in the
# same run: capture-only decoding (`decode`) and the pipeline without heads (`no-heads`); then the full
# pipeline as fast as possible (`full`) and paced at the video's frame rate (`paced`).
#
#   Benchmarks/pipeline-bench.sh [VIDEO] [--binary STEM] [--multiclass STEM|none] [--out DIR]
#
# VIDEO defaults to Samples/msl150_hoy_001.mp4. Landmark models come from $SIGND_MODELS_DIR (else Models/);
# heads default to <models_dir>/signing-binary and asl-signs, falling back to Models/ in the package.
set -euo pipefail
cd "$(dirname "$0")/.."

video="Samples/msl150_hoy_001.mp4"
out="out/pipeline-bench"
models="${SIGND_MODELS_DIR:-Models}"
binary=""; multiclass=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --multiclass) multiclass="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        -*) echo "pipeline-bench: unknown argument $1" >&2; exit 2 ;;
        *) video="$1"; shift ;;
    esac
done
[[ -f "$video" ]] || { echo "pipeline-bench: $video not found" >&2; exit 1; }
if [[ -z "$binary" ]]; then
    if [[ -f "$models/signing-binary.safetensors" ]]; then binary="$models/signing-binary"
    elif [[ -f "Models/signing-binary.safetensors" ]]; then binary="Models/signing-binary"
    else echo "pipeline-bench: no binary head (give --binary STEM)" >&2; exit 1; fi
fi
if [[ -z "$multiclass" ]]; then
    if [[ -f "$models/asl-signs.safetensors" ]]; then multiclass="$models/asl-signs"
    elif [[ -f "Models/asl-signs.safetensors" ]]; then multiclass="Models/asl-signs"
    else multiclass="none"; fi
fi

swift build -c release --product signd >&2
bin="$(swift build -c release --show-bin-path)/signd"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
echo "# $bin bench $video --models-dir $models --binary $binary --multiclass $multiclass -o $out"
"$bin" bench "$video" --models-dir "$models" --binary "$binary" --multiclass "$multiclass" -o "$out"
