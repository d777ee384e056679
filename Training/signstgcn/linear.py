"""Logistic regression on standardised features (per-row weights, L2, L-BFGS): the linear references that the
cross-validations fit beside the networks in the same run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch


@dataclass
class LinearModel:
    mean: np.ndarray
    scale: np.ndarray
    weight: np.ndarray          # (features,) for two classes, (features, classes) for more
    bias: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Two classes: (N,) probability of class 1. More: (N, classes) probabilities."""
        z = ((x - self.mean) / self.scale) @ self.weight + self.bias
        if self.weight.ndim == 1:
            return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def fit_logistic(x: np.ndarray, y: np.ndarray, w: Optional[np.ndarray] = None, l2: float = 1e-3,
                 classes: int = 2, max_iter: int = 200) -> LinearModel:
    """y holds class indices in [0, classes). Two classes fit one logit (binary cross-entropy), more fit one
    logit per class (cross-entropy). The loss is the `w`-weighted mean over rows (equal weights by default)."""
    mean, scale = x.mean(0), x.std(0) + 1e-6
    w = np.ones(len(x)) if w is None else w
    xt = torch.from_numpy(((x - mean) / scale).astype(np.float32))
    wt = torch.from_numpy((w / w.sum()).astype(np.float32))
    binary = classes == 2
    weight = torch.zeros((x.shape[1],) if binary else (x.shape[1], classes), requires_grad=True)
    bias = torch.zeros(1 if binary else classes, requires_grad=True)
    yt = torch.from_numpy(y.astype(np.float32)) if binary else torch.from_numpy(y.astype(np.int64))
    loss_of = (torch.nn.functional.binary_cross_entropy_with_logits if binary
               else torch.nn.functional.cross_entropy)
    opt = torch.optim.LBFGS([weight, bias], lr=0.5, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = (loss_of(xt @ weight + bias, yt, reduction="none") * wt).sum() + l2 * weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return LinearModel(mean, scale, weight.detach().numpy().astype(np.float32),
                       bias.detach().numpy().astype(np.float32))
