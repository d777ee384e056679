"""Checkpoints as upstream's training scripts save them, for every layout the seed trains, imported with
`import_seed` and checked against their own PyTorch forward: the parity check of the import path.

  python -m signstgcn.seed_formats --out DIR --landmarks FILE.npz [FILE.npz ...]

The files are a minimal re-creation of upstream's `torch.save` calls (docs/model-format.md, "Seed
checkpoints"): `best.pt` {model, epoch, metric, metric_name}, `last.pt` {model, epoch, val_acc},
`best_batch.pt` {model, epoch, batch, metric, metric_name}, GC `epoch_###.pt` {model, epoch, val_acc,
val_loss}, or a bare state_dict. Nothing else is stored, as upstream stores nothing else. Per case,
`DIR/<case>/` gets the checkpoint, the imported head `head.{safetensors,manifest.json}` and
`expected.json`: for every landmark file whose face fits the case, the window starts and the logits of the
*original* model (not the import) on each window, and the importer's refusal of each layout flag left out.
`DIR/cases.json` lists the cases with their import flags.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from .checkpoint import CheckpointError
from .data import JointLayout, load_seed_npz
from .fixtures import WINDOW, forward, randomize_for_parity
from .import_seed import main as import_main
from .model import ModelConfig, SignSTGCN


@dataclass(frozen=True)
class SeedCase:
    name: str
    seed: int
    pose: bool
    hands: bool
    face_joints: Optional[int]     # None: no face part
    coords: int
    num_classes: int
    kind: str                      # binary | class0 (GC 2-class: class 0 = S) | multiclass
    film: bool
    signer_head: int               # K of signer_head.*, 0 = none
    file_format: str               # best | last | best_batch | epoch | bare
    extra_flags: tuple[str, ...] = field(default=())

    @property
    def layout(self) -> JointLayout:
        return JointLayout.seed(include_pose=self.pose, include_hands=self.hands,
                                include_face=self.face_joints is not None, face_joints=self.face_joints or 478)

    def layout_flags(self) -> list[str]:
        flags = ["--include-pose" if self.pose else "--no-include-pose",
                 "--include-hands" if self.hands else "--no-include-hands",
                 "--include-face" if self.face_joints else "--no-include-face"]
        return flags + (["--face-joints", str(self.face_joints)] if self.face_joints else [])

    def import_flags(self) -> list[str]:
        kind = {"binary": ["--binary", "--signing-labels", "s"], "class0": ["--class0-is-signing"],
                "multiclass": ["--num-classes", str(self.num_classes)]}[self.kind]
        return (self.layout_flags() + kind + ["--coords", str(self.coords)]
                + (["--use-film-attention"] if self.film else []) + list(self.extra_flags))


# Every layout (pose only, hands only, pose+hands, +face 468, +face 478), binary / GC 2-class / multi-class,
# additive / FiLM, with and without the signer head, in each of upstream's file formats.
CASES = (
    SeedCase("pose33_binary_additive", 2001, True, False, None, 2, 2, "binary", False, 0, "best"),
    SeedCase("hands42_c10_film_signer", 2002, False, True, None, 3, 10, "multiclass", True, 6, "last"),
    SeedCase("posehands75_binary_film_signer", 2003, True, True, None, 2, 2, "binary", True, 4, "best_batch"),
    SeedCase("face543_gc2_additive", 2004, True, True, 468, 2, 2, "class0", False, 0, "epoch"),
    SeedCase("face553_c100_film_signer", 2005, True, True, 478, 2, 100, "multiclass", True, 8, "bare"),
    SeedCase("face553_binary_additive_c3", 2006, True, True, 478, 3, 2, "binary", False, 0, "best"),
)


def checkpoint_object(case: SeedCase, state: dict) -> tuple[str, object]:
    """File name and object of upstream's save call for `case.file_format`."""
    metric = np.float64(0.5)  # upstream stores sklearn metrics as numpy float64
    return {
        "best": ("best.pt", {"model": state, "epoch": 7, "metric": metric, "metric_name": "pr_auc"}),
        "last": ("last.pt", {"model": state, "epoch": 9, "val_acc": 61.5}),
        "best_batch": ("best_batch.pt", {"model": state, "epoch": 2, "batch": 300, "metric": metric,
                                         "metric_name": "pr_auc"}),
        "epoch": ("epoch_007.pt", {"model": state, "epoch": 7, "val_acc": 70.0, "val_loss": 0.61}),
        "bare": ("model.pt", state),
    }[case.file_format]


def build_model(case: SeedCase) -> SignSTGCN:
    cfg = ModelConfig(in_channels=case.coords, num_joints=case.layout.num_joints, num_classes=case.num_classes,
                      use_film_attention=case.film, num_signers=case.signer_head)
    gen = torch.Generator().manual_seed(case.seed)
    torch.manual_seed(case.seed)
    model = SignSTGCN(cfg)
    randomize_for_parity(model, gen)
    return model.eval()


def file_face_joints(path: Path) -> Optional[int]:
    with np.load(path, allow_pickle=False) as z:
        return int(z["face"].shape[1]) if "face" in z.files else None


def derive_468(path: Path, out_dir: Path) -> Path:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: np.asarray(z[k]) for k in ("pose", "left_hand", "right_hand", "face") if k in z.files}
    arrays["face"] = np.ascontiguousarray(arrays["face"][:, :468])
    target = out_dir / f"{path.stem}_face468.npz"
    np.savez(target, **arrays)
    return target


def refusals(case: SeedCase, checkpoint: Path, out: Path) -> dict[str, str]:
    """The importer's message for each layout flag left out (it must refuse and name the flag)."""
    found = {}
    for flag in ("--include-pose", "--include-hands", "--include-face"):
        flags = [f for f in case.import_flags() if f.removeprefix("--").removeprefix("no-") != flag.removeprefix("--")]
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = import_main([str(checkpoint), *flags, "-o", str(out / "refused")])
        found[flag] = err.getvalue().strip() if rc != 0 else ""
    return found


def build(case: SeedCase, out_dir: Path, landmarks: list[Path]) -> dict:
    folder = out_dir / case.name
    folder.mkdir(parents=True, exist_ok=True)
    model = build_model(case)
    name, obj = checkpoint_object(case, model.state_dict())
    checkpoint = folder / name
    torch.save(obj, checkpoint)
    with contextlib.redirect_stdout(io.StringIO()):
        if import_main([str(checkpoint), *case.import_flags(), "-o", str(folder / "head")]) != 0:
            raise CheckpointError(f"{case.name}: import_seed refused {checkpoint} with {case.import_flags()}")
    files = {}
    for path in landmarks:
        if case.face_joints is not None and file_face_joints(path) != case.face_joints:
            continue
        seq = load_seed_npz(path, case.layout, case.coords)
        starts = list(range(0, seq.shape[0] - WINDOW + 1))
        if not starts:
            continue
        logits = forward(model, np.stack([seq[s:s + WINDOW] for s in starts]))["logits"]
        files[path.name] = {"starts": starts, "logits": logits.astype(np.float64).tolist()}
    expected = {"checkpoint": name, "files": files, "refusals": refusals(case, checkpoint, folder)}
    (folder / "expected.json").write_text(json.dumps(expected))
    return {"case": case.name, "checkpoint": name, "flags": case.import_flags(), "kind": case.kind,
            "face_joints": case.face_joints, "files": sorted(files)}


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m signstgcn.seed_formats", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--landmarks", nargs="+", required=True, type=Path, help="seed-format .npz files")
    p.add_argument("--case", action="append", help="only these cases")
    p.add_argument("--derive-468", action="store_true",
                   help="also write OUT/<stem>_face468.npz of each 478-point file: the refined mesh without its "
                        "10 iris points (MediaPipe's first 468 points are the mesh in both models)")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    a.out.mkdir(parents=True, exist_ok=True)
    if a.derive_468:
        a.landmarks += [derive_468(path, a.out) for path in list(a.landmarks) if file_face_joints(path) == 478]
    chosen = [c for c in CASES if not a.case or c.name in a.case]
    try:
        cases = [build(c, a.out, a.landmarks) for c in chosen]
    except (CheckpointError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    (a.out / "cases.json").write_text(json.dumps(cases, indent=1))
    print(json.dumps(cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
