"""Writing and reading the signd head pair STEM.safetensors + STEM.manifest.json (docs/model-format.md).

CLI:
  python -m signstgcn.export random -o STEM [--coords 2] [--include-face] [--num-classes N | --binary]
                                   [--use-film-attention] [--seed 0]   # random-init head (benchmarks, smoke tests)
  python -m signstgcn.export check STEM                                # load + validate a pair, print a summary
Seed checkpoints are converted with `python -m signstgcn.import_seed`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Mapping, Optional

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .checkpoint import (CheckpointError, build_model, describe, inference_state,
                         validate_state_dict)
from .data import JointLayout, parse_signing_labels
from .manifest import LabelSpec, Manifest, ManifestError
from .model import ModelConfig, SignSTGCN

SAFETENSORS_SUFFIX = ".safetensors"
MANIFEST_SUFFIX = ".manifest.json"


class ExportError(ValueError):
    """Export or load of a head pair failed; names the file."""


def pair_paths(stem: str | Path) -> tuple[Path, Path]:
    """STEM (optionally given with either suffix) → (weights path, manifest path)."""
    s = str(stem)
    for suffix in (SAFETENSORS_SUFFIX, MANIFEST_SUFFIX):
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    return Path(s + SAFETENSORS_SUFFIX), Path(s + MANIFEST_SUFFIX)


def save_pair(state: Mapping[str, torch.Tensor], manifest: Manifest, stem: str | Path) -> tuple[Path, Path]:
    """Validate `state` against the manifest's architecture, then write F32 weights and the manifest."""
    weights_path, manifest_path = pair_paths(stem)
    cfg = _config_for_state(manifest.config, state)
    validate_state_dict(state, cfg, str(weights_path))
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    # One metadata entry only: safetensors serializes the metadata map in hash order, so two entries would make
    # the file bytes differ between runs.
    save_file(inference_state(state), str(weights_path), metadata={"format": "signd-stgcn/1"})
    manifest.write(manifest_path)
    return weights_path, manifest_path


def export_model(model: SignSTGCN, manifest: Manifest, stem: str | Path) -> tuple[Path, Path]:
    return save_pair(model.state_dict(), manifest, stem)


def load_state(weights_path: str | Path) -> dict[str, torch.Tensor]:
    weights_path = Path(weights_path)
    if not weights_path.is_file():
        raise ExportError(f"{weights_path}: weights file not found")
    try:
        return load_file(str(weights_path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise ExportError(f"{weights_path}: not a readable safetensors file ({exc})") from None


def load_pair(stem: str | Path) -> tuple[SignSTGCN, Manifest]:
    """The exported pair back into an eval-mode PyTorch model (round trips, benchmarks, fixtures)."""
    weights_path, manifest_path = pair_paths(stem)
    manifest = Manifest.read(manifest_path)
    state = load_state(weights_path)
    cfg = _config_for_state(manifest.config, state)
    try:
        return build_model(state, cfg, str(weights_path)), manifest
    except CheckpointError as exc:
        raise ExportError(str(exc)) from None


def _config_for_state(cfg: ModelConfig, state: Mapping[str, torch.Tensor]) -> ModelConfig:
    """The manifest does not describe the training-only signer head or the signer MLP width; take them from
    the tensors so that validation still checks every other shape against the manifest."""
    k = state["signer_head.net.4.weight"].shape[0] if "signer_head.net.4.weight" in state else 0
    hidden = state["signer_enc.net.1.weight"].shape[0] if "signer_enc.net.1.weight" in state else cfg.signer_hidden
    return cfg.with_(num_signers=int(k), signer_hidden=int(hidden))


def labels_for(binary: bool, num_classes: int, signing_labels: str, labels: Optional[str],
               class0_is_signing: bool = False) -> LabelSpec:
    if binary:
        return LabelSpec.binary_head(tuple(parse_signing_labels(signing_labels)), class0_is_signing)
    names = tuple(s.strip() for s in labels.split(",")) if labels else tuple(f"class_{i}" for i in range(num_classes))
    if len(names) != num_classes:
        raise ExportError(f"--labels has {len(names)} names for {num_classes} classes")
    return LabelSpec.multiclass(names)


# ---------------------------------------------------------------------------------------------------- CLI

def _random_cmd(args: argparse.Namespace) -> dict:
    layout = JointLayout.seed(include_face=args.include_face, face_joints=args.face_joints)
    nc = 2 if args.binary else args.num_classes
    cfg = ModelConfig(in_channels=args.coords, num_joints=layout.num_joints, num_classes=nc,
                      use_film_attention=args.use_film_attention)
    torch.manual_seed(args.seed)
    model = SignSTGCN(cfg).eval()
    manifest = Manifest(layout, Manifest.default_coords(args.coords), cfg,
                        labels_for(args.binary, nc, args.signing_labels, None),
                        provenance={"source": "random-init", "seed": args.seed,
                                    "note": "untrained weights; for benchmarks and smoke tests only"})
    w, m = export_model(model, manifest, args.output)
    return {"weights": str(w), "manifest": str(m), **describe(cfg)}


def _check_cmd(args: argparse.Namespace) -> dict:
    model, manifest = load_pair(args.stem)
    cfg = model.config
    x = torch.zeros(1, manifest.window, cfg.num_joints, cfg.in_channels)
    stats = torch.zeros(1, cfg.signer_stats_dim)
    stats[:, cfg.in_channels:] = 1e-6
    with torch.no_grad():
        logits = model(x, stats)["logits"][0].tolist()
    return {"ok": True, **describe(cfg), "labels": list(manifest.labels.labels), "zero_window_logits": logits}


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m signstgcn.export", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("random", help="write a random-init head pair")
    r.add_argument("-o", "--output", required=True, help="output stem (writes STEM.safetensors + STEM.manifest.json)")
    r.add_argument("--coords", type=int, default=2)
    r.add_argument("--include-face", action="store_true")
    r.add_argument("--face-joints", type=int, default=478)
    r.add_argument("--binary", action="store_true")
    r.add_argument("--num-classes", type=int, default=100)
    r.add_argument("--use-film-attention", action="store_true")
    r.add_argument("--signing-labels", default="s")
    r.add_argument("--seed", type=int, default=0)
    c = sub.add_parser("check", help="load and validate a head pair")
    c.add_argument("stem")
    args = p.parse_args(argv)
    try:
        result = _random_cmd(args) if args.cmd == "random" else _check_cmd(args)
    except (ExportError, CheckpointError, ManifestError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
