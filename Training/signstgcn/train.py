"""Train a SignSTGCN head on seed-format landmark data (binary signing detector or multi-class signs).

  python -m signstgcn.train --data ../shared/data --out runs/binary --mode binary --signing-labels s \
      --splits splits.json --epochs 4 --export ../Models/signing-binary
  python -m signstgcn.train --data ../shared/data --out runs/asl --mode multiclass --language asl \
      --min-gloss-groups 5 --min-gloss-sequences 100 --splits asl-splits.json

Writes to --out: best.pt ({model, epoch, metric, metric_name}), last.pt ({model, epoch, val_acc}) — the seed's
key layout —, metrics.csv (epoch, train_loss, train_acc, val_loss, val_acc, val_pr_auc, val_f1), config.json,
signer_embeddings.png (PCA of the signer-encoder output of validation windows, coloured by group), and with
--export the best weights as a signd head pair. Seeds are fixed (--seed); CPU only.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, WeightedRandomSampler

from .augment import Augment
from .checkpoint import sha256_file
from .data import (DEFAULT_SIGNING_LABELS, DataError, HandFrame, HeadInput, JointLayout, hand_frames, parse_joint_list,
                   parse_signing_labels, read_groundtruth)
from .evaluate import binary_report, multiclass_report, predict
from .export import export_model
from .losses import batch_pose_stats, info_nce, mixup
from .manifest import BACKGROUND_LABEL, LabelSpec, Manifest
from .metrics import BestTracker, per_class_recall
from .model import ModelConfig, SignSTGCN
from .selection import SequenceFilter
from .sequences import SequenceInfo, glosses_by_support, read_sequences
from .signers import kmeans, pca_2d, scatter_png
from .splits import Splits, build_group_splits
from .windows import SequenceStore, WindowDataset, WindowRef, build_window_refs, hand_motion

METRICS_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "val_balanced_acc", "val_pr_auc", "val_f1")


@dataclass
class TrainConfig:
    data: str
    out: str
    mode: str = "binary"
    signing_labels: str = DEFAULT_SIGNING_LABELS
    splits: Optional[str] = None
    split_seed: int = 0
    include_pose: bool = True
    include_hands: bool = True
    include_face: bool = False
    coords: int = 2
    zeroed_joints: tuple[int, ...] = ()
    normalize_joints: tuple[int, ...] = ()
    hand_local: bool = False        # each hand in its own frame too (manifest hand_local, data.hand_frames)
    window: int = 25
    stride: int = 1
    eval_stride: int = 5
    eval_max_windows: int = 8
    pad_short: bool = True
    language: Optional[str] = None
    glosses: Optional[str] = None
    # Add a class `other` learnt from out-of-vocabulary signing of the training part of
    # open_set.oov_partition (needs --splits); the open-set answer then lowers the real classes.
    background_class: bool = False
    min_gloss_groups: int = 5
    min_gloss_sequences: int = 100
    min_frames: int = 5
    epochs: int = 3
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    samples_per_epoch: int = 2048
    hard_negative_share: float = 0.5
    channels: tuple[int, ...] = (64, 128, 128)
    gru_hidden: int = 256
    use_film_attention: bool = False
    use_pseudo_signers: bool = False
    group_signers: bool = False     # the signer head learns the real group (person) ids instead of K-means ones
    num_signers: int = 8
    adv_weight: float = 0.1
    supcon_weight: float = 0.0
    label_smoothing: float = 0.0
    mixup_alpha: float = 0.0
    mixup_prob: float = 0.0
    augment: bool = True
    shortcut_augment: bool = True
    mirror_p: float = 0.0           # share of training windows mirrored (Augment.mirror_p)
    # Binary: signing windows whose hands move less than this (windows.hand_motion) are not trained on. A held
    # hand (an edge-held short clip, a rest at a clip's end) is labelled signing by the clip, yet looks like a
    # static gesture made at the camera. 0 = every window.
    min_signing_motion: float = 0.0
    balance: str = "sequences"      # within a stratum every sequence weighs the same, or every person (group)
    best_metric: str = "acc"
    seed: int = 0
    threads: int = 2
    max_files: int = 0
    export: Optional[str] = None
    model_name: str = ""

    @property
    def head_input(self) -> HeadInput:
        return HeadInput(tuple(self.zeroed_joints), tuple(self.normalize_joints), self.hand_frames)

    @property
    def layout(self) -> JointLayout:
        return JointLayout.seed(self.include_pose, self.include_hands, self.include_face)

    @property
    def hand_frames(self) -> tuple[HandFrame, ...]:
        return hand_frames(self.layout) if self.hand_local else ()


@dataclass
class TrainResult:
    out: Path
    best_epoch: int
    best_metric: float
    class_names: tuple[str, ...]
    history: list[dict] = field(default_factory=list)
    exported: Optional[Path] = None


# ------------------------------------------------------------------------------------------------ selection

def select_videos(cfg: TrainConfig, rows: dict[str, SequenceInfo]) -> tuple[Splits, tuple[str, ...]]:
    """The splits restricted to the run's sequences, and the class names."""
    if cfg.mode == "multiclass":
        if cfg.glosses:
            names = tuple(sorted(g.strip() for g in cfg.glosses.split(",") if g.strip()))
        else:
            if not cfg.language:
                raise DataError("multiclass needs --language or --glosses")
            names = tuple(glosses_by_support(rows.values(), cfg.language, cfg.min_gloss_groups,
                                             cfg.min_gloss_sequences))
        if len(names) < 2:
            raise DataError(f"multiclass needs at least 2 glosses, selection gave {list(names)}")
        filt = SequenceFilter(cfg.language, names, True, cfg.min_frames)
        if cfg.background_class and not cfg.splits:
            raise DataError("--background-class needs --splits (its out-of-vocabulary groups follow that split)")
    else:
        names = ("not_signing", "signing")
        filt = SequenceFilter(cfg.language, None, False, cfg.min_frames)
    selected = filt.apply(rows.values())
    if cfg.splits:
        base = Splits.read(cfg.splits)
    else:
        base = build_group_splits(selected, ratios=(0.8, 0.1, 0.1), seed=cfg.split_seed)
    keep = {r.video_id for r in selected}
    videos = {n: tuple(v for v in base.videos.get(n, ()) if v in keep) for n in ("train", "val", "test")}
    if cfg.mode == "multiclass" and cfg.background_class:
        from .open_set import oov_partition, oov_videos
        parts = oov_partition(rows, set(names), base)
        videos = {n: tuple(sorted(vs + tuple(oov_videos(rows, set(names), parts[n], cfg.min_frames))))
                  for n, vs in videos.items()}
        names = names + (BACKGROUND_LABEL,)
    if cfg.max_files:
        videos = {n: _few(vs, rows, cfg.max_files, cfg.seed) for n, vs in videos.items()}
    groups = {n: tuple(sorted({rows[v].group for v in vs})) for n, vs in videos.items()}
    return Splits(videos, groups, base.meta), names


def _few(videos: tuple[str, ...], rows: dict[str, SequenceInfo], n: int, seed: int) -> tuple[str, ...]:
    """Smoke mode: up to n videos, alternating over (signing, gloss) buckets so every class is represented."""
    buckets: dict[tuple, list[str]] = {}
    for v in sorted(videos):
        buckets.setdefault((rows[v].signing, rows[v].gloss), []).append(v)
    rng = np.random.default_rng(seed)
    for b in buckets.values():
        rng.shuffle(b)
    keys = sorted(buckets, key=lambda k: (not k[0], k[1]))
    signing_keys = [k for k in keys if k[0]]
    other_keys = [k for k in keys if not k[0]]
    order = [k for pair in zip(signing_keys, other_keys) for k in pair]
    order += [k for k in keys if k not in order]
    out: list[str] = []
    while len(out) < n and any(buckets[k] for k in order):
        for k in order:
            if buckets[k] and len(out) < n:
                out.append(buckets[k].pop())
    return tuple(sorted(out))


def sample_weights(refs: list[WindowRef], mode: str, hard_share: float, balance: str = "sequences") -> np.ndarray:
    """Sampling weight per window: every sequence (balance "sequences") or every person, i.e. group, and within
    it every sequence (balance "persons") weighs the same within its stratum; binary strata are
    signing (½), hard negatives (½·hard_share, split evenly between the hard kinds present: alex-silcock's
    gestures and other hands-visible non-signing (traduttore's `-` clips, mmaction2's videos), so neither
    drowns the other) and idle negatives (½·(1 − hard_share)); multi-class strata are the classes (equal)."""
    per_seq: dict[str, int] = {}
    for r in refs:
        per_seq[r.video_id] = per_seq.get(r.video_id, 0) + 1
    if mode == "binary":
        stratum = ["signing" if r.y == 1 else (r.kind if r.kind in ("gesture", "hands_visible") else "idle")
                   for r in refs]
        hard_kinds = {"gesture", "hands_visible"} & set(stratum)
        mass = {"signing": 0.5, "idle": 0.5 * (1 - hard_share)}
        mass.update({k: 0.5 * hard_share / len(hard_kinds) for k in hard_kinds})
    else:
        stratum = [str(r.y) for r in refs]
        mass = {s: 1.0 for s in set(stratum)}
    present = set(stratum)
    total = sum(m for s, m in mass.items() if s in present)
    seqs_in: dict[str, set[str]] = {}
    for r, s in zip(refs, stratum):
        seqs_in.setdefault(s, set()).add(r.video_id)
    if balance == "persons":
        persons_in: dict[str, set[str]] = {}
        seqs_of: dict[tuple[str, str], set[str]] = {}
        for r, s in zip(refs, stratum):
            persons_in.setdefault(s, set()).add(r.group)
            seqs_of.setdefault((s, r.group), set()).add(r.video_id)
        w = np.array([mass[s] / total / len(persons_in[s]) / len(seqs_of[(s, r.group)]) / per_seq[r.video_id]
                      for r, s in zip(refs, stratum)])
    else:
        w = np.array([mass[s] / total / len(seqs_in[s]) / per_seq[r.video_id] for r, s in zip(refs, stratum)])
    return w / w.sum()


# ------------------------------------------------------------------------------------------------ training

def run(cfg: TrainConfig) -> TrainResult:
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = read_sequences(cfg.data)
    gt = read_groundtruth(cfg.data)
    splits, names = select_videos(cfg, rows)
    signing = parse_signing_labels(cfg.signing_labels)
    layout = cfg.layout
    store = SequenceStore(cfg.data, layout, cfg.coords, cfg.window, cfg.pad_short)
    common = dict(mode=cfg.mode, signing_labels=signing, class_names=names)
    train_refs = build_window_refs(store, splits.videos["train"], rows, gt, stride=cfg.stride, **common)
    val_refs = build_window_refs(store, splits.videos["val"], rows, gt, stride=cfg.eval_stride,
                                 max_per_sequence=cfg.eval_max_windows, **common)
    if cfg.mode == "binary" and cfg.min_signing_motion > 0:
        kept = [r for r in train_refs
                if r.y != 1 or hand_motion(store, r, cfg.normalize_joints) >= cfg.min_signing_motion]
        print(f"min signing motion {cfg.min_signing_motion}: {len(train_refs) - len(kept)} of "
              f"{sum(r.y == 1 for r in train_refs)} signing windows left out", flush=True)
        train_refs = kept
    train_y = np.array([r.y for r in train_refs])
    if len(set(train_y.tolist())) < 2:
        raise DataError(f"training windows have a single class {sorted(set(train_y.tolist()))}; "
                        f"check --signing-labels ({sorted(signing)}) against the ground-truth labels")
    rng = np.random.default_rng(cfg.seed)
    signer_ids, k = None, 0
    if cfg.group_signers:
        group_ids = {g: i for i, g in enumerate(sorted({r.group for r in train_refs}))}
        signer_ids, k = np.array([group_ids[r.group] for r in train_refs], np.int64), len(group_ids)
    elif cfg.use_pseudo_signers:
        signer_ids, k = pseudo_signers(store, train_refs, cfg.num_signers, cfg.seed, cfg.head_input)
    mcfg = ModelConfig(in_channels=cfg.coords, num_joints=layout.num_joints, num_classes=len(names),
                       channels=tuple(cfg.channels), dilations=(1, 2, 3)[:len(cfg.channels)] if len(cfg.channels) <= 3
                       else tuple(range(1, len(cfg.channels) + 1)), gru_hidden=cfg.gru_hidden,
                       use_film_attention=cfg.use_film_attention, num_signers=k)
    model = SignSTGCN(mcfg)
    aug = Augment(mirror_p=cfg.mirror_p) if cfg.augment else Augment.off()
    if not cfg.shortcut_augment:
        aug = aug.without_shortcut_removal()
    train_ds = WindowDataset(store, train_refs, aug, seed=cfg.seed, signer_ids=signer_ids,
                             rule=cfg.head_input)
    val_ds = WindowDataset(store, val_refs, Augment.off(), seed=cfg.seed, rule=cfg.head_input)
    weights = sample_weights(train_refs, cfg.mode, cfg.hard_negative_share, cfg.balance)
    gen = torch.Generator().manual_seed(cfg.seed)
    sampler = WeightedRandomSampler(torch.from_numpy(weights), cfg.samples_per_epoch, replacement=True,
                                    generator=gen)
    loader = DataLoader(train_ds, batch_size=cfg.batch_size, sampler=sampler, drop_last=True)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = max(1, cfg.epochs * (cfg.samples_per_epoch // cfg.batch_size))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.15)
    (out / "config.json").write_text(json.dumps(_config_json(cfg, names, splits, len(train_refs), len(val_refs)),
                                                indent=1) + "\n", encoding="utf-8")
    tracker = BestTracker(cfg.best_metric)
    best_epoch = 0
    history: list[dict] = []
    with (out / "metrics.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(METRICS_COLUMNS)
        for epoch in range(1, cfg.epochs + 1):
            t0 = time.time()
            tr_loss, tr_acc = _train_epoch(model, loader, opt, sched, cfg, rng)
            pred = predict(model, val_ds)
            row = {"epoch": epoch, "train_loss": tr_loss, "train_acc": tr_acc * 100, "val_loss": pred.loss,
                   "val_acc": pred.acc * 100, "val_pr_auc": float("nan"), "val_f1": float("nan"),
                   "val_balanced_acc": float(np.nanmean(per_class_recall(pred.y, pred.logits, len(names)))) * 100}
            if cfg.mode == "binary":
                rep = binary_report(pred, [r.kind for r in val_refs])
                row.update(val_pr_auc=rep["pr_auc"], val_f1=rep["f1"])
            writer.writerow([row[c] for c in METRICS_COLUMNS])
            fh.flush()
            history.append(row)
            value = {"acc": row["val_acc"], "balanced_acc": row["val_balanced_acc"], "loss": row["val_loss"], "pr_auc": row["val_pr_auc"],
                     "f1": row["val_f1"], "last": float(epoch)}[cfg.best_metric]
            torch.save({"model": model.state_dict(), "epoch": epoch, "val_acc": row["val_acc"]}, out / "last.pt")
            if tracker.improves(value) or epoch == 1 and best_epoch == 0:
                if tracker.improves(value):
                    tracker = tracker.update(value)
                best_epoch = epoch
                torch.save({"model": model.state_dict(), "epoch": epoch, "metric": value,
                            "metric_name": cfg.best_metric}, out / "best.pt")
            print(f"epoch {epoch}: train_loss {tr_loss:.4f} train_acc {tr_acc * 100:.1f} val_loss {pred.loss:.4f} "
                  f"val_acc {pred.acc * 100:.1f} val_balanced_acc {row['val_balanced_acc']:.1f} val_pr_auc {row['val_pr_auc']:.4f} val_f1 {row['val_f1']:.4f} "
                  f"({time.time() - t0:.0f}s)", flush=True)
    best = torch.load(out / "best.pt", map_location="cpu", weights_only=True)
    model.load_state_dict(best["model"])
    model.eval()
    plot_signer_embeddings(model, val_ds, out / "signer_embeddings.png")
    result = TrainResult(out, best_epoch, tracker.best, names, history)
    if cfg.export:
        result.exported = export_run(model, cfg, names, layout, out, signing)
    return result


def _train_epoch(model: SignSTGCN, loader: DataLoader, opt, sched, cfg: TrainConfig,
                 rng: np.random.Generator) -> tuple[float, float]:
    model.train()
    total, correct, loss_sum = 0, 0, 0.0
    for x, stats, y, signer, _ in loader:
        mixed = cfg.mixup_alpha > 0 and rng.uniform() < cfg.mixup_prob
        if mixed:
            x, ya, yb, lam = mixup(x, y, cfg.mixup_alpha, rng)
            stats = batch_pose_stats(x)
        out = model(x, stats)
        logits = out["logits"]
        if mixed:
            loss = lam * F.cross_entropy(logits, ya, label_smoothing=cfg.label_smoothing) + \
                (1 - lam) * F.cross_entropy(logits, yb, label_smoothing=cfg.label_smoothing)
        else:
            loss = F.cross_entropy(logits, y, label_smoothing=cfg.label_smoothing)
            if cfg.supcon_weight > 0:
                loss = loss + cfg.supcon_weight * info_nce(out["embedding"], y)
        if "signer_logits" in out:
            # The gradient-reversal layer makes this adversarial: the backbone learns to hide the pseudo-signer.
            loss = loss + cfg.adv_weight * F.cross_entropy(out["signer_logits"], signer)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        loss_sum += float(loss.detach()) * len(y)
        total += len(y)
        correct += int((logits.argmax(1) == y).sum())
    return loss_sum / max(total, 1), correct / max(total, 1)


def pseudo_signers(store: SequenceStore, refs: list[WindowRef], k: int, seed: int,
                   rule: HeadInput = HeadInput()) -> tuple[np.ndarray, int]:
    """K-means on the pose_stats of the (un-augmented) training windows, like the seed's --use-pseudo-signers."""
    ds = WindowDataset(store, refs, Augment.off(), seed=seed, rule=rule)
    stats = np.stack([ds[i][1].numpy() for i in range(len(ds))])
    _, assign = kmeans(stats, k, seed=seed)
    return assign.astype(np.int64), int(assign.max()) + 1


def plot_signer_embeddings(model: SignSTGCN, ds: WindowDataset, path: Path, limit: int = 2000) -> None:
    pred = predict(model, ds)
    groups = sorted({r.group for r in ds.refs})
    gid = [groups.index(r.group) for r in ds.refs][:limit]
    emb = pred.signer_emb[:limit]
    if len(emb) >= 3:
        scatter_png(path, pca_2d(emb), gid)


def export_run(model: SignSTGCN, cfg: TrainConfig, names: tuple[str, ...], layout: JointLayout, out: Path,
               signing: frozenset[str]) -> Path:
    labels = LabelSpec.binary_head(tuple(signing)) if cfg.mode == "binary" else LabelSpec.multiclass(names)
    export_cfg = model.config.with_(num_signers=0)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("signer_head.")}
    manifest = Manifest(layout, Manifest.default_coords(cfg.coords), export_cfg, labels, window=cfg.window,
                        stride=1, output_timestamp="window_last", zeroed_joints=tuple(cfg.zeroed_joints),
                        normalize_joints=tuple(cfg.normalize_joints), hand_local=cfg.hand_frames,
                        provenance={"source": "signstgcn-training", "checkpoint": "best.pt",
                                    "checkpoint_sha256": sha256_file(out / "best.pt"),
                                    "training_config": _config_json(cfg, names, None, None, None)})
    clean = SignSTGCN(export_cfg)
    clean.load_state_dict(state)
    weights, _ = export_model(clean.eval(), manifest, cfg.export)
    return weights


def _config_json(cfg: TrainConfig, names, splits: Optional[Splits], n_train, n_val) -> dict:
    d = asdict(cfg)
    d["channels"] = list(cfg.channels)
    d["zeroed_joints"] = list(cfg.zeroed_joints)
    d["normalize_joints"] = list(cfg.normalize_joints)
    d["class_names"] = list(names)
    d.pop("out", None)
    d.pop("export", None)
    if splits is not None:
        d["split_groups"] = {k: list(v) for k, v in splits.groups.items()}
        d["windows"] = {"train": n_train, "val": n_val}
    return d


# ------------------------------------------------------------------------------------------------ CLI

def parse_args(argv: Optional[list[str]] = None) -> TrainConfig:
    ap = argparse.ArgumentParser(prog="python -m signstgcn.train", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    d = TrainConfig(data="", out="")
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True, help="run directory (best.pt, last.pt, metrics.csv, …)")
    ap.add_argument("--mode", choices=("binary", "multiclass"), default=d.mode)
    ap.add_argument("--signing-labels", default=d.signing_labels,
                    help="comma list of ground-truth labels that mean signing (this data: 's')")
    ap.add_argument("--splits", default=None, help="splits JSON from signstgcn.build_splits")
    ap.add_argument("--split-seed", type=int, default=d.split_seed)
    ap.add_argument("--include-pose", action=argparse.BooleanOptionalAction, default=d.include_pose)
    ap.add_argument("--include-hands", action=argparse.BooleanOptionalAction, default=d.include_hands)
    ap.add_argument("--include-face", action=argparse.BooleanOptionalAction, default=d.include_face)
    ap.add_argument("--coords", type=int, choices=(2, 3), default=d.coords)
    ap.add_argument("--zero-joints", default="",
                    help="flat joint indices the model never sees (e.g. 25-32: the legs, which waist-up cameras "
                         "only extrapolate and MSL-150 never recorded); written to the manifest's zeroed_joints")
    ap.add_argument("--normalize-joints", default="",
                    help="two flat joints whose midpoint and distance normalise x, y per frame (e.g. 11,12: the "
                         "shoulders, so framing and distance to the camera drop out); the manifest's normalize_joints")
    ap.add_argument("--hand-local", action=argparse.BooleanOptionalAction, default=d.hand_local,
                    help="show each hand's joints around its wrist in wrist-to-knuckle lengths (its shape at one "
                         "size wherever it is); the wrist keeps its place. The manifest's hand_local")
    ap.add_argument("--window", type=int, default=d.window)
    ap.add_argument("--stride", type=int, default=d.stride, help="training window stride")
    ap.add_argument("--eval-stride", type=int, default=d.eval_stride)
    ap.add_argument("--eval-max-windows", type=int, default=d.eval_max_windows,
                    help="validation windows per sequence (evenly spaced; 0 = all)")
    ap.add_argument("--pad-short", action=argparse.BooleanOptionalAction, default=d.pad_short)
    ap.add_argument("--language", default=None)
    ap.add_argument("--glosses", default=None)
    ap.add_argument("--background-class", action="store_true",
                    help="add a class 'other' learnt from out-of-vocabulary signing (signstgcn.open_set)")
    ap.add_argument("--min-gloss-groups", type=int, default=d.min_gloss_groups)
    ap.add_argument("--min-gloss-sequences", type=int, default=d.min_gloss_sequences)
    ap.add_argument("--min-frames", type=int, default=d.min_frames)
    ap.add_argument("--epochs", type=int, default=d.epochs)
    ap.add_argument("--batch-size", type=int, default=d.batch_size)
    ap.add_argument("--lr", type=float, default=d.lr)
    ap.add_argument("--weight-decay", type=float, default=d.weight_decay)
    ap.add_argument("--samples-per-epoch", type=int, default=d.samples_per_epoch)
    ap.add_argument("--hard-negative-share", type=float, default=d.hard_negative_share,
                    help="share of the negative sampling mass given to hands-visible negatives")
    ap.add_argument("--channels", default=",".join(map(str, d.channels)))
    ap.add_argument("--gru-hidden", type=int, default=d.gru_hidden)
    ap.add_argument("--use-film-attention", action="store_true")
    ap.add_argument("--use-pseudo-signers", action="store_true")
    ap.add_argument("--group-signers", action="store_true",
                    help="signer-adversarial head on the real group ids (one group = one person)")
    ap.add_argument("--num-signers", type=int, default=d.num_signers)
    ap.add_argument("--adv-weight", type=float, default=d.adv_weight)
    ap.add_argument("--supcon-weight", type=float, default=d.supcon_weight, help="InfoNCE weight (0 = off)")
    ap.add_argument("--label-smoothing", type=float, default=d.label_smoothing)
    ap.add_argument("--mixup-alpha", type=float, default=d.mixup_alpha)
    ap.add_argument("--mixup-prob", type=float, default=d.mixup_prob)
    ap.add_argument("--augment", action=argparse.BooleanOptionalAction, default=d.augment)
    ap.add_argument("--shortcut-augment", action=argparse.BooleanOptionalAction, default=d.shortcut_augment,
                    help="source pose layouts and edge holds on any window (augment.py)")
    ap.add_argument("--mirror-p", type=float, default=d.mirror_p,
                    help="share of training windows mirrored (left-handed people, mirroring webcams)")
    ap.add_argument("--min-signing-motion", type=float, default=d.min_signing_motion,
                    help="binary: leave out signing windows whose hands move less than this (mean joint step in "
                         "shoulder widths per frame, 75th percentile; windows.hand_motion): held poses")
    ap.add_argument("--balance", choices=("sequences", "persons"), default=d.balance,
                    help="within a sampling stratum every sequence weighs the same, or every person (group)")
    ap.add_argument("--best-metric", choices=BestTracker.METRICS, default=d.best_metric)
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--threads", type=int, default=d.threads)
    ap.add_argument("--max-files", type=int, default=0, help="smoke mode: at most N sequences per split")
    ap.add_argument("--export", default=None, help="write the best weights as STEM.safetensors + manifest")
    a = ap.parse_args(argv)
    kw = {k: v for k, v in vars(a).items()}
    kw["channels"] = tuple(int(c) for c in a.channels.split(","))
    kw["zeroed_joints"] = parse_joint_list(kw.pop("zero_joints"))
    kw["normalize_joints"] = parse_joint_list(kw["normalize_joints"])
    return TrainConfig(**kw)


def main(argv: Optional[list[str]] = None) -> int:
    try:
        cfg = parse_args(argv)
        res = run(cfg)
    except (DataError, ValueError) as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    print(f"best epoch {res.best_epoch} ({cfg.best_metric} = {res.best_metric:.4f}); run in {res.out}"
          + (f"; exported {res.exported}" if res.exported else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
