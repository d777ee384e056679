#!/usr/bin/env python3
"""PyTorch reference latency of a SignSTGCN head: batch-1 eager CPU forward per 25-frame window.

  python3 Benchmarks/stgcn_torch_latency.py --model STEM --iterations N --threads 1 [--warmup 10]

Loads STEM.safetensors + STEM.manifest.json into the PyTorch model of Training/signstgcn, times
model(x, pose_stats) under torch.inference_mode after a warm-up, and prints one JSON line:
{"torch_eager_ms_median": .., "torch_eager_ms_p90": .., "iterations": .., ...}. The input window is
uniform random in [0, 1) (NaN→0 and pose_stats are computed once, outside the timed region, because the
engine's own benchmark times the model forward).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Training"))

from signstgcn.data import nan_to_zero, pose_stats  # noqa: E402
from signstgcn.export import ExportError, load_pair  # noqa: E402
from signstgcn.manifest import ManifestError  # noqa: E402


def percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    k = max(0, min(len(sorted_ms) - 1, int(np.ceil(q / 100.0 * len(sorted_ms))) - 1))
    return sorted_ms[k]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="head stem (STEM.safetensors + STEM.manifest.json)")
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    if a.iterations <= 0 or a.warmup < 0 or a.threads <= 0:
        print("error: --iterations and --threads must be positive, --warmup non-negative", file=sys.stderr)
        return 2
    torch.set_num_threads(a.threads)
    try:
        model, manifest = load_pair(a.model)
    except (ExportError, ManifestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    cfg = model.config
    window = np.random.default_rng(0).uniform(0, 1, (manifest.window, cfg.num_joints, cfg.in_channels))
    x = torch.from_numpy(nan_to_zero(window.astype(np.float32)))[None]
    stats = torch.from_numpy(pose_stats(window.astype(np.float32)))[None]
    times: list[float] = []
    with torch.inference_mode():
        for i in range(a.warmup + a.iterations):
            t0 = time.perf_counter_ns()
            model(x, stats)
            dt = (time.perf_counter_ns() - t0) / 1e6
            if i >= a.warmup:
                times.append(dt)
    times.sort()
    print(json.dumps({"torch_eager_ms_median": round(float(np.median(times)), 4),
                      "torch_eager_ms_p90": round(percentile(times, 90), 4),
                      "iterations": a.iterations, "warmup": a.warmup, "threads": a.threads,
                      "num_joints": cfg.num_joints, "coords": cfg.in_channels, "attention": cfg.attention,
                      "num_classes": cfg.num_classes, "torch": torch.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
