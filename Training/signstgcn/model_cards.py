"""Evaluate the shipped default heads on their held-out test split and print the model cards' figures.

  python -m signstgcn.model_cards --data ../shared/data --models ../Models [--names signing-binary,asl-signs]
                                  [--write-checks]

Each head NAME is read from MODELS/NAME.safetensors + NAME.manifest.json; its split from
MODELS/splits/NAME.json (test part). Windows: stride 5, at most 2 per test sequence (evenly spaced),
sequences shorter than 25 frames padded to one window by holding their first/last frame (as in training).
--write-checks also writes MODELS/NAME.check.safetensors (`windows` (N,25,J,C) raw with NaN, `logits`
(N,nc)) for the Swift engine's DefaultModelTests. Not a unit test; takes minutes on CPU.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from safetensors.numpy import save_file

from .augment import Augment
from .data import DataError, head_input, parse_signing_labels, pose_stats, read_groundtruth
from .evaluate import binary_report, multiclass_report, predict, sequence_vote
from .export import ExportError, load_pair
from .manifest import BACKGROUND_LABEL, Manifest
from .metrics import topk_accuracy
from .model import SignSTGCN
from .sequences import read_sequences
from .splits import Splits
from .windows import SequenceStore, WindowDataset, build_window_refs, hands_visible_fraction

EVAL_STRIDE = 5
EVAL_MAX_WINDOWS = 2
GESTURE_SAMPLE = 300          # alex-silcock gesture sequences scored when that group was a training group
CHECK_WINDOWS = 6


def evaluate_head(data: Path, models: Path, name: str, write_check: bool = False,
                  splits_dir: Optional[Path] = None) -> dict:
    model, manifest = load_pair(models / name)
    torch.set_num_threads(2)
    splits = Splits.read((splits_dir or models / "splits") / f"{name}.json")
    rows = read_sequences(data)
    gt = read_groundtruth(data)
    store = SequenceStore(data, manifest.layout, len(manifest.coords), manifest.window, pad_short=True)
    lab = manifest.labels
    mode = "binary" if lab.binary else "multiclass"
    signing = frozenset(lab.signing_labels) if lab.binary else parse_signing_labels("s")
    names = None if lab.binary else lab.labels
    test = [v for v in splits.videos["test"] if v in rows and rows[v].frames >= 5
            and (lab.binary or rows[v].gloss in names)]
    refs = build_window_refs(store, test, rows, gt, mode=mode, stride=EVAL_STRIDE, signing_labels=signing,
                             class_names=names, max_per_sequence=EVAL_MAX_WINDOWS)
    ds = WindowDataset(store, refs, Augment.off(), rule=manifest.head_input)
    pred = predict(model, ds)
    report: dict = {"model": name, "test_groups": list(splits.groups.get("test", ())),
                    "test_sequences": len({r.video_id for r in refs}), "eval_stride": EVAL_STRIDE,
                    "eval_max_windows_per_sequence": EVAL_MAX_WINDOWS}
    if lab.binary:
        kinds = [window_kind(store, r) for r in refs]
        report["held_out"] = binary_report(pred, kinds, lab.signing_index)
        report["per_group"] = {}
        for g in sorted({r.group for r in refs}):
            idx = [i for i, r in enumerate(refs) if r.group == g]
            sub = type(pred)(pred.logits[idx], pred.y[idx], pred.signer_emb[idx], float("nan"))
            rep = binary_report(sub, [kinds[i] for i in idx], lab.signing_index)
            report["per_group"][g] = {"windows": rep["windows"], "recall": rep["recall"],
                                      "fpr": rep["fpr_all_negatives"]}
        train_groups = set(splits.groups.get("train", ()))
        gest = sorted(v for v, r in rows.items() if r.negative_kind == "gesture")
        if gest and rows[gest[0]].group in train_groups:
            pick = [gest[i] for i in np.linspace(0, len(gest) - 1, GESTURE_SAMPLE).round().astype(int)]
            grefs = build_window_refs(store, sorted(set(pick)), rows, gt, mode=mode, stride=EVAL_STRIDE,
                                      signing_labels=signing, max_per_sequence=1)
            gpred = predict(model, WindowDataset(store, grefs, Augment.off(), rule=manifest.head_input))
            report["gesture_training_group"] = binary_report(gpred, [r.kind for r in grefs], lab.signing_index)
    else:
        if BACKGROUND_LABEL in names:
            # As the daemon answers: among the real classes only (the background class lowers them, never answers).
            keep = [i for i, n in enumerate(names) if n != BACKGROUND_LABEL]
            pred = type(pred)(pred.logits[:, keep], pred.y, pred.signer_emb, pred.loss)
            names = tuple(names[i] for i in keep)
        report["held_out"] = multiclass_report(pred, names)
        seq_logits, seq_y = sequence_vote(pred, [r.video_id for r in refs])
        report["sequence_top1"] = topk_accuracy(seq_y, seq_logits, 1)
        report["sequences"] = int(len(seq_y))
        conf = np.zeros((len(names), len(names)), int)
        for t, p in zip(pred.y, pred.logits.argmax(1)):
            conf[t, p] += 1
        report["confusion_windows"] = conf.tolist()
    if write_check:
        write_check_file(models / f"{name}.check.safetensors", model, ds)
    return report


def window_kind(store: SequenceStore, ref) -> str:
    """The card's window categories: alex-silcock's gesture classes; other non-signing windows are
    'hands_visible' when a hand shows in at least half of their real frames, else 'idle' (the sequence-level
    kinds that steer training sampling would count traduttore's hand-less '-' clips as hands-visible)."""
    if ref.kind in ("signing", "gesture"):
        return ref.kind
    return "hands_visible" if hands_visible_fraction(store, ref) >= 0.5 else "idle"


def write_check_file(path: Path, model: SignSTGCN, ds: WindowDataset, count: int = CHECK_WINDOWS) -> None:
    """A few real test windows (raw, NaN = not detected, zeroed joints still present, not normalised: the reader
    applies the manifest's input rule) and the logits the PyTorch model gives for them."""
    pick = np.linspace(0, len(ds) - 1, count).round().astype(int)
    raw = np.stack([ds.raw_window(int(i)) for i in pick]).astype(np.float32)
    with torch.no_grad():
        x = torch.from_numpy(np.stack([head_input(w, ds.rule) for w in raw]))
        st = torch.from_numpy(np.stack([pose_stats(x_i.numpy()) for x_i in x]))
        logits = model.eval()(x, st)["logits"].numpy().astype(np.float32)
    save_file({"windows": np.ascontiguousarray(raw), "logits": np.ascontiguousarray(logits)}, str(path),
              metadata={"format": "signd-stgcn-check/1"})


def format_report(rep: dict) -> str:
    lines = [f"== {rep['model']} == test groups ({len(rep['test_groups'])}): {', '.join(rep['test_groups'])}",
             f"test sequences {rep['test_sequences']}; windows: stride {rep['eval_stride']}, "
             f"≤ {rep['eval_max_windows_per_sequence']} per sequence"]
    h = rep["held_out"]
    if "pr_auc" in h:
        lines.append(f"windows {h['windows']} (signing {h['positives']}); PR-AUC {h['pr_auc']:.4f}; "
                     f"F1@0.5 {h['f1']:.4f}; acc {h['acc']:.4f}; recall {h['recall']:.4f}; "
                     f"PR-AUC against idle negatives only {h['pr_auc_idle_negatives']:.4f}")
        lines.append(f"FPR@0.5: all non-signing {h['fpr_all_negatives']:.4f}; hands-visible "
                     f"{h['fpr_hands_visible_all']:.4f} (n={h['n_hands_visible_all']}); idle {h['fpr_idle']:.4f} "
                     f"(n={h['n_idle']}); of the hands-visible: gestures {h['fpr_gesture']:.4f} (n={h['n_gesture']}), "
                     f"others {h['fpr_hands_visible']:.4f} (n={h['n_hands_visible']}); hands-visible = a hand in "
                     f"≥ half the window's frames")
        for g, r in rep["per_group"].items():
            lines.append(f"  {g}: windows {r['windows']}, recall {r['recall']:.4f}, FPR {r['fpr']:.4f}")
        if "gesture_training_group" in rep:
            gt = rep["gesture_training_group"]
            lines.append(f"alex-silcock gestures (a TRAINING group, not held out): FPR {gt['fpr_gesture']:.4f} "
                         f"(n={gt['n_gesture']})")
    else:
        lines.append(f"windows {h['windows']}; top-1 {h['top1']:.4f}; top-5 {h['top5']:.4f}; "
                     f"sequence top-1 (mean logits) {rep['sequence_top1']:.4f} over {rep['sequences']} sequences")
        for c, r in h["per_class_recall"].items():
            lines.append(f"  {c}: recall {r:.4f} ({h['per_class_windows'][c]} windows)")
        lines.append(f"confusion (rows true, cols predicted): {rep['confusion_windows']}")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m signstgcn.model_cards", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--names", default="signing-binary,asl-signs")
    ap.add_argument("--write-checks", action="store_true")
    ap.add_argument("--splits-dir", default=None, help="where NAME.json splits are (default MODELS/splits)")
    ap.add_argument("--json", default=None, help="also write the figures as JSON here")
    args = ap.parse_args(argv)
    reports = []
    try:
        for name in [n.strip() for n in args.names.split(",") if n.strip()]:
            rep = evaluate_head(Path(args.data), Path(args.models), name, args.write_checks,
                               Path(args.splits_dir) if args.splits_dir else None)
            print(format_report(rep), flush=True)
            reports.append(rep)
    except (DataError, ExportError, ValueError) as exc:
        print(f"model_cards: {exc}", file=sys.stderr)
        return 2
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
