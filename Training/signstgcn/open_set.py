"""Open-set calibration of a multi-class head: when to answer `unknown` instead of a label.

  python -m signstgcn.open_set --data ../shared/data --models ../Models [--name asl-signs] [--write]

The decision score is the largest class probability (max softmax, Hendrycks & Gimpel 2017) of a segment's mean
class probabilities, the mean the daemon's segment summary takes over the windows it classified while signing
(every 5th frame); a window's own sign event uses the same threshold on that window's probabilities. Below the
threshold the answer is `unknown`.

Material, all held out from the head's training:
* in-vocabulary: the head's split (Models/splits/NAME.json): `val` groups calibrate, `test` groups report;
* out-of-vocabulary: every signing sequence of `../shared/data` whose gloss the head does not know (other ASL
  glosses, letters, other sign languages), split **by group** (seeded) into a calibration half and a test half,
  so no person or recording set is on both sides.
The operating point is the lowest threshold that answers `unknown` to at least TARGET of the calibration
out-of-vocabulary segments; the figures at that point, and the whole trade-off curve, are then printed for the
test halves. --write stores it in NAME.manifest.json as `open_set` (docs/model-format.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from .augment import Augment
from .data import window_starts
from .evaluate import predict
from .export import load_pair
from .manifest import BACKGROUND_LABEL, Manifest
from .sequences import read_sequences
from .splits import Splits
from .windows import SequenceStore, WindowDataset, WindowRef

STRIDE = 5                 # the daemon classifies every heads.multiclass_every = 5 frames while signing
MAX_WINDOWS = 8            # per sequence: bounds the weight of the few long ones
TARGET = 0.80              # out-of-vocabulary segments answered `unknown` at the operating point (issue 19)
SEED = 19
GRID = np.round(np.arange(0.0, 1.0001, 0.005), 3)


@dataclass(frozen=True)
class Scored:
    """Per segment (= sequence) and per window: the true class id (-1: out of vocabulary), the predicted
    class and the decision score."""
    seq_true: np.ndarray
    seq_pred: np.ndarray
    seq_score: np.ndarray
    seq_group: list[str]
    win_true: np.ndarray
    win_pred: np.ndarray
    win_score: np.ndarray

    def at(self, t: float, level: str = "segment") -> dict[str, float]:
        true, pred, score = ((self.seq_true, self.seq_pred, self.seq_score) if level == "segment"
                             else (self.win_true, self.win_pred, self.win_score))
        known = true >= 0
        accepted = score >= t
        inv, oov = int(known.sum()), int((~known).sum())
        return {"threshold": float(t),
                "in_vocab": inv, "out_of_vocab": oov,
                # right label given (an `unknown` answer counts as wrong)
                "in_vocab_accuracy": float((accepted & (pred == true) & known).sum() / max(inv, 1)),
                "in_vocab_top1_forced": float(((pred == true) & known).sum() / max(inv, 1)),
                "in_vocab_unknown": float((~accepted & known).sum() / max(inv, 1)),
                "out_of_vocab_unknown": float((~accepted & ~known).sum() / max(oov, 1))}


def oov_partition(rows, labels: set[str], base: Splits) -> dict[str, list[str]]:
    """Groups of out-of-vocabulary signing per part: `train` (a background class may learn from them), `val`
    (calibration), `test`. A group keeps the part its in-vocabulary sequences have in the head's split, so no
    person is on two sides; the groups without in-vocabulary sequences are shared out in thirds (seeded)."""
    groups = sorted({r.group for r in rows.values() if r.signing and r.gloss not in labels and r.frames >= 5})
    of_group = base.split_of_group()
    parts: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    free = [g for g in groups if g not in of_group]
    for g in groups:
        if g in of_group:
            parts[of_group[g]].append(g)
    order = np.random.default_rng(SEED).permutation(len(free))
    for k, i in enumerate(order):
        parts[("train", "val", "test")[k % 3]].append(free[i])
    return {k: sorted(v) for k, v in parts.items()}


def oov_videos(rows, labels: set[str], groups, min_frames: int = 5) -> list[str]:
    keep = set(groups)
    return sorted(v for v, r in rows.items() if r.signing and r.gloss not in labels and r.frames >= min_frames
                  and r.group in keep)


def score(model, manifest: Manifest, store: SequenceStore, videos: list[str], truth: dict[str, int],
          rows, augment: Augment = Augment.off()) -> Scored:
    refs: list[WindowRef] = []
    for vid in videos:
        seq = store.get(vid)
        starts = [0] if store.original_frames[vid] < store.window else list(window_starts(seq.shape[0], store.window, STRIDE))
        if len(starts) > MAX_WINDOWS:
            starts = [starts[i] for i in sorted(set(np.linspace(0, len(starts) - 1, MAX_WINDOWS).round().astype(int)))]
        refs += [WindowRef(vid, s, rows[vid].gloss, 0, "signing", rows[vid].group) for s in starts]
    pred = predict(model, WindowDataset(store, refs, augment, rule=manifest.head_input))
    prob = torch.softmax(torch.from_numpy(pred.logits), 1).numpy()
    # The answer is among the real classes only: a background class lowers their probabilities, never answers.
    known = np.array([lab != BACKGROUND_LABEL for lab in manifest.labels.labels])
    masked = np.where(known, prob, -1.0)
    win_vid = [r.video_id for r in refs]
    seq_true, seq_pred, seq_score, seq_group = [], [], [], []
    for vid in videos:
        idx = [i for i, v in enumerate(win_vid) if v == vid]
        mean = np.where(known, prob[idx].mean(0), -1.0)
        seq_true.append(truth[vid]); seq_pred.append(int(mean.argmax())); seq_score.append(float(mean.max()))
        seq_group.append(rows[vid].group)
    return Scored(np.array(seq_true), np.array(seq_pred), np.array(seq_score), seq_group,
                  np.array([truth[v] for v in win_vid]), masked.argmax(1), masked.max(1))


def join(a: Scored, b: Scored) -> Scored:
    return Scored(np.concatenate([a.seq_true, b.seq_true]), np.concatenate([a.seq_pred, b.seq_pred]),
                  np.concatenate([a.seq_score, b.seq_score]), a.seq_group + b.seq_group,
                  np.concatenate([a.win_true, b.win_true]), np.concatenate([a.win_pred, b.win_pred]),
                  np.concatenate([a.win_score, b.win_score]))


def calibrate(data: Path, models: Path, name: str) -> dict:
    model, manifest = load_pair(models / name)
    torch.set_num_threads(2)
    if manifest.labels.binary:
        raise SystemExit(f"open_set: {name} is a binary head; only a multi-class head answers `unknown`")
    labels = list(manifest.labels.labels)
    index = {g: i for i, g in enumerate(labels)}
    rows = read_sequences(data)
    splits = Splits.read(models / "splits" / f"{name}.json")
    store = SequenceStore(data, manifest.layout, len(manifest.coords), manifest.window, pad_short=True)

    def in_vocab(part: str) -> list[str]:
        return sorted(v for v in splits.videos[part] if v in rows and rows[v].frames >= 5 and rows[v].gloss in index)

    parts = oov_partition(rows, set(labels), splits)
    calib_groups, test_groups = parts["val"], parts["test"]

    def oov(groups: list[str]) -> list[str]:
        return oov_videos(rows, set(labels), groups)

    # Out-of-vocabulary sequences are -1, also where the head has a background class for them.
    truth = {v: index[r.gloss] if r.gloss in index and r.gloss != BACKGROUND_LABEL else -1 for v, r in rows.items()}
    calib = join(score(model, manifest, store, in_vocab("val"), truth, rows),
                 score(model, manifest, store, oov(calib_groups), truth, rows))
    test = join(score(model, manifest, store, in_vocab("test"), truth, rows),
                score(model, manifest, store, oov(test_groups), truth, rows))
    point = next((float(t) for t in GRID if calib.at(t)["out_of_vocab_unknown"] >= TARGET), 1.0)
    # The same in-vocabulary test segments as a left-handed signer makes them (every window mirrored).
    mirrored = score(model, manifest, store, in_vocab("test"), truth, rows, augment=Augment.mirror_only())
    curve = [test.at(t) for t in GRID[::10]]
    per_group = {}
    for g in sorted(set(test.seq_group)):
        for in_vocab in (True, False):
            idx = [i for i, x in enumerate(test.seq_group) if x == g and (test.seq_true[i] >= 0) == in_vocab]
            if idx:
                per_group[f"{g} ({'in-vocab' if in_vocab else 'OOV'})"] = {
                    "segments": len(idx), "in_vocab": in_vocab, "unknown": float((test.seq_score[idx] < point).mean())}
    return {"model": name, "labels": labels, "score": "max_mean_probability", "target": TARGET,
            "background_label": BACKGROUND_LABEL if BACKGROUND_LABEL in labels else None,
            "unknown_below": point, "calibration_oov_groups": calib_groups, "test_oov_groups": test_groups,
            "calibration": {"segment": calib.at(point), "window": calib.at(point, "window")},
            "test": {"segment": test.at(point), "window": test.at(point, "window")},
            "test_mirrored": {"segment": mirrored.at(point), "window": mirrored.at(point, "window")},
            "test_curve_segment": curve, "test_per_group": per_group}


def test_videos(data: Path, models: Path, name: str) -> list[str]:
    """The test part `calibrate` reports on, for `signd eval` (Benchmarks/open-set.sh --daemon)."""
    labels = set(Manifest.read(models / f"{name}.manifest.json").labels.labels) - {BACKGROUND_LABEL}
    rows = read_sequences(data)
    splits = Splits.read(models / "splits" / f"{name}.json")
    inside = sorted(v for v in splits.videos["test"] if v in rows and rows[v].frames >= 5 and rows[v].gloss in labels)
    return inside + oov_videos(rows, labels, oov_partition(rows, labels, splits)["test"])


def write_open_set(models: Path, name: str, rep: dict) -> None:
    path = models / f"{name}.manifest.json"
    manifest = Manifest.read(path)
    manifest = replace(manifest, open_set={
        "score": rep["score"], "unknown_below": rep["unknown_below"],
        **({"background_label": rep["background_label"]} if rep["background_label"] else {}),
        "calibrated_by": "Benchmarks/open-set.sh"})
    manifest.write(path)


def format_report(rep: dict) -> str:
    def in_vocab_row(r: dict) -> str:
        return (f"in-vocab {r['in_vocab']}: right label {r['in_vocab_accuracy']:.4f} (forced top-1 "
                f"{r['in_vocab_top1_forced']:.4f}, `unknown` {r['in_vocab_unknown']:.4f})")

    def row(r: dict) -> str:
        return f"{in_vocab_row(r)}; out-of-vocab {r['out_of_vocab']}: `unknown` {r['out_of_vocab_unknown']:.4f}"
    lines = [f"== open set: {rep['model']} ({', '.join(rep['labels'])}) ==",
             f"score: {rep['score']}; operating point unknown_below = {rep['unknown_below']:.3f} "
             f"(lowest threshold answering `unknown` to ≥ {rep['target']:.0%} of the calibration out-of-vocab segments)",
             f"calibration OOV groups ({len(rep['calibration_oov_groups'])}): {', '.join(rep['calibration_oov_groups'])}",
             f"test OOV groups ({len(rep['test_oov_groups'])}): {', '.join(rep['test_oov_groups'])}",
             "calibration (val groups + calibration OOV groups):",
             f"  segments: {row(rep['calibration']['segment'])}",
             f"  windows:  {row(rep['calibration']['window'])}",
             "test (test groups + test OOV groups):",
             f"  segments: {row(rep['test']['segment'])}",
             f"  windows:  {row(rep['test']['window'])}",
             "test in-vocab segments mirrored (as a left-handed signer makes them):",
             f"  segments: {in_vocab_row(rep['test_mirrored']['segment'])}",
             "test trade-off curve, segments (threshold: in-vocab right label / in-vocab unknown / OOV unknown):"]
    for r in rep["test_curve_segment"]:
        lines.append(f"  {r['threshold']:.2f}: {r['in_vocab_accuracy']:.4f} / {r['in_vocab_unknown']:.4f} / "
                     f"{r['out_of_vocab_unknown']:.4f}")
    lines.append("test groups at the operating point (share of segments answered `unknown`), worst first:")
    groups = sorted(rep["test_per_group"].items(),
                    key=lambda kv: kv[1]["unknown"] if not kv[1]["in_vocab"] else 1 - kv[1]["unknown"])
    for g, r in groups:
        lines.append(f"  {g}, {r['segments']} segments: unknown {r['unknown']:.4f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--models", type=Path, required=True)
    p.add_argument("--name", default="asl-signs")
    p.add_argument("--write", action="store_true", help="store the operating point in NAME.manifest.json")
    p.add_argument("--json", type=Path, help="also write the report as JSON")
    p.add_argument("--list-test", action="store_true",
                   help="only print the test part's video ids (in-vocabulary test groups, then the test OOV groups)")
    a = p.parse_args(argv)
    if a.list_test:
        print("\n".join(test_videos(a.data, a.models, a.name)))
        return 0
    rep = calibrate(a.data, a.models, a.name)
    print(format_report(rep))
    if a.json:
        a.json.write_text(json.dumps(rep, indent=2) + "\n")
    if a.write:
        write_open_set(a.models, a.name, rep)
        print(f"wrote open_set to {a.models / (a.name + '.manifest.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
