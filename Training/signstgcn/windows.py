"""Windows over seed `.npz` sequences with labels from `groundtruth.txt` (binary) or from the sequence table
(multi-class), as a torch Dataset.

Window label (both modes): majority vote of the labelled frames in the window, ties to the smallest string in
byte order (`S` < `n` < `s`), `unknown` windows dropped (data.window_label, docs/signstgcn.md §2). Binary: y = 1 when the
lower-cased window label is in the signing-label set (logit 1 = signing, docs/signstgcn.md §2). Multi-class: windows whose
label is signing get the id of their sequence's gloss in the sorted label list.

Sequences shorter than the window (the data's 5- and 20-frame recordings) produce no window in the seed. With
`pad_short` they are padded to one window by holding their first and last frames (half before, half after) —
what a camera shows when someone holds a pose — and labelled by the vote over their real frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from .augment import Augment
from .data import (DataError, HeadInput, JointLayout, UNKNOWN_LABEL, WINDOW, binary_label, frames_held_before,
                   head_input, load_seed_npz, normalize_frames, pose_stats, window_label, window_starts)
from .manifest import BACKGROUND_LABEL
from .sequences import SequenceInfo


@dataclass(frozen=True)
class WindowRef:
    video_id: str
    start: int
    label: str          # the window's majority ground-truth label
    y: int              # class id
    kind: str           # SequenceInfo.negative_kind
    group: str


def pad_to_window(seq: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Edge-hold padding of a (T, J, C) sequence with T < window to exactly `window` frames."""
    t = seq.shape[0]
    if t >= window:
        return seq
    if t == 0:
        raise DataError("pad_to_window: empty sequence")
    before = frames_held_before(t, window)
    after = window - t - before
    return np.concatenate([np.repeat(seq[:1], before, 0), seq, np.repeat(seq[-1:], after, 0)], axis=0)


class SequenceStore:
    """Raw (T, J, C) sequences (NaN kept) loaded once; short ones padded when `pad_short`."""

    def __init__(self, data_dir: str | Path, layout: JointLayout, coords: int, window: int = WINDOW,
                 pad_short: bool = True) -> None:
        self.data_dir, self.layout, self.coords = Path(data_dir), layout, coords
        self.window, self.pad_short = window, pad_short
        self._seqs: dict[str, np.ndarray] = {}
        self.original_frames: dict[str, int] = {}

    def get(self, video_id: str) -> np.ndarray:
        seq = self._seqs.get(video_id)
        if seq is None:
            raw = load_seed_npz(self.data_dir / f"{video_id}.npz", self.layout, self.coords)
            self.original_frames[video_id] = raw.shape[0]
            seq = pad_to_window(raw, self.window) if self.pad_short else raw
            self._seqs[video_id] = seq
        return seq


def hands_visible_fraction(store: SequenceStore, ref: WindowRef) -> float:
    """Share of the window's real frames (a padded clip: its own frames) in which at least one hand was detected;
    nan when the layout has no hand."""
    hands = store.layout.joint_indices("left_hand", "right_hand")
    if not hands:
        return float("nan")
    seq = store.get(ref.video_id)
    original = store.original_frames[ref.video_id]
    if original < store.window:               # a padded clip: only its own frames count
        before = frames_held_before(original, store.window)
        frames = seq[before:before + original]
    else:
        frames = seq[ref.start:ref.start + store.window]
    present = np.isfinite(frames[:, hands, 0]).any(axis=1)
    return float(present.mean())


def hand_motion(store: SequenceStore, ref: WindowRef, normalize_joints: Sequence[int] = (11, 12)) -> float:
    """How much the window's hands move: per hand, the mean joint displacement (|dx| + |dy|) between consecutive
    frames where the hand is seen, its 75th percentile over the window; the larger of the two hands. In shoulder
    widths with the shoulders as `normalize_joints`, image units with (). 0 for a held pose (an edge-held short
    clip, a static hand shape) or a window without a hand."""
    hands = [store.layout.joint_indices(h) for h in ("left_hand", "right_hand")]
    window = normalize_frames(store.get(ref.video_id)[ref.start:ref.start + store.window], normalize_joints)
    best = 0.0
    for joints in hands:
        if not joints:
            continue
        points = window[:, joints, :2]
        seen = points[np.isfinite(points).all(axis=(1, 2))]
        if len(seen) < 2:
            continue
        steps = np.abs(np.diff(seen, axis=0)).sum(axis=2).mean(axis=1)
        best = max(best, float(np.percentile(steps, 75)))
    return best


def build_window_refs(store: SequenceStore, videos: Sequence[str], rows: Mapping[str, SequenceInfo],
                      groundtruth: Mapping[str, Mapping[int, str]], *, mode: str, stride: int,
                      signing_labels: frozenset[str], class_names: Optional[Sequence[str]] = None,
                      max_per_sequence: int = 0) -> list[WindowRef]:
    """Every stride-th window of each video with its label; `max_per_sequence` > 0 keeps that many, evenly
    spaced (bounds the weight of long videos)."""
    if mode not in ("binary", "multiclass"):
        raise DataError(f"mode must be 'binary' or 'multiclass', got {mode!r}")
    index = {c: i for i, c in enumerate(class_names or ())}
    refs: list[WindowRef] = []
    for vid in videos:
        info = rows.get(vid)
        if info is None:
            raise DataError(f"video {vid!r} is not in sequences.csv")
        frame_labels = groundtruth.get(vid)
        if not frame_labels:
            raise DataError(f"video {vid!r} has no frame in groundtruth.txt")
        seq = store.get(vid)
        original = store.original_frames[vid]
        padded = original < store.window
        starts = [0] if padded else list(window_starts(seq.shape[0], store.window, stride))
        if max_per_sequence and len(starts) > max_per_sequence:
            pick = np.linspace(0, len(starts) - 1, max_per_sequence).round().astype(int)
            starts = [starts[i] for i in sorted(set(pick.tolist()))]
        for s in starts:
            label = window_label(frame_labels, 0, original) if padded else window_label(frame_labels, s, store.window)
            if label == UNKNOWN_LABEL:
                continue
            if mode == "binary":
                y = binary_label(label, signing_labels)
            else:
                # With a background class, signing of any other gloss is that class (signstgcn.open_set).
                y = index.get(info.gloss, index.get(BACKGROUND_LABEL))
                if not binary_label(label, signing_labels) or y is None:
                    continue
            refs.append(WindowRef(vid, s, label, y, info.negative_kind, info.group))
    return refs


class WindowDataset(Dataset):
    """Items: (x (T,J,C) float32 as the head sees it (`rule`: zeroed joints, normalisation, NaN → 0), pose_stats
    (2C,) of x, y, signer id, item index). `raw_window` is the window as the daemon would deliver it."""

    def __init__(self, store: SequenceStore, refs: Sequence[WindowRef], augment: Augment = Augment.off(),
                 seed: int = 0, signer_ids: Optional[np.ndarray] = None, rule: HeadInput = HeadInput()) -> None:
        if not refs:
            raise DataError("dataset has no window (check the selection, window and padding)")
        self.store, self.refs, self.augment = store, list(refs), augment
        self.rule = rule
        self.rng = np.random.default_rng(seed)
        self.signer_ids = signer_ids if signer_ids is not None else np.zeros(len(refs), np.int64)

    def __len__(self) -> int:
        return len(self.refs)

    def raw_window(self, i: int) -> np.ndarray:
        ref = self.refs[i]
        seq = self.store.get(ref.video_id)
        idx = self.augment.frame_indices(self.rng, ref.start, seq.shape[0], self.store.window)
        return self.augment.apply(self.rng, seq[idx], self.store.layout)

    def __getitem__(self, i: int):
        x = head_input(self.raw_window(i), self.rule)
        return (torch.from_numpy(x), torch.from_numpy(pose_stats(x)), int(self.refs[i].y),
                int(self.signer_ids[i]), i)

    @property
    def labels(self) -> np.ndarray:
        return np.array([r.y for r in self.refs], np.int64)
