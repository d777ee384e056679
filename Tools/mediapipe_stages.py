#!/usr/bin/env python3
"""Per-stage comparison of signd's Holistic pipeline with MediaPipe Python Holistic 0.10.21.

Three subcommands (run in the MediaPipe reference environment, see Tools/README.md):

  trace VIDEO OUT.json [--frames N]
      Runs mp.solutions.holistic.Holistic with the settings and decoding of mediapipe_reference.py and
      records, per frame, the graph's internal streams that signd reproduces: the pose ROI the landmark
      model ran on, the pose landmarks, each hand's ROI from the pose, re-crop ROI and tracking ROI (the one
      hand_landmark ran on), the hand landmarks, the face tracking ROI and face landmarks. Rects are
      [x_center, y_center, width, height, rotation]; landmarks [[x, y, z, visibility, presence], ...]; a
      missing key means the stream had no packet on that frame.

  compare MEDIAPIPE.json SIGND.json [--frames N]
      Compares a MediaPipe trace with signd's (written by the env-gated Swift test
      `SIGND_STAGE_TRACE=VIDEO:OUT.json swift test --filter StageTraceTests`): per stage the first frame
      that differs at all (as float32 bits), how many frames are bit-identical, and max |Δ|; then the
      per-frame max |Δ| of the first --frames frames.

  runtime
      Feeds identical input tensors through MediaPipe's own TFLite/XNNPACK (an ImageToTensor →
      InferenceCalculatorCpu → TensorsToLandmarks graph on pre-cropped images, so the crop is an exact
      copy) and through ai_edge_litert's Interpreter (the runtime whose libLiteRt.so signd loads), for the
      four landmark models, and reports how many outputs are bit-identical.
"""
import argparse
import json
import math
import os
import sys
import types

import cv2
import mediapipe as mp
import numpy as np
from mediapipe.python import packet_creator, packet_getter, solution_base
from mediapipe.python._framework_bindings import calculator_graph, image_frame, resource_util

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mediapipe_reference import HOLISTIC_ARGS, decode_rgb  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
H = "handlandmarksleftandrightcpu__"
# trace key → stream name in the expanded holistic_landmark_cpu graph
STREAMS = {
    "pose_rect": "poselandmarkcpu__pose_rect",
    "pose": "pose_landmarks",
    "lh_roi_from_pose": H + "left_hand_roi_from_pose",
    "lh_roi_from_recrop": H + "left_hand_roi_from_recrop",
    "lh_roi": H + "left_hand_tracking_roi",
    "lh": "left_hand_landmarks",
    "rh_roi_from_pose": H + "right_hand_roi_from_pose",
    "rh_roi_from_recrop": H + "right_hand_roi_from_recrop",
    "rh_roi": H + "right_hand_tracking_roi",
    "rh": "right_hand_landmarks",
    "face_roi": "facelandmarksfromposecpu__face_tracking_roi",
    "face": "face_landmarks",
}
# compare: key → number of leading values per landmark that signd's trace holds (rects: 5)
COMPARED = [("pose_rect", 5), ("pose", 4), ("lh_roi_from_pose", 5), ("lh_roi_from_recrop", 5), ("lh_roi", 5),
            ("lh", 3), ("rh_roi_from_pose", 5), ("rh_roi_from_recrop", 5), ("rh_roi", 5), ("rh", 3),
            ("face_roi", 5), ("face", 3)]


def packet_value(packet):
    msg = packet_getter.get_proto(packet)
    if hasattr(msg, "landmark"):
        return [[l.x, l.y, l.z, l.visibility, l.presence] for l in msg.landmark]
    return [msg.x_center, msg.y_center, msg.width, msg.height, msg.rotation]


def trace(args):
    current = {}

    # SolutionBase builds and starts its CalculatorGraph in __init__; wrap the constructor so the internal
    # streams are observed before the run starts.
    def make_graph(**kw):
        graph = calculator_graph.CalculatorGraph(**kw)
        for key, stream in STREAMS.items():
            graph.observe_output_stream(stream, lambda _, p, key=key: current.__setitem__(key, packet_value(p)))
        return graph

    original = solution_base.calculator_graph
    solution_base.calculator_graph = types.SimpleNamespace(CalculatorGraph=make_graph)
    try:
        holistic = mp.solutions.holistic.Holistic(**HOLISTIC_ARGS)
    finally:
        solution_base.calculator_graph = original
    frames, _ = decode_rgb(args.video)
    out = []
    for frame in frames[:args.frames]:
        current.clear()
        holistic.process(frame)
        out.append(dict(current))
    holistic.close()
    with open(args.out, "w") as f:
        json.dump(out, f)
    print(json.dumps({"video": os.path.basename(args.video), "frames": len(out), "out": args.out}))


def as_array(value, width):
    if value is None:
        return None
    a = np.asarray(value, np.float32)
    return a[:, :width] if a.ndim == 2 else a[:width]


def compare(args):
    with open(args.mediapipe) as f:
        ref = json.load(f)
    with open(args.signd) as f:
        ours = json.load(f)
    n = min(len(ref), len(ours))
    rows = []
    print(f"{n} frames; per stage: first differing frame, bit-identical frames, presence mismatches, max |Δ|")
    for key, width in COMPARED:
        first, same, mismatch, worst = None, 0, 0, 0.0
        per_frame = []
        for i in range(n):
            a, b = as_array(ref[i].get(key), width), as_array(ours[i].get(key), width)
            if a is None and b is None:
                same += 1
                per_frame.append("--")
                continue
            if (a is None) != (b is None):
                mismatch += 1
                first = i if first is None else first
                per_frame.append("MP only" if b is None else "signd only")
                continue
            d = float(np.nanmax(np.abs(a - b))) if a.shape == b.shape else math.inf
            if a.shape == b.shape and np.array_equal(a.view(np.int32), b.view(np.int32)):
                same += 1
                per_frame.append("=")
            else:
                first = i if first is None else first
                per_frame.append(f"{d:.1e}")
            worst = max(worst, d)
        rows.append(per_frame)
        print(f"  {key:20s} first diff {'-' if first is None else first:>4}  identical {same:4d}/{n}  "
              f"presence mismatches {mismatch:3d}  max |Δ| {worst:.2e}")
    if args.frames:
        print("per frame (= bit-identical, -- absent in both):")
        for i in range(min(args.frames, n)):
            print(f"  {i:4d} " + " ".join(f"{k}:{r[i]}" for (k, _), r in zip(COMPARED, rows)))


RUNTIME_MODELS = [  # name, path under mediapipe/modules, input side, landmarks
    ("hand_recrop", "holistic_landmark/hand_recrop.tflite", 256, 2),
    ("hand_landmark_full", "hand_landmark/hand_landmark_full.tflite", 224, 21),
    ("pose_landmark_full", "pose_landmark/pose_landmark_full.tflite", 256, 39),
    ("face_landmark", "face_landmark/face_landmark.tflite", 192, 468),
]


def runtime(args):
    from ai_edge_litert.interpreter import Interpreter
    from google.protobuf import text_format
    from mediapipe.calculators.tensor import (image_to_tensor_calculator_pb2, inference_calculator_pb2,  # noqa: F401
                                              tensors_to_landmarks_calculator_pb2)
    from mediapipe.framework import calculator_pb2

    resource_util.set_resource_dir(os.path.dirname(os.path.dirname(mp.__file__)))
    frames, _ = decode_rgb(args.video)
    rois = [(230, 110, 200, 200, -7), (180, 150, 160, 160, 12), (160, 120, 320, 320, 0), (200, 90, 120, 120, 3)]

    def crop(rgb, cx, cy, w, h, degrees, side):
        src = cv2.boxPoints(((cx, cy), (w, h), degrees))
        dst = np.array([[0, side], [0, 0], [side, 0], [side, side]], np.float32)
        m = cv2.getPerspectiveTransform(src, dst)
        return np.ascontiguousarray(cv2.warpPerspective(rgb, m, (side, side), flags=cv2.INTER_LINEAR,
                                                        borderMode=cv2.BORDER_REPLICATE))

    for name, path, side, count in RUNTIME_MODELS:
        config = text_format.Parse(f"""
            input_stream: "image" output_stream: "lm"
            node {{ calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image" output_stream: "TENSORS:t"
              options {{ [mediapipe.ImageToTensorCalculatorOptions.ext] {{ output_tensor_width: {side}
                output_tensor_height: {side} keep_aspect_ratio: true output_tensor_float_range {{ min: 0 max: 1 }} }} }} }}
            node {{ calculator: "InferenceCalculatorCpu" input_stream: "TENSORS:t" output_stream: "TENSORS:o"
              options {{ [mediapipe.InferenceCalculatorOptions.ext] {{ model_path: "mediapipe/modules/{path}"
                delegate {{ xnnpack {{}} }} }} }} }}
            node {{ calculator: "TensorsToLandmarksCalculator" input_stream: "TENSORS:o" output_stream: "NORM_LANDMARKS:lm"
              options {{ [mediapipe.TensorsToLandmarksCalculatorOptions.ext] {{ num_landmarks: {count}
                input_image_width: {side} input_image_height: {side} }} }} }}""", calculator_pb2.CalculatorGraphConfig())
        graph = calculator_graph.CalculatorGraph(graph_config=config)
        theirs = []
        graph.observe_output_stream("lm", lambda _, p: theirs.append(
            [[l.x, l.y] for l in packet_getter.get_proto(p).landmark]))
        graph.start_run()
        interpreter = Interpreter(os.path.join(args.models, "mediapipe", os.path.basename(path)), num_threads=1)
        interpreter.allocate_tensors()
        ours = []
        t = 0
        for index in range(0, len(frames), max(1, len(frames) // 4))[:4]:
            for roi in rois:
                image = crop(frames[index], *roi, side)
                t += 1
                graph.add_packet_to_input_stream("image", packet_creator.create_image_frame(
                    image_format=image_frame.ImageFormat.SRGB, data=image).at(t))
                # ImageToTensor's [0, 1] conversion: v · (1/255) in float (an exact copy of the crop here).
                interpreter.set_tensor(interpreter.get_input_details()[0]["index"],
                                       (image.astype(np.float32) * np.float32(1 / 255))[None])
                interpreter.invoke()
                raw = interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).reshape(count, -1)
                ours.append(raw[:, :2] / np.float32(side))
        graph.close()
        a, b = np.asarray(theirs, np.float32), np.asarray(ours, np.float32)
        d = np.abs(a - b)
        equal = int((d.reshape(len(a), -1).max(1) == 0).sum())
        print(json.dumps({"model": name, "inputs": len(a), "bit_identical_outputs": equal,
                          "values_differing": int((d > 0).sum()), "values": int(d.size),
                          "max_abs_diff": float(d.max())}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("trace", help="record MediaPipe's internal ROIs and landmarks per frame")
    p.add_argument("video")
    p.add_argument("out")
    p.add_argument("--frames", type=int, default=None)
    p = sub.add_parser("compare", help="first frame where each stage differs between two traces")
    p.add_argument("mediapipe")
    p.add_argument("signd")
    p.add_argument("--frames", type=int, default=0, help="also print the first N frames")
    p = sub.add_parser("runtime", help="MediaPipe's TFLite vs ai_edge_litert on identical inputs")
    p.add_argument("--video", default=os.path.join(ROOT, "Samples", "mmaction2_test.avi"))
    p.add_argument("--models", default=os.environ.get("SIGND_MODELS_DIR", os.path.join(ROOT, "Models")))
    args = parser.parse_args()
    {"trace": trace, "compare": compare, "runtime": runtime}[args.command](args)


if __name__ == "__main__":
    main()
