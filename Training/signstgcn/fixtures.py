"""Parity fixtures for the Swift SignSTGCN engine.

  python -m signstgcn.fixtures --out Tests/Fixtures/stgcn [--data /work/shared/data] [--case NAME ...]

Per case `<out>/<case>/`: `model.safetensors` + `model.manifest.json` (a random-init model in eval mode with
randomized BN running stats and LN affine parameters) and `expected.safetensors` with the raw inputs (NaN/±inf
kept: the engine applies NaN→0 itself) and the PyTorch outputs. Everything is drawn from per-case seeded
generators, so a rerun on the same data reproduces the inputs and weights bit for bit.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from safetensors.numpy import save_file as save_numpy

from .checkpoint import sha256_file
from .data import JointLayout, chain_adjacency, load_seed_npz, nan_to_zero, pose_stats_batch
from .export import export_model, labels_for
from .manifest import Manifest
from .model import ModelConfig, SignSTGCN

DEFAULT_DATA = Path("/work/shared/data")
# Cases whose weights (4–5 MB each) the repository does not commit: only their sha256, since the seed
# regenerates them bit for bit (tests do, and check the digest). The other two serve as small real models
# for the daemon, heads, eval and benchmark tests, so they stay.
DIGEST_ONLY = frozenset({"film_binary_j75_c3", "film_c100_j553_c2", "additive_binary_j553_c3"})
WINDOW = 25
SEQUENCE_FRAMES = 40
# Real windows (file, start row) cut from shared/data: two signing clips with hands missing in some
# frames and one non-signing video; none has a face, so face joints are NaN when J = 553.
REAL_WINDOWS = (("AfrizalAmri19__hello__0", 20), ("JefferyJiang-YF__thank-you__6", 40), ("mmaction2-demo", 120))
REAL_SEQUENCE = ("JefferyJiang-YF__thank-you__2", 0)


@dataclass(frozen=True)
class Case:
    name: str
    seed: int
    film: bool
    num_classes: int          # 2 = binary head
    include_face: bool
    coords: int

    @property
    def binary(self) -> bool:
        return self.num_classes == 2


CASES = (
    Case("additive_binary_j75_c2", 1001, False, 2, False, 2),
    Case("additive_c100_j75_c2", 1002, False, 100, False, 2),
    Case("film_binary_j75_c3", 1003, True, 2, False, 3),
    Case("film_c100_j553_c2", 1004, True, 100, True, 2),
    Case("additive_binary_j553_c3", 1005, False, 2, True, 3),
)


class FixtureError(RuntimeError):
    pass


# Weight scales: He-uniform for Linear/Conv (bound √6/√fan_in) and 2/√hidden for the GRU. PyTorch's default
# init (1/√fan_in) leaves the logits almost independent of the input (std over windows ≈ 0.002), which would
# let a broken port pass a 1e-4 comparison; these scales make the logits vary by ≈ 0.2–1 between windows.
LINEAR_GAIN = float(np.sqrt(6.0))
GRU_GAIN = 2.0
BIAS_BOUND = 0.1


def randomize_for_parity(model: SignSTGCN, gen: torch.Generator) -> None:
    """Fresh seeded weights plus non-trivial BN running stats and LN affines, so that a port that ignores or
    mis-orders any of them fails the comparison."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                n = mod.num_features
                mod.weight.copy_(_uniform(gen, (n,), 0.5, 1.5))
                mod.bias.copy_(_uniform(gen, (n,), -0.3, 0.3))
                mod.running_mean.copy_(_uniform(gen, (n,), -0.5, 0.5))
                mod.running_var.copy_(_uniform(gen, (n,), 0.25, 2.0))
                mod.num_batches_tracked.fill_(100)
            elif isinstance(mod, torch.nn.LayerNorm):
                n = mod.normalized_shape[0]
                mod.weight.copy_(_uniform(gen, (n,), 0.5, 1.5))
                mod.bias.copy_(_uniform(gen, (n,), -0.3, 0.3))
            elif isinstance(mod, (torch.nn.Linear, torch.nn.Conv2d)):
                bound = LINEAR_GAIN / float(np.sqrt(mod.weight[0].numel()))
                mod.weight.copy_(_uniform(gen, tuple(mod.weight.shape), -bound, bound))
                if mod.bias is not None:
                    mod.bias.copy_(_uniform(gen, tuple(mod.bias.shape), -BIAS_BOUND, BIAS_BOUND))
            elif isinstance(mod, torch.nn.GRU):
                bound = GRU_GAIN / float(np.sqrt(mod.hidden_size))
                for p in mod.parameters():
                    p.copy_(_uniform(gen, tuple(p.shape), -bound, bound))


def _uniform(gen: torch.Generator, shape: tuple[int, ...], lo: float, hi: float) -> torch.Tensor:
    return torch.rand(shape, generator=gen, dtype=torch.float32) * (hi - lo) + lo


def random_windows(rng: np.random.Generator, layout: JointLayout, coords: int) -> np.ndarray:
    """Three (25, J, C) windows: plain, a whole left hand NaN (and the right hand NaN in some frames), and
    scattered +inf / −inf / NaN values."""
    j = layout.num_joints
    w = rng.uniform(0.0, 1.0, size=(3, WINDOW, j, coords)).astype(np.float32)
    left, right = _part_slice(layout, "left_hand"), _part_slice(layout, "right_hand")
    w[1, :, left, :] = np.nan
    w[1, 5:12, right, :] = np.nan
    flat = w[2].reshape(-1)
    idx = rng.choice(flat.size, size=60, replace=False)
    flat[idx[:20]] = np.inf
    flat[idx[20:40]] = -np.inf
    flat[idx[40:]] = np.nan
    return w


def _part_slice(layout: JointLayout, part: str) -> slice:
    start = 0
    for name, n in layout.parts:
        if name == part:
            return slice(start, start + n)
        start += n
    raise FixtureError(f"layout has no part {part!r}")


def real_windows(data_dir: Path, layout: JointLayout, coords: int) -> np.ndarray:
    out = []
    for vid, start in REAL_WINDOWS:
        seq = load_seed_npz(data_dir / f"{vid}.npz", layout, coords)
        if seq.shape[0] < start + WINDOW:
            raise FixtureError(f"{vid}.npz has {seq.shape[0]} frames, need {start + WINDOW}")
        out.append(seq[start:start + WINDOW])
    return np.stack(out).astype(np.float32)


def real_sequence(data_dir: Path, layout: JointLayout, coords: int) -> np.ndarray:
    """40 real frames with injected NaN runs (left hand, right hand, whole pose) and one +inf."""
    vid, start = REAL_SEQUENCE
    seq = load_seed_npz(data_dir / f"{vid}.npz", layout, coords)[start:start + SEQUENCE_FRAMES].copy()
    if seq.shape[0] != SEQUENCE_FRAMES:
        raise FixtureError(f"{vid}.npz has fewer than {start + SEQUENCE_FRAMES} frames")
    seq[5:13, _part_slice(layout, "left_hand")] = np.nan
    seq[20:28, _part_slice(layout, "right_hand")] = np.nan
    seq[30:33, _part_slice(layout, "pose")] = np.nan
    seq[15, 0, 0] = np.inf
    return seq


def forward(model: SignSTGCN, windows: np.ndarray) -> dict[str, np.ndarray]:
    """PyTorch eval forward on raw windows: NaN→0, pose_stats on the zero-filled windows."""
    stats = pose_stats_batch(windows)
    x = torch.from_numpy(nan_to_zero(windows))
    with torch.no_grad():
        out = model(x, torch.from_numpy(stats), return_features=True)
    return {"pose_stats": stats, "H": out["H"].numpy(), "H_att": out["H_att"].numpy(),
            "Z": out["embedding"].numpy(), "logits": out["logits"].numpy()}


def sequence_logits(model: SignSTGCN, sequence: np.ndarray) -> np.ndarray:
    wins = np.stack([sequence[s:s + WINDOW] for s in range(sequence.shape[0] - WINDOW + 1)])
    return forward(model, wins)["logits"]


def write_model(case: Case, out_dir: Path) -> SignSTGCN:
    """The case's head pair `<out>/<case>/model.{safetensors,manifest.json}` (seeded: bit for bit on any CPU)
    and the sha256 of its weights, `model.safetensors.sha256`."""
    layout = JointLayout.seed(include_face=case.include_face)
    cfg = ModelConfig(in_channels=case.coords, num_joints=layout.num_joints, num_classes=case.num_classes,
                      use_film_attention=case.film)
    gen = torch.Generator().manual_seed(case.seed)
    model = SignSTGCN(cfg)
    randomize_for_parity(model, gen)
    model.eval()
    labels = labels_for(case.binary, case.num_classes, "s", None)
    manifest = Manifest(layout, Manifest.default_coords(case.coords), cfg, labels,
                        provenance={"source": "fixture", "case": case.name, "seed": case.seed,
                                    "generator": "python -m signstgcn.fixtures",
                                    "note": "random weights with randomized BN running stats and LN affines"})
    case_dir = out_dir / case.name
    case_dir.mkdir(parents=True, exist_ok=True)
    weights, _ = export_model(model, manifest, case_dir / "model")
    (case_dir / "model.safetensors.sha256").write_text(sha256_file(weights) + "\n")
    return model


def build_case(case: Case, out_dir: Path, data_dir: Path) -> dict:
    layout = JointLayout.seed(include_face=case.include_face)
    model = write_model(case, out_dir)
    case_dir = out_dir / case.name

    rng = np.random.default_rng(case.seed)
    windows = np.concatenate([random_windows(rng, layout, case.coords), real_windows(data_dir, layout, case.coords)])
    seq = real_sequence(data_dir, layout, case.coords)
    expected = forward(model, windows)
    expected["windows"] = windows
    expected["sequence"] = seq
    expected["sequence_logits"] = sequence_logits(model, seq)
    meta = {"case": case.name, "seed": str(case.seed),
            "windows": "0-2 random U(0,1) (1: left hand NaN, right hand NaN frames 5-11; 2: +inf/-inf/NaN "
                       "scattered); 3-5 real: " + ", ".join(f"{v}.npz rows {s}-{s + WINDOW - 1}" for v, s in REAL_WINDOWS),
            "sequence": f"{REAL_SEQUENCE[0]}.npz rows 0-{SEQUENCE_FRAMES - 1}; NaN runs: left hand 5-12, "
                        "right hand 20-27, pose 30-32; +inf at row 15 joint 0 x",
            "sequence_logits": "row s = logits of the window sequence[s:s+25]"}
    save_numpy({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in expected.items()},
               str(case_dir / "expected.safetensors"), metadata={"description": json.dumps(meta, sort_keys=True)})
    logits = expected["logits"]
    return {"case": case.name, "logits_min": round(float(logits.min()), 4), "logits_max": round(float(logits.max()), 4),
            "logit_std_over_windows": round(float(logits.std(axis=0).mean()), 4),
            "sequence_logit_std": round(float(expected["sequence_logits"].std(axis=0).mean()), 4)}


def write_adjacency(out_dir: Path) -> None:
    save_numpy({"A": chain_adjacency(75)}, str(out_dir / "adjacency_j75.safetensors"),
               metadata={"definition": "chain over 0..74, self-loops, D^-1/2 (A+I) D^-1/2, degree eps 1e-6"})


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m signstgcn.fixtures", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the seed-format .npz files")
    p.add_argument("--case", action="append", choices=[c.name for c in CASES], help="only these cases")
    p.add_argument("--models-only", action="store_true", help="only the head pairs (no data needed)")
    p.add_argument("--keep-weights", action="store_true",
                   help=f"also keep the weights of {', '.join(sorted(DIGEST_ONLY))} (the repository commits only "
                        "their sha256: the seed regenerates them)")
    a = p.parse_args(argv)
    torch.set_num_threads(1)  # fixed reduction order for reproducible outputs
    a.out.mkdir(parents=True, exist_ok=True)
    try:
        write_adjacency(a.out)
        for case in CASES:
            if a.case and case.name not in a.case:
                continue
            if a.models_only:
                write_model(case, a.out)
                continue
            print(json.dumps(build_case(case, a.out, a.data)))
            if case.name in DIGEST_ONLY and not a.keep_weights:
                (a.out / case.name / "model.safetensors").unlink()
    except (FixtureError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
