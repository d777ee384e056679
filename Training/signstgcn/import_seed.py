"""Convert an upstream SignSTGCN checkpoint (best.pt / last.pt / best_batch.pt / epoch_###.pt or a bare
state_dict) into a signd head pair.

  python -m signstgcn.import_seed CHECKPOINT.pt --binary --coords 2 [--include-face] [--num-classes N]
         [--use-film-attention] [--signing-labels s] -o OUT_STEM

The checkpoint carries no J, layout, label semantics or dilations (§9); they come from the flags and are
cross-checked against the tensor shapes wherever the shapes say something.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

from .checkpoint import (CheckpointError, describe, infer_config, load_checkpoint_file, sha256_file,
                         validate_state_dict)
from .data import DEFAULT_SIGNING_LABELS, JointLayout
from .export import ExportError, labels_for, save_pair
from .manifest import Manifest, ManifestError

UPSTREAM = "Cyr-Ch/SCA-STGCN"


def import_seed(checkpoint: str | Path, output: str | Path, *, binary: bool, coords: int,
                include_face: bool = False, face_joints: int = 478, num_classes: Optional[int] = None,
                use_film_attention: bool = False, signing_labels: str = DEFAULT_SIGNING_LABELS,
                labels: Optional[str] = None, class0_is_signing: bool = False,
                output_timestamp: str = "window_last", upstream_commit: str = "") -> dict:
    checkpoint = Path(checkpoint)
    state, meta = load_checkpoint_file(checkpoint)
    layout = JointLayout.seed(include_face=include_face, face_joints=face_joints)
    cfg = infer_config(state, layout.num_joints, str(checkpoint))
    src = str(checkpoint)
    if cfg.in_channels != coords:
        raise CheckpointError(f"{src}: --coords {coords} but backbone.layers.0.gc.lin.weight has "
                              f"{cfg.in_channels} input channels")
    if cfg.signer_stats_dim != 2 * coords:
        raise CheckpointError(f"{src}: signer_enc.net.0.weight has S = {cfg.signer_stats_dim}; only S = 2·C = "
                              f"{2 * coords} has a defined pose_stats (spec §5)")
    if use_film_attention != cfg.use_film_attention:
        found = "FiLM (attn.k_scale_net.* present)" if cfg.use_film_attention else "additive (no attn.k_scale_net.*)"
        raise CheckpointError(f"{src}: --use-film-attention is {'on' if use_film_attention else 'off'} but the "
                              f"weights are {found}")
    if (binary or class0_is_signing) and cfg.num_classes != 2:
        raise CheckpointError(f"{src}: binary head expected but cls_head.net.4.weight has {cfg.num_classes} classes")
    if num_classes is not None and num_classes != cfg.num_classes:
        raise CheckpointError(f"{src}: --num-classes {num_classes} but cls_head.net.4.weight has "
                              f"{cfg.num_classes} classes")
    validate_state_dict(state, cfg, src)  # every §8 key and shape, before anything is written
    label_spec = labels_for(binary or class0_is_signing, cfg.num_classes, signing_labels, labels, class0_is_signing)
    manifest = Manifest(
        layout, Manifest.default_coords(coords), cfg, label_spec, output_timestamp=output_timestamp,
        provenance={"source": "seed-import", "checkpoint": checkpoint.name,
                    "checkpoint_sha256": sha256_file(checkpoint), "upstream": UPSTREAM,
                    "upstream_commit": upstream_commit, "checkpoint_entries": meta,
                    "training_config": {"binary": binary, "coords": coords, "include_face": include_face,
                                        "use_film_attention": use_film_attention,
                                        "signing_labels": signing_labels if binary else None}})
    weights, manifest_path = save_pair(state, manifest, output)
    return {"weights": str(weights), "manifest": str(manifest_path), **describe(cfg)}


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m signstgcn.import_seed", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint")
    p.add_argument("-o", "--output", required=True, help="output stem")
    p.add_argument("--binary", action="store_true", help="two classes, class 1 = the --signing-labels set")
    p.add_argument("--class0-is-signing", action="store_true",
                   help="GC 'num_classes 2, non-binary' convention: class 0 = S")
    p.add_argument("--coords", type=int, default=2)
    p.add_argument("--include-face", action="store_true")
    p.add_argument("--face-joints", type=int, default=478)
    p.add_argument("--num-classes", type=int)
    p.add_argument("--labels", help="comma-separated class names, id order (multi-class)")
    p.add_argument("--use-film-attention", action="store_true")
    p.add_argument("--signing-labels", default=DEFAULT_SIGNING_LABELS)
    p.add_argument("--output-timestamp", default="window_last", choices=("window_last", "window_center"))
    p.add_argument("--upstream-commit", default="")
    a = p.parse_args(argv)
    try:
        result = import_seed(a.checkpoint, a.output, binary=a.binary, coords=a.coords, include_face=a.include_face,
                             face_joints=a.face_joints, num_classes=a.num_classes,
                             use_film_attention=a.use_film_attention, signing_labels=a.signing_labels,
                             labels=a.labels, class0_is_signing=a.class0_is_signing,
                             output_timestamp=a.output_timestamp, upstream_commit=a.upstream_commit)
    except (CheckpointError, ExportError, ManifestError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
