#!/usr/bin/env python3
"""Two signd binaries on the same video, interleaved round by round (A B A B ...), so that load on the machine
falls on both alike: per-stage latency of `signd bench --modes full` (median over rounds of each round's p50
and mean) and CPU time per frame of the whole process. Used by Benchmarks/pipeline-compare.sh."""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile


def bench_once(binary, video, mode, models_dir, binary_head, multiclass, out_dir):
    """One `signd bench --modes MODE` run in its own process: its bench.json run, and the CPU time of the
    whole process (start-up included) per frame, from getrusage, which any signd version can be measured by."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([binary, "bench", video, "--modes", mode, "--models-dir", models_dir,
                    "--binary", binary_head, "--multiclass", multiclass, "--log-level", "error", "-o", out_dir],
                   check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(os.path.join(out_dir, "bench.json")) as f:
        result = json.load(f)["runs"][0]
    return result, 1000 * cpu / max(result["frames"], 1)


def run_once(binary, args, out_dir):
    result, cpu_ms_per_frame = bench_once(binary, args.video, "full", args.models_dir, args.binary, args.multiclass, out_dir)
    stages = {s["name"]: (s["p50_ms"], s["mean_ms"]) for s in result["stages"]}
    return {"frames": result["frames"], "fps": result["fps"], "cpu_ms_per_frame": cpu_ms_per_frame, "stages": stages}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--a", required=True, help="reference binary (e.g. the previous version)")
    p.add_argument("--b", required=True, help="binary under test")
    p.add_argument("--label-a", default="A")
    p.add_argument("--label-b", default="B")
    p.add_argument("--video", required=True)
    p.add_argument("--models-dir", required=True)
    p.add_argument("--binary", required=True)
    p.add_argument("--multiclass", required=True)
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--out", help="write the per-round figures here as JSON")
    args = p.parse_args()

    rounds = {"a": [], "b": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            # Alternate which goes first, so neither always runs on a warmer page cache.
            order = ("a", "b") if r % 2 == 0 else ("b", "a")
            for key in order:
                rounds[key].append(run_once(getattr(args, key), args, os.path.join(tmp, key)))
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    def med(values):
        return statistics.median(values) if values else float("nan")

    names = [n for n in rounds["a"][0]["stages"]]
    print(f"signd bench --modes full on {args.video}, {args.rounds} interleaved rounds; median over rounds")
    print(f"A = {args.label_a}\nB = {args.label_b}")
    print(f"{'stage':20}{'A p50':>9}{'B p50':>9}{'A mean':>9}{'B mean':>9}{'B/A mean':>10}  (ms)")
    summary = {}
    for name in names:
        a50 = med([x["stages"][name][0] for x in rounds["a"] if name in x["stages"]])
        b50 = med([x["stages"][name][0] for x in rounds["b"] if name in x["stages"]])
        am = med([x["stages"][name][1] for x in rounds["a"] if name in x["stages"]])
        bm = med([x["stages"][name][1] for x in rounds["b"] if name in x["stages"]])
        summary[name] = {"a_p50_ms": a50, "b_p50_ms": b50, "a_mean_ms": am, "b_mean_ms": bm}
        print(f"{name:20}{a50:9.3f}{b50:9.3f}{am:9.3f}{bm:9.3f}{bm / am if am else float('nan'):10.3f}")
    for key, label in (("fps", "fps"), ("cpu_ms_per_frame", "CPU ms/frame (whole process, model loading included)")):
        a = med([x[key] for x in rounds["a"]])
        b = med([x[key] for x in rounds["b"]])
        summary[key] = {"a": a, "b": b}
        print(f"{label}: A {a:.2f}  B {b:.2f}  B/A {b / a:.3f}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"rounds": rounds, "summary": summary, "a": args.label_a, "b": args.label_b}, f, indent=1)


if __name__ == "__main__":
    main()
