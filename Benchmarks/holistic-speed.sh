#!/usr/bin/env bash
# signd's Holistic landmark extraction vs MediaPipe Python Holistic, same machine, same run (docs/holistic.md
# §12, §11 check 9). For each VIDEO: MediaPipe first (Benchmarks/mediapipe_holistic_speed.py), then
# `signd extract VIDEO -o OUT.npz --timings-json OUT.json --face --decode-first` (MediaPipe Holistic always
# runs the face models, so signd runs them too, as docs/holistic.md §12 explains); prints both JSON lines and
# the ratios MediaPipe / signd (above 1 means signd is faster).
#
# The headline ratio is THROUGHPUT vs THROUGHPUT: wall time of the whole frame loop / frames on both sides,
# first frame included, decoding excluded on both (MediaPipe's script decodes before timing; signd does so
# with --decode-first). MediaPipe's process() is synchronous, so its loop time / frames is its throughput;
# signd extract pipelines frames (pose of frame t+1 beside hands and face of frame t), so only its loop
# time / frames is a throughput — its per-frame latency is printed separately and is not comparable.
#
# With SIGND_VARIANTS, each round runs MediaPipe once per video and then every signd variant in turn (so
# load changes hit them alike); after the last round one summary line per video and variant gives the
# median over rounds of the throughput ratio.
# Usage: Benchmarks/holistic-speed.sh VIDEO...
# Env:   SIGND_BIN          signd binary (default .build/release/signd, else .build/debug/signd, in the repository)
#        MEDIAPIPE_PYTHON   reference interpreter (default .venv-mediapipe/bin/python in the repository;
#                           see Tools/README.md)
#        SIGND_MODELS_DIR   models directory passed through to signd (default Models/)
#        SIGND_EXTRACT_ARGS extra `signd extract` options (default: --face --decode-first; e.g. add
#                           --no-pipeline for the sequential path, --pose-threads 2)
#        SIGND_VARIANTS     several option sets separated by ';' (default: SIGND_EXTRACT_ARGS alone)
#        ROUNDS             rounds (default 1)
#        REFINE_FACE        1: MediaPipe with refine_face_landmarks=True, and signd's default options become
#                           --refine-face --decode-first (478-point faces on both sides)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

[[ $# -ge 1 ]] || { echo "usage: $0 VIDEO..." >&2; exit 2; }
PY="${MEDIAPIPE_PYTHON:-$ROOT/.venv-mediapipe/bin/python}"
[[ -x "$PY" ]] || { echo "holistic-speed: no MediaPipe reference interpreter at $PY (see Tools/README.md)" >&2; exit 2; }
if [[ -z "${SIGND_BIN:-}" ]]; then
  for candidate in "$ROOT/.build/release/signd" "$ROOT/.build/debug/signd"; do
    [[ -x "$candidate" ]] && { SIGND_BIN="$candidate"; break; }
  done
fi
[[ -n "${SIGND_BIN:-}" && -x "$SIGND_BIN" ]] || {
  echo "holistic-speed: signd is not built (swift build -c release --product signd, or set SIGND_BIN)" >&2; exit 2; }

[[ "$SIGND_BIN" == *"/debug/"* ]] && echo "holistic-speed: warning: $SIGND_BIN is a debug build; its timings are not representative" >&2

mp_flags=()
default_args="--face --decode-first"
if [[ "${REFINE_FACE:-0}" == 1 ]]; then mp_flags=(--refine-face); default_args="--refine-face --decode-first"; fi
IFS=';' read -r -a variants <<< "${SIGND_VARIANTS:-${SIGND_EXTRACT_ARGS-$default_args}}"
rounds="${ROUNDS:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), signd=$SIGND_BIN"

status=0
for ((round = 1; round <= rounds; round++)); do
  for video in "$@"; do
    [[ -f "$video" ]] || { echo "holistic-speed: no such video $video" >&2; status=1; continue; }
    mp_json="$("$PY" "$ROOT/Benchmarks/mediapipe_holistic_speed.py" "${mp_flags[@]}" "$video" 2>"$work/mp.err" | tail -n 1)" || {
      echo "holistic-speed: MediaPipe benchmark failed on $video:" >&2; tail -n 5 "$work/mp.err" >&2; status=1; continue; }
    echo "$mp_json"
    for args in "${variants[@]}"; do
      rm -f "$work/t.json"
      # shellcheck disable=SC2086 # the variant is a list of options
      if ! "$SIGND_BIN" extract "$video" -o "$work/x.npz" --timings-json "$work/t.json" --no-progress $args >"$work/signd.out" 2>&1; then
        echo "holistic-speed: signd extract $args failed on $video:" >&2; tail -n 5 "$work/signd.out" >&2; status=1; continue
      fi
      [[ -s "$work/t.json" ]] || { echo "holistic-speed: signd wrote no timings JSON for $video" >&2; status=1; continue; }
      python3 - "$video" "$mp_json" "$work/t.json" "$args" <<'PY' | tee -a "$work/ratios.jsonl"
import json, os, sys
video, mp_line, signd_path, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
mp = json.loads(mp_line)
with open(signd_path) as f:
    sd = json.load(f)
sd = {"engine": "signd", "video": os.path.basename(video), "args": args, **sd}
print(json.dumps(sd), file=sys.stderr)
def ratio(a, b):
    return round(a / b, 2) if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b > 0 else None
ratios = {
    "throughput": ratio(mp.get("wall_ms_per_frame"), sd.get("wall_ms_per_frame")),
    "cpu_ms_per_frame": ratio(mp.get("cpu_ms_per_frame"), sd.get("cpu_ms_per_frame")),
    "latency_ms_median": ratio(mp.get("latency_ms_median"), sd.get("latency_ms_median")),
}
like_for_like = mp.get("timing_covers") == sd.get("timing_covers") and mp.get("frames") == sd.get("frames")
print(json.dumps({"video": os.path.basename(video), "args": args, "mediapipe_over_signd": ratios,
                  "ms_per_frame": [mp.get("wall_ms_per_frame"), round(sd["wall_ms_per_frame"], 2)],
                  "signd_mode": "pipelined" if sd.get("pipeline") else "sequential",
                  "like_for_like": like_for_like, "timing_covers": [mp.get("timing_covers"), sd.get("timing_covers")],
                  "found_mediapipe": mp.get("found"), "found_signd": sd.get("found")}))
PY
    done
  done
done 2>&1
if ((rounds > 1)) && [[ -s "$work/ratios.jsonl" ]]; then
  python3 - "$work/ratios.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
groups = {}
for r in rows:
    groups.setdefault((r["video"], r["args"]), []).append(r)
for (video, args), rs in groups.items():
    t = [r["mediapipe_over_signd"]["throughput"] for r in rs]
    print(json.dumps({"summary": video, "args": args, "rounds": len(rs), "throughput_ratio_median": statistics.median(t),
                      "throughput_ratios": t, "ms_per_frame_median": [statistics.median(r["ms_per_frame"][0] for r in rs),
                                                                      statistics.median(r["ms_per_frame"][1] for r in rs)]}))
PY
fi
echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
