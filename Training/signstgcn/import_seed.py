"""Convert an upstream SignSTGCN checkpoint (best.pt / last.pt / best_batch.pt / epoch_###.pt or a bare
state_dict) into a signd head pair.

  python -m signstgcn.import_seed CHECKPOINT.pt --include-pose --include-hands --no-include-face --binary \
         --coords 2 [--num-classes N] [--use-film-attention] [--signing-labels s] -o OUT_STEM

The checkpoint carries no J, layout, label semantics or dilations (docs/signstgcn.md §7): upstream's scripts
save only the weights and a few metrics. The layout flags are therefore required (the ones the checkpoint was trained
with; a checkpoint that stores its arguments under `args` supplies them), a 2-class head must say what its
classes mean, and everything the shapes do say is cross-checked against the flags.
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


# The layout flags of upstream's training scripts, with their upstream defaults (for the message only: a
# default is never assumed, because J appears in no weight shape and a wrong guess still loads).
# train_landmarks.py and the group-classifier scripts disagree (in the latter --include-face turns it off).
LAYOUT_FLAGS = (("include_pose", "on in train_landmarks, off in GC_training"),
                ("include_hands", "off in both"),
                ("include_face", "off in train_landmarks, on in GC_training"))
FACE_JOINT_COUNTS = (468, 478)


def _flag(name: str, on: bool) -> str:
    return "--" + ("" if on else "no-") + name.replace("_", "-")


def resolve_layout(src: str, stored: dict, include_pose: Optional[bool], include_hands: Optional[bool],
                   include_face: Optional[bool], face_joints: Optional[int]) -> JointLayout:
    """The joint layout from the flags and, where the training script saved them, its stored arguments. A
    flag that is neither given nor stored, or that contradicts the stored value, is refused by name."""
    given = {"include_pose": include_pose, "include_hands": include_hands, "include_face": include_face}
    chosen: dict[str, bool] = {}
    missing: list[str] = []
    for name, upstream_default in LAYOUT_FLAGS:
        flag, kept = given[name], stored.get(name)
        if flag is not None and isinstance(kept, bool) and flag != kept:
            raise CheckpointError(f"{src}: {_flag(name, flag)} contradicts the checkpoint's stored arguments "
                                  f"({name} = {kept})")
        value = flag if flag is not None else kept if isinstance(kept, bool) else None
        if value is None:
            missing.append(f"{_flag(name, True)} or {_flag(name, False)} (upstream default: {upstream_default})")
        else:
            chosen[name] = value
    if missing:
        where = "its stored arguments do not say" if stored else "the checkpoint stores no training arguments"
        raise CheckpointError(f"{src}: the joint layout is not in the weights (J appears in no shape) and {where}; "
                              f"pass the flags it was trained with: " + "; ".join(missing))
    if chosen["include_face"]:
        if face_joints not in FACE_JOINT_COUNTS:
            raise CheckpointError(f"{src}: --include-face needs --face-joints 478 (MediaPipe with iris, the seed's "
                                  f".npz files) or 468 (no iris): the face's joint count is not in the weights")
    elif face_joints is not None:
        raise CheckpointError(f"{src}: --face-joints {face_joints} given without --include-face")
    if not (chosen["include_pose"] or chosen["include_hands"] or chosen["include_face"]):
        raise CheckpointError(f"{src}: the layout flags select no part")
    return JointLayout.seed(include_pose=chosen["include_pose"], include_hands=chosen["include_hands"],
                            include_face=chosen["include_face"], face_joints=face_joints or 478)


def resolve_kind(src: str, stored: dict, num_classes: int, binary: bool, class0_is_signing: bool,
                 labels: Optional[str]) -> bool:
    """Whether the head is binary. A 2-class checkpoint is ambiguous (train_landmarks --binary puts signing at
    index 1, GC_training's 2-class mode at index 0, a plain 2-class run has no signing class), so one of the
    flags must say which."""
    kept = stored.get("binary")
    if isinstance(kept, bool) and binary != kept and (binary or class0_is_signing or labels):
        raise CheckpointError(f"{src}: --binary is {'on' if binary else 'off'} but the checkpoint's stored "
                              f"arguments say binary = {kept}")
    if isinstance(kept, bool) and not (binary or class0_is_signing or labels):
        binary = kept
    if (binary or class0_is_signing) and num_classes != 2:
        raise CheckpointError(f"{src}: binary head expected but cls_head.net.4.weight has {num_classes} classes")
    if num_classes == 2 and not (binary or class0_is_signing or labels):
        raise CheckpointError(f"{src}: a 2-class head; say what its classes mean: --binary (train_landmarks "
                              f"--binary: class 1 = --signing-labels), --class0-is-signing (GC_training's 2-class "
                              f"mode: class 0 = S), or --labels A,B")
    return binary


def import_seed(checkpoint: str | Path, output: str | Path, *, coords: int, include_pose: Optional[bool] = None,
                include_hands: Optional[bool] = None, include_face: Optional[bool] = None,
                face_joints: Optional[int] = None, binary: bool = False, num_classes: Optional[int] = None,
                use_film_attention: bool = False, signing_labels: str = DEFAULT_SIGNING_LABELS,
                labels: Optional[str] = None, class0_is_signing: bool = False,
                output_timestamp: str = "window_last", upstream_commit: str = "") -> dict:
    checkpoint = Path(checkpoint)
    state, meta, stored = load_checkpoint_file(checkpoint)
    src = str(checkpoint)
    layout = resolve_layout(src, stored, include_pose, include_hands, include_face, face_joints)
    cfg = infer_config(state, layout.num_joints, src)
    if cfg.in_channels != coords:
        raise CheckpointError(f"{src}: --coords {coords} but backbone.layers.0.gc.lin.weight has "
                              f"{cfg.in_channels} input channels")
    if cfg.signer_stats_dim != 2 * coords:
        raise CheckpointError(f"{src}: signer_enc.net.0.weight has S = {cfg.signer_stats_dim}; only S = 2·C = "
                              f"{2 * coords} has a defined pose_stats (docs/model-format.md)")
    if use_film_attention != cfg.use_film_attention:
        found = "FiLM (attn.k_scale_net.* present)" if cfg.use_film_attention else "additive (no attn.k_scale_net.*)"
        raise CheckpointError(f"{src}: --use-film-attention is {'on' if use_film_attention else 'off'} but the "
                              f"weights are {found}")
    if num_classes is not None and num_classes != cfg.num_classes:
        raise CheckpointError(f"{src}: --num-classes {num_classes} but cls_head.net.4.weight has "
                              f"{cfg.num_classes} classes")
    binary = resolve_kind(src, stored, cfg.num_classes, binary, class0_is_signing, labels)
    validate_state_dict(state, cfg, src)  # every docs/signstgcn.md §6 key and shape, before anything is written
    label_spec = labels_for(binary or class0_is_signing, cfg.num_classes, signing_labels, labels, class0_is_signing)
    parts = {p for p, _ in layout.parts}
    manifest = Manifest(
        layout, Manifest.default_coords(coords), cfg, label_spec, output_timestamp=output_timestamp,
        provenance={"source": "seed-import", "checkpoint": checkpoint.name,
                    "checkpoint_sha256": sha256_file(checkpoint), "upstream": UPSTREAM,
                    "upstream_commit": upstream_commit, "checkpoint_entries": meta,
                    "training_config": {"binary": binary, "coords": coords, "include_pose": "pose" in parts,
                                        "include_hands": "left_hand" in parts, "include_face": "face" in parts,
                                        "use_film_attention": use_film_attention,
                                        "signing_labels": signing_labels if binary else None}})
    weights, manifest_path = save_pair(state, manifest, output)
    return {"weights": str(weights), "manifest": str(manifest_path), "layout": layout.to_json(), **describe(cfg)}


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m signstgcn.import_seed", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint")
    p.add_argument("-o", "--output", required=True, help="output stem")
    p.add_argument("--binary", action="store_true", help="two classes, class 1 = the --signing-labels set")
    p.add_argument("--class0-is-signing", action="store_true",
                   help="GC 'num_classes 2, non-binary' convention: class 0 = S")
    p.add_argument("--coords", type=int, default=2)
    for name, upstream_default in LAYOUT_FLAGS:
        p.add_argument(_flag(name, True), dest=name, action="store_true", default=None,
                       help=f"the layout flag the checkpoint was trained with (upstream default: {upstream_default})")
        p.add_argument(_flag(name, False), dest=name, action="store_false", default=None)
    p.add_argument("--face-joints", type=int, choices=FACE_JOINT_COUNTS,
                   help="with --include-face: 478 (MediaPipe with iris, the seed's data) or 468")
    p.add_argument("--num-classes", type=int)
    p.add_argument("--labels", help="comma-separated class names, id order (multi-class)")
    p.add_argument("--use-film-attention", action="store_true")
    p.add_argument("--signing-labels", default=DEFAULT_SIGNING_LABELS)
    p.add_argument("--output-timestamp", default="window_last", choices=("window_last", "window_center"))
    p.add_argument("--upstream-commit", default="")
    a = p.parse_args(argv)
    try:
        result = import_seed(a.checkpoint, a.output, binary=a.binary, coords=a.coords, include_pose=a.include_pose,
                             include_hands=a.include_hands, include_face=a.include_face, face_joints=a.face_joints, num_classes=a.num_classes,
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
