#!/usr/bin/env bash
# SignSTGCN per-window latency, batch 1, one thread: the Swift engine (full recompute and streaming with
# frame reuse) against PyTorch eager on the same model in the same run.
#
#   Benchmarks/stgcn-latency.sh [--model STEM] [--iterations N]
#
# STEM names STEM.safetensors + STEM.manifest.json (default: the additive_binary_j75_c2 parity fixture).
# OpenBLAS picks its kernels per CPU; OPENBLAS_CORETYPE (e.g. SKYLAKEX on AVX-512 CPUs it does not
# know) is passed through if set.
set -euo pipefail
cd "$(dirname "$0")/.."

stem="Tests/Fixtures/stgcn/additive_binary_j75_c2/model"
iterations=200
while [[ $# -gt 0 ]]; do
    case "$1" in
        --model) stem="$2"; shift 2 ;;
        --iterations) iterations="$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "stgcn-latency: unknown argument $1" >&2; exit 2 ;;
    esac
done
for f in "$stem.safetensors" "$stem.manifest.json"; do
    [[ -f "$f" ]] || { echo "stgcn-latency: $f not found" >&2; exit 1; }
done
torch_script="Benchmarks/stgcn_torch_latency.py"
[[ -f "$torch_script" ]] || { echo "stgcn-latency: $torch_script not found (PyTorch reference)" >&2; exit 1; }

swift build -c release --product signd-bench-stgcn >&2
bin="$(swift build -c release --show-bin-path)/signd-bench-stgcn"

export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
swift_json="$("$bin" --model "$stem" --iterations "$iterations" --json)"
torch_json="$(python3 "$torch_script" --model "$stem" --iterations "$iterations" --threads 1 | tail -n 1)"

python3 - "$swift_json" "$torch_json" <<'PY'
import json, sys
s, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
torch_ms = float(t["torch_eager_ms_median"])
rows = [("PyTorch eager", torch_ms, t.get("torch_eager_ms_p90")),
        ("Swift full recompute", s["swift_full"]["median_ms"], s["swift_full"]["p90_ms"]),
        ("Swift streaming (reuse)", s["swift_stream"]["median_ms"], s["swift_stream"]["p90_ms"]),
        ("Swift streaming (no reuse)", s["swift_stream_no_reuse"]["median_ms"], s["swift_stream_no_reuse"]["p90_ms"])]
print(f"SignSTGCN per-window latency, batch 1, 1 thread — {s['model']} (J={s['joints']}, C={s['coords']}, "
      f"{s['attention']}), {s['iterations']} windows")
print(f"OpenBLAS: {s['blas']}")
print(f"{'':28}{'median ms':>10}{'p90 ms':>10}{'PyTorch / this':>16}")
for name, med, p90 in rows:
    p90s = f"{float(p90):10.3f}" if p90 is not None else f"{'-':>10}"
    print(f"{name:28}{med:10.3f}{p90s}{torch_ms / med:15.2f}x")
full, stream = s["swift_full"]["median_ms"], s["swift_stream"]["median_ms"]
def verdict(ms):
    return f"{'meets' if ms <= 2.0 and torch_ms / ms >= 5.0 else 'misses'} the goal (<= 2 ms, >= 5x PyTorch)"
print(f"full recompute {verdict(full)}; streaming {verdict(stream)}")
print(f"max |streaming - full recompute| logit over the run: {s['max_abs_diff_stream_vs_full']:.2e}")
print(json.dumps({"torch_eager_ms_median": torch_ms, "swift_full_ms_median": full, "swift_stream_ms_median": stream,
                  "ratio_torch_over_swift_full": round(torch_ms / full, 3),
                  "ratio_torch_over_swift_stream": round(torch_ms / stream, 3)}))
PY
