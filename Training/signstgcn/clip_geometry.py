"""Landmark geometry that transfers between people and cameras, shared by the cross-validations' features:
a clip's (x, y) tracks, the shoulder width (the unit of distances and speeds) and each hand's shape around its
wrist (the unit of finger positions)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .data import DataError

POSE, LEFT, RIGHT = slice(0, 33), slice(33, 54), slice(54, 75)
SHOULDERS = (11, 12)


def load_clip(data: Path, video_id: str) -> np.ndarray:
    """(T, 75, 2) x, y of pose, left hand, right hand; NaN where missing."""
    with np.load(data / f"{video_id}.npz") as z:
        parts = [z["pose"][..., :2], z["left_hand"][..., :2], z["right_hand"][..., :2]]
    seq = np.concatenate(parts, axis=1).astype(np.float32)
    if seq.shape[0] == 0:
        raise DataError(f"{data / video_id}.npz: no frames")
    return seq


def shoulder_width(seq: np.ndarray) -> np.ndarray:
    """(T,) distance between the shoulders; where a frame has none, the clip's median (0.2 of the image when
    the clip has none at all), so that dividing by it never blows up."""
    d = np.linalg.norm(seq[:, SHOULDERS[0]] - seq[:, SHOULDERS[1]], axis=-1)
    med = np.nanmedian(d) if np.isfinite(d).any() else np.nan
    return np.where(np.isfinite(d) & (d > 1e-4), d, med if np.isfinite(med) and med > 1e-4 else 0.2)


def hand_shape(hand: np.ndarray, mirror: bool) -> tuple[np.ndarray, np.ndarray]:
    """(T, 40) fingertip-to-wrist geometry in hand-size units (wrist to middle knuckle; x negated when
    `mirror`, so that a left hand reads as a right one), 0 where the hand is missing, and (T,) presence."""
    rel = hand[:, 1:] - hand[:, :1]
    size = np.linalg.norm(hand[:, 9] - hand[:, 0], axis=-1)
    ok = np.isfinite(size) & (size > 1e-4)
    shape = rel / np.where(ok, size, 1.0)[:, None, None]
    if mirror:
        shape[..., 0] *= -1
    shape = np.where(ok[:, None, None], shape, 0.0).reshape(len(hand), -1)
    return np.clip(np.nan_to_num(shape), -5, 5).astype(np.float32), ok.astype(np.float32)
