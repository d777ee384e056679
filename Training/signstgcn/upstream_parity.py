"""The seed-format checkpoints of `signstgcn.seed_formats`, run by upstream's own model code and through
`signd replay`, compared window by window.

  python -m signstgcn.upstream_parity --upstream CHECKOUT --cases DIR --landmarks DIR [--signd BIN]

CHECKOUT is a checkout of Cyr-Ch/SCA-STGCN (not part of this repository; its `model.py` and
`utils/graph.py` are imported from there). Each checkpoint is loaded into upstream's `SignSTGCNModel`
(strict), fed windows cut as upstream's loader cuts them (first C channels, parts in order, NaN/±inf → 0)
with upstream's float32 `compute_pose_stats` and its chain adjacency, and compared with the case's
`expected.json` (the PyTorch twin) and with `signd replay --window-outputs` on the same file. Prints one
line per case and file, then the worst |ΔP| between signd and upstream.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from .pose_stats_error import upstream_pose_stats
from .seed_formats import CASES, SeedCase

WINDOW = 25


def upstream_windows(path: Path, case: SeedCase, starts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Windows and float32 pose statistics exactly as upstream's data pipeline makes them."""
    with np.load(path, allow_pickle=False) as z:
        frames = len(z["pose"])
        parts = [z[p][:, :, :case.coords].astype(np.float32) if p in z.files
                 else np.full((frames, n, case.coords), np.nan, np.float32) for p, n in case.layout.parts]
    seq = np.concatenate(parts, 1)
    wins = np.stack([np.nan_to_num(seq[s:s + WINDOW], nan=0.0, posinf=0.0, neginf=0.0) for s in starts])
    return wins.astype(np.float32), np.stack([upstream_pose_stats(w) for w in wins])


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def replay_logits(signd: Path, path: Path, binary: Path, multiclass: Optional[Path], head: str) -> np.ndarray:
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as out:
        subprocess.run([str(signd), "replay", str(path), "--binary", str(binary), "--multiclass",
                        str(multiclass) if multiclass else "none", "--window-outputs", out.name],
                       check=True, capture_output=True)
        lines = [json.loads(line) for line in Path(out.name).read_text().splitlines()]
    return np.array([r["logits"] for r in lines if r["head"] == head], np.float64)


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m signstgcn.upstream_parity", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", required=True, type=Path, help="a checkout of Cyr-Ch/SCA-STGCN")
    p.add_argument("--cases", required=True, type=Path, help="the --out folder of signstgcn.seed_formats")
    p.add_argument("--landmarks", required=True, type=Path, help="folder of the landmark files it used")
    p.add_argument("--signd", type=Path, default=Path(__file__).resolve().parents[2] / ".build/debug/signd")
    a = p.parse_args(argv)
    sys.path.insert(0, str(a.upstream))
    upstream_model = importlib.import_module("model").SignSTGCNModel
    chain = importlib.import_module("utils.graph").build_hand_body_adjacency
    torch.set_num_threads(1)
    worst = 0.0
    for case in CASES:
        folder = a.cases / case.name
        expected = json.loads((folder / "expected.json").read_text())
        ckpt = torch.load(folder / expected["checkpoint"], map_location="cpu", weights_only=False)
        j = case.layout.num_joints
        model = upstream_model(num_joints=j, in_coords=case.coords, num_classes=case.num_classes,
                               signer_stats_dim=2 * case.coords, use_signer_head=case.signer_head > 0,
                               num_signers=case.signer_head or 50, use_film_attention=case.film)
        model.load_state_dict(ckpt["model"] if "model" in ckpt else ckpt, strict=True)
        model.eval()
        adjacency = chain(j, hand_edges=[(i, i + 1) for i in range(j - 1)], body_edges=[])
        multi = case.kind == "multiclass"
        binary = a.cases / "pose33_binary_additive" / "head" if multi else folder / "head"
        for name, want in expected["files"].items():
            path = a.cases / name if (a.cases / name).exists() else a.landmarks / name
            wins, stats = upstream_windows(path, case, want["starts"])
            with torch.no_grad():
                theirs = model(torch.from_numpy(wins), adjacency, torch.from_numpy(stats))["logits"].numpy()
            twin = np.abs(theirs - np.array(want["logits"], np.float32)).max()
            ours = replay_logits(a.signd, path, binary, folder / "head" if multi else None,
                                 "multiclass" if multi else "binary")
            d_logit = np.abs(ours - theirs).max()
            d_p = np.abs(softmax(ours) - softmax(theirs.astype(np.float64))).max()
            worst = max(worst, d_p)
            print(f"{case.name:32s} {name:28s} upstream vs twin max|Δlogit| {twin:.2e}  "
                  f"signd vs upstream max|Δlogit| {d_logit:.2e} max|ΔP| {d_p:.2e}")
    print(f"worst signd vs upstream max|ΔP| = {worst:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
