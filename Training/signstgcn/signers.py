"""Pseudo-signers (K-means on pose statistics, as the seed does) and a PCA picture of signer embeddings.

NumPy only: K-means++ seeding with a fixed seed, PCA by SVD, and a minimal PNG writer (zlib) so the plot
needs no plotting library."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np


def kmeans(points: np.ndarray, k: int, seed: int = 0, iters: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """(centres (k, D), assignment (N,)) of `points` (N, D); features standardised first."""
    x = np.asarray(points, np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"kmeans: points must be a non-empty (N, D) array, got {x.shape}")
    k = max(1, min(k, len(x)))
    mu, sd = x.mean(0), x.std(0) + 1e-12
    z = (x - mu) / sd
    rng = np.random.default_rng(seed)
    centres = [z[rng.integers(len(z))]]
    for _ in range(1, k):
        d2 = np.min(((z[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        p = d2 / d2.sum() if d2.sum() > 0 else np.full(len(z), 1 / len(z))
        centres.append(z[rng.choice(len(z), p=p)])
    c = np.array(centres)
    assign = np.zeros(len(z), np.int64)
    for _ in range(iters):
        assign_new = ((z[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
        for j in range(k):
            if np.any(assign_new == j):
                c[j] = z[assign_new == j].mean(0)
        if np.array_equal(assign_new, assign):
            break
        assign = assign_new
    return c * sd + mu, assign


def pca_2d(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    xc = x - x.mean(0)
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    return xc @ vt[:2].T


PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def scatter_png(path: str | Path, xy: np.ndarray, colour_ids: Sequence[int], size: int = 480) -> None:
    """A scatter plot (white background, one colour per id modulo the palette) as an RGB PNG."""
    img = np.full((size, size, 3), 255, np.uint8)
    xy = np.asarray(xy, np.float64)
    lo, hi = xy.min(0), xy.max(0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    pix = ((xy - lo) / span * (size - 12) + 6).astype(int)
    for (px, py), cid in zip(pix, colour_ids):
        y = size - 1 - py
        img[max(y - 2, 0):y + 3, max(px - 2, 0):px + 3] = PALETTE[int(cid) % len(PALETTE)]
    write_png(path, img)


def write_png(path: str | Path, rgb: np.ndarray) -> None:
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[r].tobytes() for r in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    Path(path).write_bytes(png)
