#!/usr/bin/env python3
"""Per-model LiteRT reference outputs for signd's engine-parity test (docs/holistic.md §11, check 2).

Runs each of the six Holistic models with ai_edge_litert.interpreter.Interpreter(num_threads=1)
(OpResolverType.AUTO, i.e. XNNPACK: what MediaPipe runs) on two deterministic inputs per model and writes
Tests/Fixtures/litert/:

  index.json                     what is below, plus versions
  <model>.crop.u8                real-image input: uint8 RGB NHWC, raw bytes
  <model>.<case>.<output>.f32    an output, float32 little-endian raw, .tflite output order

Inputs are uint8 images; the float tensor a model sees is, computed in float32,
  range [0,1]:  x = u / 255            range [-1,1]:  x = u / 127.5 - 1
so Swift reproduces it bit-for-bit from the bytes.

Cases per model:
  crop    a real frame crop from a bundled sample video, placed from the MediaPipe reference landmarks in
          Tests/Fixtures/holistic (run Tools/mediapipe_reference.py first); axis-aligned bilinear
          cv2.warpAffine with zero border, an approximation of Holistic's crops (docs/holistic.md §11, check 2).
  random  uint8 bytes from splitmix64(seed): state += 0x9E3779B97F4A7C15; z = state;
          z = (z ^ z>>30) * 0xBF58476D1CE4E5B9; z = (z ^ z>>27) * 0x94D049BB133111EB; z ^= z>>31;
          byte = z >> 56   (all arithmetic mod 2^64), one call per byte in NHWC order.

Every output records its shape, sha256 of its float32 bytes, and max |x|. Outputs are also stored as files
except the 256x256 segmentation logits (unused by signd) and, for the random case, outputs above 4096
elements, to keep the fixtures small; the test then compares the sha256.

  .venv-litert/bin/python Tools/litert_reference.py [--models DIR] [--out DIR] [--timing]
--timing also prints the Python interpreter's per-model run time (median of 30 after 3 warm-ups).

  .venv/bin/python Tools/litert_reference.py --inputs Tests/Fixtures/litert --out TMP
reads the crop inputs from an existing fixture folder instead of cutting them from the videos (no OpenCV
needed) and writes every output file. LiteRTTests runs it at test time: the bit-exact comparison is then
against the Python interpreter on the same machine, because XNNPACK picks its kernels by CPU.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
from ai_edge_litert import interpreter as litert

MASK = (1 << 64) - 1
RANDOM_FILE_LIMIT = 4096

# model -> (input side, value range, crop recipe)
MODELS = {
    "pose_detection": (224, (-1, 1), "letterbox"),
    "pose_landmark_full": (256, (0, 1), "pose"),
    "hand_recrop": (256, (0, 1), "recrop"),
    "hand_landmark_full": (224, (0, 1), "hand"),
    "face_detection_short_range": (128, (-1, 1), "face_detection"),
    "face_landmark": (192, (0, 1), "face"),
}
SEEDS = {name: 1000 + i for i, name in enumerate(MODELS)}
SKIP_FILE = {("pose_landmark_full", "Identity_2")}  # segmentation logits


def splitmix64_bytes(seed, count):
    state = seed & MASK
    out = np.empty(count, np.uint8)
    for i in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        out[i] = z >> 56
    return out


def to_float(u8, value_range):
    x = u8.astype(np.float32)
    if value_range == (0, 1):
        return x / np.float32(255.0)
    return x / np.float32(127.5) - np.float32(1.0)


def frame(video, index):
    cap = cv2.VideoCapture(video)
    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
    for _ in range(index + 1):
        ok, bgr = cap.read()
        if not ok:
            sys.exit(f"litert_reference: {video} has no frame {index}")
    cap.release()
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def square_crop(img, cx, cy, side, out):
    """Axis-aligned square of `side` px centred at (cx, cy) px, resized to out x out, zero border."""
    s = out / side
    m = np.array([[s, 0, (side / 2 - cx) * s], [0, s, (side / 2 - cy) * s]], np.float64)
    return cv2.warpAffine(img, m, (out, out), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def bbox_crop(img, pts, factor, out):
    h, w = img.shape[:2]
    xs, ys = pts[:, 0] * w, pts[:, 1] * h
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    side = factor * max(xs.max() - xs.min(), ys.max() - ys.min())
    return square_crop(img, cx, cy, side, out)


class Sources:
    """Frames and MediaPipe reference landmarks used to place the real crops."""

    def __init__(self, root):
        fixtures = os.path.join(root, "Tests", "Fixtures", "holistic")
        self.samples = os.path.join(root, "Samples")
        self.ref = {}
        for stem in ("msl150_hoy_001", "mmaction2_test"):
            path = os.path.join(fixtures, stem + ".npz")
            if not os.path.exists(path):
                sys.exit(f"litert_reference: {path} missing; run Tools/mediapipe_reference.py first")
            self.ref[stem] = np.load(path)
        # Signing sample (pose, right hand), and a frame of the make-up clip where face and hands are found.
        self.body = ("msl150_hoy_001", "msl150_hoy_001.mp4", 32)
        mm = self.ref["mmaction2_test"]
        ok = ~np.isnan(mm["face"][:, 0, 0]) & ~np.isnan(mm["right_hand"][:, 0, 0])
        self.face = ("mmaction2_test", "mmaction2_test.avi", int(np.flatnonzero(ok)[len(np.flatnonzero(ok)) // 2]))

    def get(self, which):
        stem, video, index = which
        return frame(os.path.join(self.samples, video), index), self.ref[stem], f"{video} frame {index}"

    def crop(self, recipe, side):
        if recipe in ("face_detection", "face"):
            img, ref, where = self.get(self.face)
        else:
            img, ref, where = self.get(self.body)
        i = (self.face if recipe in ("face_detection", "face") else self.body)[2]
        h, w = img.shape[:2]
        if recipe == "letterbox":
            scale = side / max(w, h)
            m = np.array([[scale, 0, (side - w * scale) / 2], [0, scale, (side - h * scale) / 2]], np.float64)
            u8 = cv2.warpAffine(img, m, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
            return u8, f"{where}, whole frame letterboxed"
        pose = ref["pose"][i]
        if recipe == "pose":
            return bbox_crop(img, pose[:, :2], 1.25, side), f"{where}, pose bbox x1.25"
        if recipe == "recrop":
            px = pose[:, :2] * [w, h]
            wrist, pinky, index = px[16], px[18], px[20]
            middle = (2 * index + pinky) / 3
            size = 2 * np.linalg.norm(middle - wrist) * 2.7
            return square_crop(img, middle[0], middle[1] - 0.1 * size, size, side), f"{where}, right hand from pose"
        if recipe == "hand":
            return bbox_crop(img, ref["right_hand"][i][:, :2], 1.6, side), f"{where}, right hand bbox x1.6"
        if recipe == "face_detection":
            return bbox_crop(img, pose[:11, :2], 3.0, side), f"{where}, pose 0-10 bbox x3"
        if recipe == "face":
            return bbox_crop(img, ref["face"][i][:, :2], 1.5, side), f"{where}, face mesh bbox x1.5"
        raise ValueError(recipe)


class FixtureInputs:
    """The crop inputs of an existing fixture folder (same bytes, so the same float tensors)."""

    def __init__(self, folder):
        with open(os.path.join(folder, "index.json")) as f:
            self.cases = {(c["model"], c["case"]): c for c in json.load(f)["cases"]}
        self.folder = folder

    def crop_for(self, name, side):
        desc = self.cases[(name, "crop")]["input"]
        u8 = np.fromfile(os.path.join(self.folder, desc["file"]), np.uint8)
        if u8.size != side * side * 3:
            sys.exit(f"litert_reference: {desc['file']} has {u8.size} bytes, expected {side * side * 3}")
        return u8.reshape(side, side, 3), desc["source"]


def cpu_ms():
    return time.thread_time() * 1000


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=os.environ.get("SIGND_MODELS_DIR", os.path.join(root, "Models")))
    parser.add_argument("--out", default=os.path.join(root, "Tests", "Fixtures", "litert"))
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("--inputs", help="fixture folder whose <model>.crop.u8 inputs to reuse (all outputs are written)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.inputs:
        sources = FixtureInputs(args.inputs)
    else:
        import cv2  # only needed to cut the crops from the videos
        globals()["cv2"] = cv2
        sources = Sources(root)

    cases = []
    for name, (side, value_range, recipe) in MODELS.items():
        path = os.path.join(args.models, "mediapipe", name + ".tflite")
        if not os.path.exists(path):
            sys.exit(f"litert_reference: {path} missing; run scripts/fetch-models {args.models}")
        interp = litert.Interpreter(model_path=path, num_threads=1)
        interp.allocate_tensors()
        (inp,) = interp.get_input_details()
        shape = [int(d) for d in inp["shape"]]
        assert shape == [1, side, side, 3], (name, shape)
        outs = interp.get_output_details()

        crop, where = sources.crop_for(name, side) if args.inputs else sources.crop(recipe, side)
        inputs = [
            ("crop", crop.reshape(shape), {"kind": "crop", "file": f"{name}.crop.u8", "source": where}),
            ("random", splitmix64_bytes(SEEDS[name], int(np.prod(shape))).reshape(shape),
             {"kind": "random", "seed": SEEDS[name]}),
        ]
        for case, u8, desc in inputs:
            if case == "crop":
                u8.astype(np.uint8).tofile(os.path.join(args.out, desc["file"]))
            interp.set_tensor(inp["index"], to_float(u8, value_range))
            interp.invoke()
            outputs = []
            for d in outs:
                y = np.ascontiguousarray(interp.get_tensor(d["index"]), dtype="<f4")
                entry = {
                    "name": d["name"],
                    "shape": [int(s) for s in d["shape"]],
                    "sha256": hashlib.sha256(y.tobytes()).hexdigest(),
                    "max_abs": float(np.max(np.abs(y))),
                    "file": None,
                }
                keep = args.inputs or ((name, d["name"]) not in SKIP_FILE and (case == "crop" or y.size <= RANDOM_FILE_LIMIT))
                if keep:
                    entry["file"] = f"{name}.{case}.{d['name']}.f32"
                    y.tofile(os.path.join(args.out, entry["file"]))
                outputs.append(entry)
            cases.append({
                "model": name,
                "case": case,
                "input_name": inp["name"],
                "input_shape": shape,
                "value_range": list(value_range),
                "input": desc,
                "outputs": outputs,
            })

        if args.timing:
            interp.set_tensor(inp["index"], to_float(inputs[0][1], value_range))
            for _ in range(3):
                interp.invoke()
            wall, cpu = [], []
            for _ in range(30):
                t0, c0 = time.perf_counter(), cpu_ms()
                interp.invoke()
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append(cpu_ms() - c0)
            print(json.dumps({"engine": "python ai_edge_litert 2.3.0 (1 thread)", "model": name,
                              "wall_ms_median": round(float(np.median(wall)), 3),
                              "cpu_ms_median": round(float(np.median(cpu)), 3)}))

    index = {
        "generator": "Tools/litert_reference.py",
        "engine": "ai_edge_litert.interpreter.Interpreter(num_threads=1), OpResolverType.AUTO (XNNPACK)",
        "versions": {"ai_edge_litert": "2.3.0", "numpy": np.__version__,
                     "opencv": "not used (--inputs)" if args.inputs else cv2.__version__},
        "float_from_u8": {"[0,1]": "u / 255", "[-1,1]": "u / 127.5 - 1", "arithmetic": "float32"},
        "random": "splitmix64 bytes, see the script docstring",
        "cases": cases,
    }
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, p)) for p in os.listdir(args.out))
    print(f"litert_reference: {len(cases)} cases written to {args.out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
