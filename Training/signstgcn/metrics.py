"""Evaluation metrics in NumPy (sklearn is not a dependency): average precision as sklearn's
`average_precision_score` defines it, F1 at a threshold, top-k accuracy, per-class recall."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def average_precision(y_true: np.ndarray, score: np.ndarray) -> float:
    """AP = Σ_n (R_n − R_{n−1}) P_n over distinct score thresholds (no interpolation); NaN without positives."""
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(score, dtype=np.float64)
    if y.sum() == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    # Last index of each run of equal scores: ties are one threshold.
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / y.sum()
    recall_prev = np.r_[0.0, recall[:-1]]
    return float(np.sum((recall - recall_prev) * precision))


def f1_at(y_true: np.ndarray, score: np.ndarray, threshold: float = 0.5) -> float:
    y = np.asarray(y_true).astype(bool)
    p = np.asarray(score) >= threshold
    tp = float(np.sum(p & y))
    fp = float(np.sum(p & ~y))
    fn = float(np.sum(~p & y))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def rate(mask: np.ndarray) -> float:
    """Share of True in `mask`; NaN for an empty selection."""
    m = np.asarray(mask, dtype=bool)
    return float(m.mean()) if m.size else float("nan")


def topk_accuracy(y_true: np.ndarray, logits: np.ndarray, k: int) -> float:
    if len(y_true) == 0:
        return float("nan")
    k = min(k, logits.shape[1])
    top = np.argsort(-logits, axis=1, kind="mergesort")[:, :k]
    return float(np.mean(np.any(top == np.asarray(y_true)[:, None], axis=1)))


def per_class_recall(y_true: np.ndarray, logits: np.ndarray, num_classes: int) -> list[float]:
    pred = logits.argmax(axis=1)
    out = []
    for c in range(num_classes):
        sel = np.asarray(y_true) == c
        out.append(float(np.mean(pred[sel] == c)) if sel.any() else float("nan"))
    return out


@dataclass(frozen=True)
class BestTracker:
    """Best-epoch selection on acc / balanced_acc (mean per-class recall, for a validation set dominated by one
    class, such as a background class) / pr_auc / f1 (higher is better) or loss (lower is better), or `last` (the
    value is the epoch number: the final epoch wins, for when validation cannot judge what matters). A NaN
    metric never wins, so a run without positives in validation cannot freeze selection at epoch 1 by accident."""

    name: str
    best: float = float("nan")

    METRICS = ("acc", "balanced_acc", "loss", "pr_auc", "f1", "last")

    def __post_init__(self) -> None:
        if self.name not in self.METRICS:
            raise ValueError(f"best metric must be one of {self.METRICS}, got {self.name!r}")

    def improves(self, value: float) -> bool:
        if value is None or math.isnan(value):
            return False
        if math.isnan(self.best):
            return True
        return value < self.best if self.name == "loss" else value > self.best

    def update(self, value: float) -> "BestTracker":
        return BestTracker(self.name, value)
