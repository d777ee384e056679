"""How far upstream's float32 `pose_stats` is from the correctly rounded value that signd computes, and
what that does to a head's output.

  python -m signstgcn.pose_stats_error [--data ../../shared/data] [--files 200] [--head ../Models/signing-binary]

Upstream (`compute_pose_stats`) reduces the (25·J, C) window along axis 0 in float32; numpy adds row by
row there (its pairwise summation only applies along the contiguous axis), so the rounding error grows
with 25·J. signd (Python twin and Swift) accumulates in float64 and rounds once. Prints the largest
absolute and relative error of the stats over the first window of each file, for J = 75 and J = 553 (the
face zero-filled, as in a file without one), and the largest |ΔP(signing)| of `--head` between the two.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from .data import JointLayout, head_input, load_seed_npz, nan_to_zero, pose_stats
from .export import load_pair

WINDOW = 25


def upstream_pose_stats(window: np.ndarray) -> np.ndarray:
    """The seed's float32 reduction, as its datasets/landmarks_npz.py does it."""
    feat = window.reshape(-1, window.shape[-1])
    return np.concatenate([feat.mean(axis=0), feat.std(axis=0) + np.float32(1e-6)]).astype(np.float32)


def first_windows(data: Path, layout: JointLayout, files: int) -> np.ndarray:
    """The first window of each of the first `files` files (in name order) that have one, NaN kept."""
    out = []
    for path in sorted(data.glob("*.npz")):
        seq = load_seed_npz(path, layout, 2)
        if seq.shape[0] >= WINDOW:
            out.append(seq[:WINDOW])
        if len(out) == files:
            break
    return np.stack(out)


def stats_error(windows: np.ndarray) -> dict:
    windows = nan_to_zero(windows)
    ours = np.stack([pose_stats(w) for w in windows])
    theirs = np.stack([upstream_pose_stats(w) for w in windows])
    diff = np.abs(ours.astype(np.float64) - theirs)
    return {"windows": len(windows), "max_abs": float(diff.max()),
            "max_rel": float((diff / np.maximum(np.abs(ours), 1e-12)).max())}


def head_effect(head: Path, windows: np.ndarray) -> dict:
    model, manifest = load_pair(head)
    if model.config.num_joints != windows.shape[2]:
        return {}
    windows = np.stack([head_input(w, manifest.head_input) for w in windows])  # the head's own input rule
    x = torch.from_numpy(windows)
    with torch.no_grad():
        p = [torch.softmax(model(x, torch.from_numpy(np.stack([f(w) for w in windows])))["logits"], -1)
             [:, manifest.labels.signing_index].numpy() for f in (pose_stats, upstream_pose_stats)]
    return {"head": str(head), "max_abs_dP": float(np.abs(p[0].astype(np.float64) - p[1]).max())}


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m signstgcn.pose_stats_error", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    p.add_argument("--files", type=int, default=200)
    p.add_argument("--head", type=Path, help="a head to run on both (J = 75 heads only)")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    report = {}
    for name, layout in (("J75", JointLayout.seed()), ("J553", JointLayout.seed(include_face=True))):
        windows = first_windows(a.data, layout, a.files)
        report[name] = stats_error(windows)
        if a.head and name == "J75":
            report[name].update(head_effect(a.head, windows))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
