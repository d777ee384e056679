#!/usr/bin/env python3
"""MediaPipe Python Holistic speed on one video: the anchor signd must beat (docs/holistic.md §12).

Method: decode every frame with cv2 first (BGR->RGB, not timed); a warm-up Holistic instance (graph start,
model load) processes the first frame and is closed, excluded; a fresh instance then processes every frame,
with the wall time of the whole loop, of each process() call, and process CPU time (user + system, rusage)
over the loop. Configuration: Holistic(static_image_mode=False, model_complexity=1, smooth_landmarks=True,
refine_face_landmarks=False, or True with --refine-face), confidences 0.5.

process() is synchronous (one frame in, its landmarks out), so the loop's wall time / frames is both the
mean per-frame latency and the throughput: `wall_ms_per_frame` is the figure to hold against signd's
`wall_ms_per_frame` from `signd extract --decode-first` (also the whole loop, first frame included).

Prints one JSON line with the keys of signd's --timings-json (frames, wall_ms_total, wall_ms_per_frame,
frames_per_second, cpu_ms_per_frame, timing_covers, latency_ms_median, latency_ms_p90 (first frame
excluded), first_frame_ms, found{pose,left_hand,right_hand,face}) plus engine, video, load average.
  .venv-mediapipe/bin/python Benchmarks/mediapipe_holistic_speed.py [--refine-face] VIDEO
"""
import json
import os
import resource
import sys
import time

import mediapipe as mp
import numpy as np

# One decoder and one Holistic configuration for the reference landmarks and this timing.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tools"))
from mediapipe_reference import HOLISTIC_ARGS, decode_rgb  # noqa: E402


def cpu_ms():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1000


def main():
    argv = sys.argv[1:]
    refine = "--refine-face" in argv
    argv = [a for a in argv if a != "--refine-face"]
    if len(argv) != 1:
        sys.exit("usage: mediapipe_holistic_speed.py [--refine-face] VIDEO")
    path = argv[0]
    frames, _ = decode_rgb(path)
    args = {**HOLISTIC_ARGS, "refine_face_landmarks": refine}
    warm = mp.solutions.holistic.Holistic(**args)
    warm.process(frames[0])
    warm.close()

    holistic = mp.solutions.holistic.Holistic(**args)
    found = {"pose": 0, "left_hand": 0, "right_hand": 0, "face": 0}
    wall = []
    load_before = os.getloadavg()
    c0 = cpu_ms()
    loop0 = time.perf_counter()
    for frame in frames:
        t0 = time.perf_counter()
        res = holistic.process(frame)
        wall.append((time.perf_counter() - t0) * 1000)
        found["pose"] += res.pose_landmarks is not None
        found["left_hand"] += res.left_hand_landmarks is not None
        found["right_hand"] += res.right_hand_landmarks is not None
        found["face"] += res.face_landmarks is not None
    loop_ms = (time.perf_counter() - loop0) * 1000
    cpu = (cpu_ms() - c0) / len(frames)
    steady = wall[1:] if len(wall) > 1 else wall
    holistic.close()
    h, w = frames[0].shape[:2]
    print(json.dumps({
        "engine": f"mediapipe-python {mp.__version__}" + (" refine_face_landmarks" if refine else ""),
        "video": os.path.basename(path),
        "size": [w, h],
        "frames": len(frames),
        "wall_ms_total": round(loop_ms, 2),
        "wall_ms_per_frame": round(loop_ms / len(frames), 2),
        "frames_per_second": round(len(frames) * 1000 / loop_ms, 2),
        "cpu_ms_per_frame": round(cpu, 2),
        "timing_covers": "landmarks",
        "latency_ms_median": round(float(np.median(steady)), 2),
        "latency_ms_p90": round(float(np.percentile(steady, 90)), 2),
        "first_frame_ms": round(wall[0], 2),
        "found": found,
        "load_avg_1m": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }))


if __name__ == "__main__":
    main()
