#!/usr/bin/env python3
"""What the networks alone cost per frame, in signd and in MediaPipe Python, measured in one run.

Issue 17 asks for `signd extract` at <= 0.67x MediaPipe's CPU per frame while staying bit-identical to it. Both
run MediaPipe's .tflite networks on the same XNNPACK kernels (signd without the outputs nobody reads,
docs/holistic.md section 3), so the networks' own CPU time is a floor that no work outside them can go below.
This script measures that floor, and how much of each side's CPU lies outside it.

Method, per video and round:
* Two clips are written next to each other (MJPG .avi, so both decoders read the same files): `short` = the
  video's frames, `long` = the frames forward, backward and forward again (3N frames, no jump in motion).
* MediaPipe (`mediapipe_holistic_speed.py`, face on, as Holistic always runs it) and signd (`signd extract
  --face --decode-first`, the holistic-speed settings) each process both clips under `perf record -e cpu-clock
  -c 250000`: one sample per 0.25 ms of CPU time, in every thread of the process.
* A sample belongs to the networks when its code is LiteRT's library (signd's libLiteRt.so is stripped, and
  holds only the interpreter and XNNPACK) or an XNNPACK, TFLite or pthreadpool symbol (MediaPipe links them
  statically into its bindings). Kernel time is not counted: the floor is a lower bound.
* Network ms per frame = (long's network samples - short's) x 0.25 ms / 2N. The difference cancels what does
  not scale with frames (start-up, model loading, weight packing, the warm-up run) on both sides alike.
* CPU ms per frame of the whole loop is each program's own figure (rusage over its timed loop; decoding
  excluded on both sides), from the long clip.

Prints one JSON line per video and round and a summary per video with medians over rounds:
`signd_over_mediapipe_cpu` (the issue's ratio) and `floor_over_mediapipe_cpu` = signd's network ms per frame /
MediaPipe's CPU ms per frame: no change outside the networks can bring the first below the second.
Usage: network_floor.py --signd BIN [--rounds R] VIDEO...   (run by Benchmarks/network-floor.sh)
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

import cv2

PERIOD_NS = 250_000
HERE = os.path.dirname(os.path.abspath(__file__))
NETWORK_SYMBOL = re.compile(r"^(xnn_|tflite::|pthreadpool|ruy::|litert)")


def write_clips(video: str, work: str) -> tuple[str, int, str, int]:
    cap = cv2.VideoCapture(video)
    if not cap.isOpened():
        sys.exit(f"network-floor: cannot open video {video}")
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    if len(frames) < 2:
        sys.exit(f"network-floor: {video} has {len(frames)} frames; need at least 2")
    stem = os.path.splitext(os.path.basename(video))[0]
    out = []
    for name, seq in (("short", frames), ("long", frames + frames[::-1] + frames)):
        path = os.path.join(work, f"{stem}.{name}.avi")
        h, w = seq[0].shape[:2]
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
        for frame in seq:
            writer.write(frame)
        writer.release()
        out += [path, len(seq)]
    return out[0], out[1], out[2], out[3]


def count_samples(data: str) -> tuple[int, int]:
    """(all samples, network samples) of one perf.data file."""
    text = subprocess.run(["perf", "script", "-F", "ip,sym,dso", "-i", data], check=True, capture_output=True,
                          text=True).stdout
    total = network = 0
    for line in text.splitlines():
        head, _, dso = line.strip().rpartition(" (")
        if not head:
            continue
        sym = head.partition(" ")[2]  # after the address
        total += 1
        if "libLiteRt" in os.path.basename(dso.rstrip(")")) or NETWORK_SYMBOL.match(sym):
            network += 1
    return total, network


def profiled(command: list[str], work: str, tag: str) -> tuple[str, int, int]:
    """Runs command under perf; returns (its stdout, all samples, network samples)."""
    data = os.path.join(work, f"{tag}.perf.data")
    run = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-c", str(PERIOD_NS), "-o", data, "--"] + command,
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"network-floor: {' '.join(command)} failed:\n{run.stderr[-2000:]}")
    total, network = count_samples(data)
    os.remove(data)
    return run.stdout, total, network


def mediapipe(clip: str, work: str, tag: str) -> tuple[dict, int]:
    out, _, network = profiled([sys.executable, os.path.join(HERE, "mediapipe_holistic_speed.py"), clip], work, tag)
    return json.loads(out.strip().splitlines()[-1]), network


def signd(binary: str, clip: str, work: str, tag: str) -> tuple[dict, int]:
    timings = os.path.join(work, f"{tag}.json")
    _, _, network = profiled([binary, "extract", clip, "-o", os.path.join(work, f"{tag}.npz"), "--timings-json",
                              timings, "--no-progress", "--face", "--decode-first"], work, tag)
    with open(timings) as f:
        return json.load(f), network


def ms_per_frame(samples_long: int, samples_short: int, frames: int) -> float:
    return (samples_long - samples_short) * PERIOD_NS / 1e6 / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signd", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("videos", nargs="+")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        clips = {v: write_clips(v, work) for v in args.videos}
        for round_ in range(1, args.rounds + 1):
            for video, (short, n_short, long, n_long) in clips.items():
                extra = n_long - n_short
                # Interleaved, so a change in load hits both engines alike.
                _, mp_short = mediapipe(short, work, "mp-short")
                mp_run, mp_long = mediapipe(long, work, "mp-long")
                _, sd_short = signd(args.signd, short, work, "sd-short")
                sd_run, sd_long = signd(args.signd, long, work, "sd-long")
                row = {
                    "video": os.path.basename(video), "round": round_, "frames_long": n_long,
                    "mediapipe_cpu_ms_per_frame": mp_run["cpu_ms_per_frame"],
                    "signd_cpu_ms_per_frame": round(sd_run["cpu_ms_per_frame"], 2),
                    "mediapipe_network_ms_per_frame": round(ms_per_frame(mp_long, mp_short, extra), 2),
                    "signd_network_ms_per_frame": round(ms_per_frame(sd_long, sd_short, extra), 2),
                    "found_mediapipe": mp_run["found"], "found_signd": sd_run["found"],
                }
                mp_cpu = row["mediapipe_cpu_ms_per_frame"]
                row["signd_over_mediapipe_cpu"] = round(row["signd_cpu_ms_per_frame"] / mp_cpu, 3)
                row["floor_over_mediapipe_cpu"] = round(row["signd_network_ms_per_frame"] / mp_cpu, 3)
                row["mediapipe_network_share"] = round(row["mediapipe_network_ms_per_frame"] / mp_cpu, 3)
                row["signd_network_share"] = round(row["signd_network_ms_per_frame"] / row["signd_cpu_ms_per_frame"], 3)
                print(json.dumps(row), flush=True)
                rows.append(row)
    keys = ("mediapipe_cpu_ms_per_frame", "signd_cpu_ms_per_frame", "mediapipe_network_ms_per_frame",
            "signd_network_ms_per_frame", "signd_over_mediapipe_cpu", "floor_over_mediapipe_cpu",
            "mediapipe_network_share", "signd_network_share")
    for video in dict.fromkeys(r["video"] for r in rows):
        rs = [r for r in rows if r["video"] == video]
        summary = {"summary": video, "rounds": len(rs)}
        summary.update({k: round(statistics.median(r[k] for r in rs), 3) for k in keys})
        summary["floor_over_mediapipe_cpu_range"] = [min(r["floor_over_mediapipe_cpu"] for r in rs),
                                                     max(r["floor_over_mediapipe_cpu"] for r in rs)]
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
