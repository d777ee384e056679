#!/usr/bin/env python3
"""MediaPipe Python Holistic reference landmarks for signd's parity checks.

For each video: decode every frame with cv2, convert BGR->RGB, run
mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1, smooth_landmarks=True,
refine_face_landmarks=False) (min detection/tracking confidence 0.5, the defaults) and save

  <out>/<video-stem>.npz   (np.savez_compressed)
      pose        (T,33,4) float32  x, y, z, visibility (normalized image coordinates)
      left_hand   (T,21,3) float32  x, y, z
      right_hand  (T,21,3) float32  x, y, z
      face        (T,468,3) float32 x, y, z  ((T,478,3) with --refine-face: iris included)
      ms          (T,)     float64  wall ms of each process() call
      size        (2,)     int32    frame width, height
    NaN marks a part that MediaPipe did not return for that frame.
  <out>/<video-stem>.json  summary: frames, size, found counts per part, timings, versions.

A warm-up instance (graph start, model load) processes the first frame first and is closed; its time
is excluded. Run in the reference environment (see Tools/README.md):
  .venv-mediapipe/bin/python Tools/mediapipe_reference.py [--out Tests/Fixtures/holistic] [--refine-face]
      [--max-frames N] VIDEO...
"""
import argparse
import json
import os
import platform
import resource
import sys
import time

import cv2
import mediapipe as mp
import numpy as np

HOLISTIC_ARGS = dict(
    static_image_mode=False,
    model_complexity=1,
    smooth_landmarks=True,
    refine_face_landmarks=False,
    min_detection_confidence=0.5,
    min_tracking_confidence=0.5,
)


def decode_rgb(path, max_frames=None):
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        sys.exit(f"mediapipe_reference: cannot open video {path}")
    fps = cap.get(cv2.CAP_PROP_FPS)
    frames = []
    while max_frames is None or len(frames) < max_frames:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    if not frames:
        sys.exit(f"mediapipe_reference: no frames decoded from {path}")
    return frames, fps


def landmarks(result_part, count, dims):
    out = np.full((count, dims), np.nan, dtype=np.float32)
    if result_part is None:
        return out
    for i, lm in enumerate(result_part.landmark):
        values = (lm.x, lm.y, lm.z, lm.visibility)[:dims]
        out[i] = values
    return out


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(path, out_dir, max_frames=None):
    frames, fps = decode_rgb(path, max_frames)
    h, w = frames[0].shape[:2]

    warm = mp.solutions.holistic.Holistic(**HOLISTIC_ARGS)
    t0 = time.perf_counter()
    warm.process(frames[0])
    warmup_ms = (time.perf_counter() - t0) * 1000
    warm.close()

    holistic = mp.solutions.holistic.Holistic(**HOLISTIC_ARGS)
    n = len(frames)
    pose = np.empty((n, 33, 4), np.float32)
    left = np.empty((n, 21, 3), np.float32)
    right = np.empty((n, 21, 3), np.float32)
    face_points = 478 if HOLISTIC_ARGS["refine_face_landmarks"] else 468
    face = np.empty((n, face_points, 3), np.float32)
    ms = np.empty(n, np.float64)
    cpu0 = cpu_seconds()
    for i, frame in enumerate(frames):
        t0 = time.perf_counter()
        res = holistic.process(frame)
        ms[i] = (time.perf_counter() - t0) * 1000
        pose[i] = landmarks(res.pose_landmarks, 33, 4)
        left[i] = landmarks(res.left_hand_landmarks, 21, 3)
        right[i] = landmarks(res.right_hand_landmarks, 21, 3)
        face[i] = landmarks(res.face_landmarks, face_points, 3)
    cpu_ms = (cpu_seconds() - cpu0) * 1000 / n
    holistic.close()

    stem = os.path.splitext(os.path.basename(path))[0]
    np.savez_compressed(
        os.path.join(out_dir, stem + ".npz"),
        pose=pose, left_hand=left, right_hand=right, face=face, ms=ms,
        size=np.array([w, h], np.int32),
    )

    def found(a):
        return int(np.sum(~np.isnan(a[:, 0, 0])))

    summary = {
        "video": os.path.basename(path),
        "frames": n,
        "width": w,
        "height": h,
        "fps": round(fps, 3),
        "found": {"pose": found(pose), "left_hand": found(left), "right_hand": found(right), "face": found(face)},
        "timings": {
            "warmup_instance_first_frame_ms": round(warmup_ms, 2),
            "first_frame_ms": round(float(ms[0]), 2),
            "median_ms": round(float(np.median(ms)), 2),
            "mean_ms": round(float(np.mean(ms)), 2),
            "p90_ms": round(float(np.percentile(ms, 90)), 2),
            "cpu_ms_per_frame": round(cpu_ms, 2),
            "note": "wall ms around process(); CPU from rusage over the run; figures depend on machine load",
        },
        "holistic": HOLISTIC_ARGS,
        "timestamps_us_step": 33333,
        "versions": {
            "mediapipe": mp.__version__,
            "opencv": cv2.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
    }
    with open(os.path.join(out_dir, stem + ".json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps({"video": summary["video"], "frames": n, "found": summary["found"],
                      "median_ms": summary["timings"]["median_ms"]}))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("videos", nargs="*",
                        default=[os.path.join(root, "Samples", v) for v in ("msl150_hoy_001.mp4", "mmaction2_test.avi")])
    parser.add_argument("--out", default=os.path.join(root, "Tests", "Fixtures", "holistic"))
    parser.add_argument("--refine-face", action="store_true",
                        help="refine_face_landmarks=True: 478-point faces (iris included)")
    parser.add_argument("--max-frames", type=int, help="only the first N frames of each video")
    parser.add_argument("--min-detection-confidence", type=float, default=0.5)
    parser.add_argument("--min-tracking-confidence", type=float, default=0.5)
    parser.add_argument("--no-smoothing", action="store_true", help="smooth_landmarks=False")
    args = parser.parse_args()
    HOLISTIC_ARGS["refine_face_landmarks"] = args.refine_face
    HOLISTIC_ARGS["min_detection_confidence"] = args.min_detection_confidence
    HOLISTIC_ARGS["min_tracking_confidence"] = args.min_tracking_confidence
    HOLISTIC_ARGS["smooth_landmarks"] = not args.no_smoothing
    os.makedirs(args.out, exist_ok=True)
    for v in args.videos:
        run(v, args.out, args.max_frames)


if __name__ == "__main__":
    main()
