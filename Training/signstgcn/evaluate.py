"""Batch inference over a window dataset and the figures reported for binary and multi-class heads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader

from .metrics import average_precision, f1_at, per_class_recall, rate, softmax, topk_accuracy
from .model import SignSTGCN
from .windows import WindowDataset


@dataclass(frozen=True)
class Predictions:
    logits: np.ndarray            # (N, nc)
    y: np.ndarray                 # (N,)
    signer_emb: np.ndarray        # (N, signer_embedding)
    loss: float                   # mean cross-entropy

    @property
    def acc(self) -> float:
        return float(np.mean(self.logits.argmax(1) == self.y)) if len(self.y) else float("nan")


@torch.no_grad()
def predict(model: SignSTGCN, dataset: WindowDataset, batch_size: int = 128) -> Predictions:
    was_training = model.training
    model.eval()
    logits, ys, embs = [], [], []
    for x, stats, y, _, _ in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        out = model(x, stats, return_features=True)
        logits.append(out["logits"])
        embs.append(out["signer_emb"])
        ys.append(y)
    model.train(was_training)
    lg = torch.cat(logits)
    yy = torch.cat(ys)
    loss = float(F.cross_entropy(lg, yy)) if len(yy) else float("nan")
    return Predictions(lg.numpy(), yy.numpy(), torch.cat(embs).numpy(), loss)


def binary_report(pred: Predictions, kinds: Sequence[str], signing_index: int = 1,
                  threshold: float = 0.5) -> dict[str, float]:
    """Window PR-AUC (average precision), F1 at p ≥ threshold, and the false-positive rate on each kind of
    non-signing window (gesture / hands_visible / idle) and on the hard ones together."""
    p = softmax(pred.logits)[:, signing_index]
    y = pred.y == signing_index
    kinds_a = np.asarray(kinds)
    fire = p >= threshold
    out = {"windows": int(len(y)), "positives": int(y.sum()), "pr_auc": average_precision(y, p),
           "f1": f1_at(y, p, threshold), "acc": float(np.mean(fire == y)) if len(y) else float("nan"),
           "recall": rate(fire[y]), "fpr_all_negatives": rate(fire[~y])}
    for kind in ("gesture", "hands_visible", "idle"):
        sel = (kinds_a == kind) & ~y
        out[f"fpr_{kind}"] = rate(fire[sel])
        out[f"n_{kind}"] = int(sel.sum())
    hard = np.isin(kinds_a, ("gesture", "hands_visible")) & ~y
    out["fpr_hands_visible_all"] = rate(fire[hard])
    out["n_hands_visible_all"] = int(hard.sum())
    # Ranking against idle negatives alone: how much of the PR-AUC the hands-visible negatives cost.
    out["pr_auc_idle_negatives"] = average_precision(y[~hard], p[~hard])
    return out


def multiclass_report(pred: Predictions, class_names: Sequence[str]) -> dict[str, object]:
    return {"windows": int(len(pred.y)), "top1": topk_accuracy(pred.y, pred.logits, 1),
            "top5": topk_accuracy(pred.y, pred.logits, 5),
            "per_class_recall": dict(zip(class_names, per_class_recall(pred.y, pred.logits, len(class_names)))),
            "per_class_windows": {c: int(np.sum(pred.y == i)) for i, c in enumerate(class_names)}}


def sequence_vote(pred: Predictions, video_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Mean logits over each sequence's windows → (per-sequence logits, per-sequence y)."""
    order: dict[str, list[int]] = {}
    for i, v in enumerate(video_ids):
        order.setdefault(v, []).append(i)
    lg = np.stack([pred.logits[idx].mean(0) for idx in order.values()])
    yy = np.array([pred.y[idx[0]] for idx in order.values()])
    return lg, yy
