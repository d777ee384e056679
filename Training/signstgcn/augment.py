"""Live-camera noise for training windows, applied to the raw (T, J, C) window before NaN → 0: scale,
rotation and shift about the image centre, landmark jitter, frame-rate change, and dropped hands
(MediaPipe loses a hand for a few frames). NaN (not detected) stays NaN.

Two augmentations remove shortcuts that the data's sources offer rather than model the camera:
* source pose layouts: MSL-150 stores pose joints 0–24 only and Adarsha16 11 joints (data README); both are
  all-signing sources, so "legs missing → signing" would be learnt. Any window may get either mask.
* edge hold: short recordings (5 and 20 frames) are padded by holding their first and last frames, and most
  of them are of one class per source; holding the edges of any window makes the hold itself uninformative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .data import JointLayout, frames_held_before


@dataclass(frozen=True)
class Augment:
    scale: float = 0.15            # uniform factor in [1 − scale, 1 + scale]
    rotation_deg: float = 10.0
    shift: float = 0.08            # image units
    jitter: float = 0.004
    rate: tuple[float, float] = (0.7, 1.4)   # frame-rate factor range (sampling speed through the sequence)
    drop_hand_p: float = 0.15      # per hand and window
    msl_layout_p: float = 0.2      # pose joints 25–32 → NaN (MSL-150's layout)
    adarsha_layout_p: float = 0.1  # only pose joints 0, 11–16, 23–26 kept (Adarsha16's layout)
    hold_p: float = 0.2            # hold the first/last frames outside a random 5–20-frame span
    mirror_p: float = 0.0          # mirror the whole window (a left-handed person, or a mirroring webcam)
    enabled: bool = True

    @staticmethod
    def off() -> "Augment":
        return Augment(enabled=False)

    @staticmethod
    def mirror_only() -> "Augment":
        """Every window mirrored and nothing else: how a left-handed person (or a mirroring webcam) presents
        the same sign, for evaluation."""
        return Augment(scale=0.0, rotation_deg=0.0, shift=0.0, jitter=0.0, rate=(1.0, 1.0), drop_hand_p=0.0,
                       msl_layout_p=0.0, adarsha_layout_p=0.0, hold_p=0.0, mirror_p=1.0)

    def without_shortcut_removal(self) -> "Augment":
        """The camera-noise augmentations only (no source layouts, no edge holds)."""
        return replace(self, msl_layout_p=0.0, adarsha_layout_p=0.0, hold_p=0.0)

    def frame_indices(self, rng: np.random.Generator, start: int, num_frames: int, window: int) -> np.ndarray:
        """Rows of the sequence to read for one window: contiguous without augmentation, else resampled at a
        random speed from `start` (clamped to the last row: a slow camera holds the last frame)."""
        if not self.enabled:
            return np.arange(start, start + window)
        r = rng.uniform(*self.rate)
        idx = start + np.floor(np.arange(window) * r).astype(np.int64)
        return np.clip(idx, 0, num_frames - 1)

    def apply(self, rng: np.random.Generator, w: np.ndarray, layout: JointLayout) -> np.ndarray:
        if not self.enabled:
            return w
        w = w.copy()
        # The shortcut augmentations draw from rng only when enabled, so with them off the draws (and a
        # training run) are exactly those of the recipe without them.
        if self.hold_p > 0 and rng.uniform() < self.hold_p:
            w = hold_edges(w, int(rng.integers(5, min(20, w.shape[0]) + 1)), rng)
        # Drawn only when on, so recipes without mirroring keep their exact random stream.
        if self.mirror_p > 0 and rng.uniform() < self.mirror_p:
            w = mirrored(w, layout)
        xy = w[..., :2]
        s = rng.uniform(1 - self.scale, 1 + self.scale)
        a = math.radians(rng.uniform(-self.rotation_deg, self.rotation_deg))
        rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], np.float32) * s
        shift = rng.uniform(-self.shift, self.shift, size=2).astype(np.float32)
        centre = np.float32(0.5)
        xy = (xy - centre) @ rot.T + centre + shift
        xy = xy + rng.normal(0, self.jitter, size=xy.shape).astype(np.float32)
        w[..., :2] = xy
        offset = 0
        for part, n in layout.parts:
            if part in ("left_hand", "right_hand") and rng.uniform() < self.drop_hand_p:
                t = w.shape[0]
                span = int(rng.integers(3, t + 1))
                s0 = int(rng.integers(0, t - span + 1))
                w[s0:s0 + span, offset:offset + n] = np.nan
            if part == "pose" and self.msl_layout_p + self.adarsha_layout_p > 0:
                u = rng.uniform()
                if u < self.msl_layout_p:
                    w[:, offset + 25:offset + n] = np.nan
                elif u < self.msl_layout_p + self.adarsha_layout_p:
                    keep = np.zeros(n, bool)
                    keep[list(ADARSHA_POSE_JOINTS)] = True
                    w[:, offset + np.flatnonzero(~keep)] = np.nan
            offset += n
        return w


ADARSHA_POSE_JOINTS = (0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26)

# MediaPipe pose joints that swap sides under a horizontal flip (nose 0 stays).
POSE_MIRROR_PAIRS = ((1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18), (19, 20),
                     (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32))


def mirrored(w: np.ndarray, layout: JointLayout) -> np.ndarray:
    """The window as a horizontally flipped camera would record it: x → 1 − x, the two hands swap places and
    every left/right pose joint swaps with its partner (MediaPipe names the sides after the image)."""
    out = w.copy()
    out[..., 0] = 1 - out[..., 0]
    offsets, o = {}, 0
    for part, n in layout.parts:
        offsets[part] = (o, n)
        o += n
    if "left_hand" in offsets and "right_hand" in offsets:
        (lo, n), (ro, _) = offsets["left_hand"], offsets["right_hand"]
        out[:, lo:lo + n], out[:, ro:ro + n] = out[:, ro:ro + n].copy(), out[:, lo:lo + n].copy()
    if "pose" in offsets:
        po, _ = offsets["pose"]
        for a, b in POSE_MIRROR_PAIRS:
            out[:, [po + a, po + b]] = out[:, [po + b, po + a]]
    return out


def hold_edges(w: np.ndarray, span: int, rng: np.random.Generator) -> np.ndarray:
    """The window with only `span` consecutive real frames, centred like `pad_to_window`: the frames before
    hold the span's first frame, the frames after its last (what padding a short recording produces)."""
    t = w.shape[0]
    if span >= t:
        return w
    s0 = int(rng.integers(0, t - span + 1))
    before = frames_held_before(span, t)
    real = w[s0:s0 + span]
    return np.concatenate([np.repeat(real[:1], before, 0), real, np.repeat(real[-1:], t - span - before, 0)], 0)
