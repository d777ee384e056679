"""The daemon's landmark stage frame by frame against `landmarks.pipelined`, in the same run.

For each round and clip, `signd bench` runs four modes, each in a fresh process (so peak RSS is each mode's
own): `full` and `pipelined` (every frame as fast as possible: throughput) and `paced` and `paced-pipelined`
(the clip at its frame rate, newest frame wins: the latency a live camera sees). Modes alternate within a
round so machine drift hits both sides alike. Prints per mode the median over runs of fps, capture→publish
p50/p99, dropped frames, CPU ms per frame and peak RSS, then pipelined / sequential ratios.
"""
import argparse
import os
import statistics
import sys
import tempfile

from pipeline_compare import bench_once

MODES = ["full", "pipelined", "paced", "paced-pipelined"]


def run(binary, video, mode, models, out):
    r, _ = bench_once(binary, video, mode, models, f"{models}/signing-binary", f"{models}/asl-signs", out)
    c2p = next(s for s in r["stages"] if s["name"] == "capture_to_publish")
    # The bench's own CPU figure (from the daemon's start, model loading included), as printed per mode.
    return {"fps": r["fps"], "c2p_p50": c2p["p50_ms"], "c2p_p99": c2p["p99_ms"], "dropped": r["dropped"],
            "frames": r["frames"], "cpu": r["cpu_ms_per_frame"], "rss": r["peak_rss_mb"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signd", required=True)
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("videos", nargs="+")
    a = ap.parse_args()
    results = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(a.rounds):
            for video in a.videos:
                order = MODES if rnd % 2 == 0 else list(reversed(MODES))
                for mode in order:
                    results[mode].append(run(a.signd, video, mode, a.models_dir, os.path.join(tmp, mode)))
                print(f"round {rnd + 1}/{a.rounds}: {os.path.basename(video)} done", file=sys.stderr)
    med = {m: {k: statistics.median(r[k] for r in results[m]) for k in results[m][0]} for m in MODES}
    worst = {m: {k: max(r[k] for r in results[m]) for k in ("c2p_p99", "dropped")} for m in MODES}
    print(f"{len(a.videos)} clips x {a.rounds} rounds, medians over {len(results['full'])} runs per mode")
    print(f"{'mode':17} {'fps':>6} {'c2p p50':>8} {'c2p p99':>8} {'worst p99':>9} {'dropped':>7} {'worst drop':>10} {'CPU ms/f':>8} {'RSS MiB':>7}")
    for m in MODES:
        x = med[m]
        print(f"{m:17} {x['fps']:6.1f} {x['c2p_p50']:8.2f} {x['c2p_p99']:8.2f} {worst[m]['c2p_p99']:9.2f} "
              f"{x['dropped']:7.1f} {worst[m]['dropped']:10d} {x['cpu']:8.2f} {x['rss']:7.1f}")
    f, p, pf, pp = med["full"], med["pipelined"], med["paced"], med["paced-pipelined"]
    print(f"pipelined / sequential, unpaced: throughput {p['fps'] / f['fps']:.2f}x, CPU per frame {p['cpu'] / f['cpu']:.2f}x, "
          f"peak RSS {p['rss'] - f['rss']:+.1f} MiB")
    print(f"pipelined / sequential, paced:   capture->publish p50 {pp['c2p_p50'] - pf['c2p_p50']:+.2f} ms, "
          f"p99 {pp['c2p_p99'] - pf['c2p_p99']:+.2f} ms, dropped {pp['dropped'] - pf['dropped']:+.1f} frames per clip")


if __name__ == "__main__":
    main()
