#!/usr/bin/env bash
# Concurrent vs sequential hand stages of `signd extract --no-pipeline` (the daemon's frame-by-frame path,
# where the per-frame latency is the figure), same machine, same run, alternating so that
# load changes hit both modes alike. Prints each run's figures and the medians of the per-run medians.
# Usage: Benchmarks/hands-concurrency.sh VIDEO [ROUNDS]   (default 3 rounds)
# Env:   SIGND_BIN (default .build/release/signd), SIGND_MODELS_DIR (default Models/)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $# -ge 1 ]] || { echo "usage: $0 VIDEO [ROUNDS]" >&2; exit 2; }
video="$1"; rounds="${2:-3}"
bin="${SIGND_BIN:-$ROOT/.build/release/signd}"
[[ -x "$bin" ]] || { echo "hands-concurrency: $bin is not built (swift build -c release --product signd)" >&2; exit 2; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $video"
for ((r = 1; r <= rounds; r++)); do
  for mode in concurrent sequential; do
    flag=(--hands "$mode")
    "$bin" extract "$video" -o "$work/x.npz" --face --no-progress --no-pipeline --timings-json "$work/$mode-$r.json" "${flag[@]}" >/dev/null 2>&1 \
      || { echo "hands-concurrency: signd extract failed ($mode)" >&2; exit 1; }
  done
done
python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
runs = {m: [json.load(open(f"{work}/{m}-{r}.json")) for r in range(1, rounds + 1)] for m in ("concurrent", "sequential")}
for m, rs in runs.items():
    for r in rs:
        print(f"{m:11s} median {r['latency_ms_median']:6.1f} ms  p90 {r['latency_ms_p90']:6.1f} ms  cpu {r['cpu_ms_per_frame']:5.1f} ms/frame  hands stage {r['stage_ms_mean']['hands']:5.1f} ms")
med = {m: statistics.median(r["latency_ms_median"] for r in rs) for m, rs in runs.items()}
hands = {m: statistics.median(r["stage_ms_mean"]["hands"] for r in rs) for m, rs in runs.items()}
print(json.dumps({"latency_ms_median": med, "hands_stage_ms": hands,
                  "sequential_over_concurrent": round(med["sequential"] / med["concurrent"], 2)}))
PY
