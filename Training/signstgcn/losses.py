"""Training losses beyond plain cross-entropy: supervised InfoNCE on the embedding (the seed's `info_nce`),
mixup, and class weights."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F


def info_nce(z: torch.Tensor, y: torch.Tensor, temperature: float = 0.07) -> torch.Tensor:
    """L2-normalised embeddings; the positive of sample i is the next sample of the same class in the batch
    (cyclic), the other samples are negatives. Samples without a same-class partner are skipped; returns 0
    when none has one."""
    n = z.shape[0]
    if n < 2:
        return z.sum() * 0.0
    zn = F.normalize(z, dim=1)
    sim = zn @ zn.t() / temperature
    sim = sim.masked_fill(torch.eye(n, dtype=torch.bool, device=z.device), float("-inf"))
    yl = y.tolist()
    anchors, positives = [], []
    for i in range(n):
        for step in range(1, n):
            j = (i + step) % n
            if yl[j] == yl[i]:
                anchors.append(i)
                positives.append(j)
                break
    if not anchors:
        return z.sum() * 0.0
    a = torch.tensor(anchors, device=z.device)
    return F.cross_entropy(sim[a], torch.tensor(positives, device=z.device))


def mixup(x: torch.Tensor, y: torch.Tensor, alpha: float, gen: np.random.Generator):
    """(mixed x, y, y permuted, λ). λ ~ Beta(alpha, alpha), folded to ≥ 0.5 so the first label dominates."""
    lam = float(gen.beta(alpha, alpha))
    lam = max(lam, 1 - lam)
    perm = torch.from_numpy(gen.permutation(x.shape[0]))
    return lam * x + (1 - lam) * x[perm], y, y[perm], lam


def batch_pose_stats(x: torch.Tensor) -> torch.Tensor:
    """pose_stats (docs/signstgcn.md §3) of a zero-filled (B, T, J, C) batch: channel means, then population std + 1e-6."""
    flat = x.reshape(x.shape[0], -1, x.shape[-1]).double()
    return torch.cat([flat.mean(1), flat.std(1, unbiased=False) + 1e-6], dim=1).float()


def balanced_class_weights(labels: np.ndarray, num_classes: int) -> torch.Tensor:
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    w = np.where(counts > 0, counts.sum() / (num_classes * np.maximum(counts, 1)), 0.0)
    return torch.tensor(w, dtype=torch.float32)
