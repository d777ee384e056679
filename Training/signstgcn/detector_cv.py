"""How well a signing detector generalises to people it has not seen: leave-persons-out cross-validation
through the daemon's decision path, on isolated clips and on sessions.

  python -m signstgcn.detector_cv --data ../../shared/data --signd ../.build/release/signd \
      --out runs/detector-cv [--folds 5] [--clips-per-class 12] [--detectors shipped,speed,shape,tcn]

Protocol (docs/detector-evaluation.md says why):
* **Persons.** A person is a data group, with traduttore split into the people who recorded it
  (Models/splits/traduttore-contributors.csv). Persons are dealt into K folds, signing persons and
  non-signing persons of each hands-visible activity round-robin by size, so every fold holds out several of
  each and every person is held out once. Adarsha16 (WLASL clips of many signers in one group) counts as one person.
* **Clips.** At most `--clips-per-class` clips per person and class (evenly spaced in id order), so that a
  large source cannot dominate. Each clip is played as the daemon would see a person who holds still, does the
  clip, and holds still again: its first frame held for 24 frames before it, its last frame held for 12 after
  (edge holds, as training pads short sequences). A clip of T frames thus gets T + 12 scored frames, however
  short it is.
* **Activity types** of non-signing clips: `idle` (hands in fewer than half the frames: sitting, walking,
  no hands), `everyday` (`action:*`, mouse and desk use, other hands-visible non-signing), `gesture`
  (`gesture:*`: commands, referee signals, static hand shapes, pointing).
* **Decision.** Per-frame raw P(signing) → the daemon's EMA and hysteresis (`decision.py`, checked against
  `signd replay` on every clip at the defaults). A clip *starts* when a `start` is published while it plays
  (its start frame inside the clip or the 12 held frames after it). The operating curve sweeps
  enter_threshold (exit 0.2 below); the default point is the daemon's (enter 0.6, exit 0.4, EMA 0.5, 3 frames).
* **Sessions.** All evaluated clips of one held-out person in random order (seeded), each followed by a
  15-frame rest holding its last frame, scored as one stream: false starts per minute of non-signing, and the
  share of signing clips that a published segment overlaps.
* **Detectors.** `shipped`: Models/signing-binary through `signd replay` (fixed; persons it was trained or
  validated on are left out of its figures). `speed`: per-joint speeds in shoulder widths per second, mean
  over the window, logistic regression (a simple baseline in the spirit of Moryossef et al. 2020). `stgcn`: the shipped head's recipe
  (recipes.SIGNING_BINARY) trained per fold on all sequences of the other folds' persons and run through
  `signd replay` like the shipped head (about 5 CPU-minutes per fold on 2 cores). `shape`:
  inputs meant to transfer between people (hand-local shape relative to the wrist in hand-size units, its rate
  of change, wrist speed in shoulder widths per second; hands ordered by motion, so mirror-invariant; no
  posture), over the 25-frame window and a 61-frame (2 s) context, logistic regression. `tcn`: more than one
  window of evidence: the same per-frame hand inputs through a small causal dilated 1-D CNN (63-frame reach,
  hands pooled by sum and max, so mirror-invariant). `nose`: `shape` plus where the hands are against the
  face (the nearer and farther hand's closest joint to the nose, the higher hand's height above it, the share
  of frames with a hand at the face), the one face cue every source records. All four trained per fold on the
  other folds' persons, each person weighted equally and the classes balanced.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from . import recipes, train
from .clip_geometry import LEFT, POSE, RIGHT, hand_shape, load_clip, shoulder_width
from .decision import DecisionParams, Segment, reacted, segments
from .linear import fit_logistic
from .manifest import Manifest, ManifestError
from .metrics import average_precision
from .sequences import GESTURE_PREFIX, SequenceInfo, read_sequences
from .splits import Splits, read_group_map, sample_splits

FPS = 30.0
WINDOW = 25
LEAD = WINDOW - 1          # held first frames: the first scored frame is the clip's first frame
TAIL = 12                  # held last frames
REST = 15                  # session rest between clips (held last frame)
WORST_PERSONS = 5          # persons printed per session summary
LONG = 61                  # long context of the `shape` detector (2 s)
ENTER_GRID = tuple(round(x, 2) for x in np.arange(0.05, 0.96, 0.05))
DEFAULT = DecisionParams()
EVERYDAY_GROUPS = ("DrgnAI/AI-Mouse", "ErfanMoosavi/cheating-detection-lstm")   # mouse / desk use
UPPER_BODY = list(range(0, 25))


class CVError(RuntimeError):
    pass


# ------------------------------------------------------------------------------------------------ clips

@dataclass(frozen=True)
class Clip:
    video_id: str
    person: str
    group: str
    signing: bool
    activity: str            # signing | idle | everyday | gesture
    gloss: str
    hands_seen: float = 1.0  # share of the clip's frames with a hand (sequences.csv hands_visible_fraction)


def activity(r: SequenceInfo) -> str:
    if r.signing:
        return "signing"
    if r.hands_visible_fraction < 0.5:
        return "idle"
    if r.gloss.startswith(GESTURE_PREFIX) and r.group not in EVERYDAY_GROUPS:
        return "gesture"
    return "everyday"


def label_kind(gloss: str) -> str:
    """`gesture`, `action` or `none`: the kind of a non-signing clip's label (`gesture:ok`, `action:eat`, `-`)."""
    return gloss.split(":")[0] if ":" in gloss else "none"


def select_clips(rows: dict[str, SequenceInfo], person_of: dict[str, str], per_class: int) -> list[Clip]:
    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    for v, r in rows.items():
        by_key[(person_of.get(v, r.group), r.gloss)].append(v)
    out = []
    for (person, _), vids in sorted(by_key.items()):
        vids = sorted(vids, key=_natural)
        if len(vids) > per_class:
            vids = [vids[i] for i in np.linspace(0, len(vids) - 1, per_class).round().astype(int)]
        for v in vids:
            r = rows[v]
            out.append(Clip(v, person, r.group, r.signing, activity(r), r.gloss, r.hands_visible_fraction))
    return out


def _natural(v: str):
    head, _, tail = v.rpartition("__")
    return (head, int(tail)) if tail.isdigit() else (v, -1)


def assign_folds(clips: Sequence[Clip], k: int) -> dict[str, int]:
    """Persons → fold. Each person gets a category: its most frequent hands-visible non-signing activity
    (everyday / gesture) if it has any, else signing, else idle; persons are dealt round-robin category by
    category (each in descending clip count, ties by name), the deal continuing across categories, so every
    fold holds several signing persons and persons of each hands-visible activity."""
    count: dict[str, int] = defaultdict(int)
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in clips:
        count[c.person] += 1
        kinds[c.person][c.activity] += 1

    def category(p: str) -> str:
        hv = {a: n for a, n in kinds[p].items() if a in ("everyday", "gesture")}
        if hv:
            return max(sorted(hv), key=hv.get)
        return "signing" if kinds[p].get("signing") else "idle"

    fold: dict[str, int] = {}
    deal = 0
    for cat in ("gesture", "everyday", "signing", "idle"):
        for p in sorted((p for p in count if category(p) == cat), key=lambda p: (-count[p], p)):
            fold[p] = deal % k
            deal += 1
    return fold


def padded(seq: np.ndarray) -> np.ndarray:
    return np.concatenate([np.repeat(seq[:1], LEAD, 0), seq, np.repeat(seq[-1:], TAIL, 0)])


@dataclass
class Session:
    person: str
    frames: np.ndarray                                # (T, 75, 2)
    spans: list[tuple[Clip, int, int]] = field(default_factory=list)   # clip, first frame, last frame


def build_session(person: str, clips: Sequence[Clip], seqs: dict[str, np.ndarray], seed: int) -> Session:
    order = list(clips)
    random.Random(f"{seed}:{person}").shuffle(order)
    parts, spans, t = [], [], 0
    for i, c in enumerate(order):
        s = seqs[c.video_id]
        if i == 0:
            parts.append(np.repeat(s[:1], LEAD, 0))
            t += LEAD
        parts.append(s)
        spans.append((c, t, t + len(s) - 1))
        t += len(s)
        parts.append(np.repeat(s[-1:], REST, 0))
        t += REST
    return Session(person, np.concatenate(parts), spans)


# -------------------------------------------------------------------------------------------- features

def speed_frames(seq: np.ndarray) -> np.ndarray:
    """(T, 67 + 2): per-joint speed of the upper body and both hands in shoulder widths per second (0 where
    a joint is missing in either frame), then left/right hand presence."""
    joints = UPPER_BODY + list(range(33, 75))
    xy = seq[:, joints]
    d = np.linalg.norm(np.diff(xy, axis=0, prepend=xy[:1]), axis=-1) / shoulder_width(seq)[:, None] * FPS
    d = np.nan_to_num(d, nan=0.0, posinf=0.0)
    presence = np.stack([np.isfinite(seq[:, 33, 0]), np.isfinite(seq[:, 54, 0])], axis=1).astype(np.float32)
    return np.concatenate([np.minimum(d, 50.0), presence], axis=1).astype(np.float32)


def shape_frames(seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame hand features, per hand: (T, 2, 40) shape, (T, 2, 4) [presence, shape change per second,
    wrist speed in shoulder widths per second, fingertip spread]."""
    sw = shoulder_width(seq)
    shapes, dyn = [], []
    for part, mirror in ((LEFT, True), (RIGHT, False)):
        hand = seq[:, part]
        shape, ok = hand_shape(hand, mirror)
        change = np.linalg.norm(np.diff(shape, axis=0, prepend=shape[:1]), axis=-1) * FPS
        both = ok * np.concatenate([[0.0], ok[:-1]])
        wrist = np.linalg.norm(np.diff(hand[:, 0], axis=0, prepend=hand[:1, 0]), axis=-1) / sw * FPS
        spread = np.linalg.norm(shape.reshape(len(hand), 20, 2)[:, [3, 7, 11, 15, 19]], axis=-1).std(axis=1)
        dyn.append(np.stack([ok, np.minimum(change * both, 100.0), np.minimum(np.nan_to_num(wrist) * both, 50.0),
                             spread * ok], axis=1))
        shapes.append(shape)
    return np.stack(shapes, 1).astype(np.float32), np.stack(dyn, 1).astype(np.float32)


def _windowed_sum(x: np.ndarray, length: int) -> np.ndarray:
    """Sum over the `length` frames ending at each frame (fewer at the start), along axis 0."""
    c = np.cumsum(np.concatenate([np.zeros_like(x[:1]), x]), axis=0)
    t = np.arange(1, len(x) + 1)
    return c[t] - c[np.maximum(0, t - length)]


def _windowed_mean(x: np.ndarray, length: int) -> np.ndarray:
    """Mean over the `length` frames ending at each frame (fewer at the start), along axis 0."""
    n = np.minimum(np.arange(1, len(x) + 1), length)
    return _windowed_sum(x, length) / n.reshape((-1,) + (1,) * (x.ndim - 1))


def speed_windows(seq: np.ndarray) -> np.ndarray:
    return _windowed_mean(speed_frames(seq), WINDOW)


def shape_windows(seq: np.ndarray) -> np.ndarray:
    """Per frame: the window's features with the more active hand first (mirror-invariant)."""
    shape, dyn = shape_frames(seq)
    feats = []
    for length in (WINDOW, LONG):
        m_dyn = _windowed_mean(dyn, length)                      # (T, 2, 4)
        m_shape = _windowed_mean(shape, length)
        sq = _windowed_mean(shape ** 2, length)
        pres = np.maximum(m_dyn[..., :1], 1e-3)
        mean_shape = m_shape / pres
        std_shape = np.sqrt(np.maximum(sq / pres - mean_shape ** 2, 0.0)).mean(-1, keepdims=True)
        feats.append((m_dyn, mean_shape, std_shape))
    # the more active hand first (change + wrist speed over the window); ties (neither hand moved) by
    # presence, then by finger spread: all mirror-invariant, so a mirrored person gives the same features
    d = feats[0][0]
    keys = [d[..., 1] + d[..., 2], d[..., 0], d[..., 3]]
    first = np.zeros(len(seq), int)
    undecided = np.ones(len(seq), bool)
    for key in keys:
        diff = key[:, 1] - key[:, 0]
        decided = undecided & (np.abs(diff) > 1e-6)
        first[decided] = (diff[decided] > 0).astype(int)
        undecided &= ~decided
    rows = np.arange(len(seq))
    out = []
    for m_dyn, mean_shape, std_shape in feats:
        for pick in (first, 1 - first):
            out += [m_dyn[rows, pick], std_shape[rows, pick]]
        out.append(mean_shape[rows, first])
    return np.concatenate(out, axis=1).astype(np.float32)


NOSE = 0                   # the one face point every source records (Adarsha16 stores no eyes or mouth)
AT_FACE = 0.5              # a hand this close to the nose (shoulder widths) is at the face


def nose_frames(seq: np.ndarray) -> np.ndarray:
    """(T, 5) where the hands are relative to the face, mirror-invariant (both hands pooled): [a hand and the
    nose are seen, the nearer hand's closest joint to the nose and the farther hand's, in shoulder widths, the
    higher hand centre's height above the nose, the nearer hand within AT_FACE]; 0 where nothing is seen."""
    sw = shoulder_width(seq)
    nose = seq[:, NOSE]
    nearest, heights = [], []
    for part in (LEFT, RIGHT):
        hand = seq[:, part]
        nearest.append(np.linalg.norm(hand - nose[:, None], axis=-1).min(axis=1) / sw)   # NaN: hand or nose unseen
        heights.append((nose[:, 1] - hand.mean(axis=1)[:, 1]) / sw)
    d, h = np.stack(nearest, 1), np.stack(heights, 1)
    seen = np.isfinite(d).any(axis=1)
    # a frame without either hand gets zeros; in a seen frame only a missing hand is NaN, which nanmin/max skip
    d, h = np.where(seen[:, None], d, 0.0), np.where(seen[:, None], h, 0.0)
    near, far, high = np.nanmin(d, axis=1), np.nanmax(d, axis=1), np.nanmax(h, axis=1)
    feats = np.stack([seen, np.minimum(near, 4.0), np.minimum(far, 4.0), np.clip(high, -4.0, 4.0), seen & (near < AT_FACE)], 1)
    return feats.astype(np.float32)


def nose_windows(seq: np.ndarray) -> np.ndarray:
    """`shape`'s window features plus the hands' place relative to the face over the window and the 2 s
    context (means over the frames where a hand and the nose are seen, and the share of such frames)."""
    f = nose_frames(seq)
    out = [shape_windows(seq)]
    for length in (WINDOW, LONG):
        m = _windowed_mean(f, length)
        seen = np.maximum(m[:, :1], 1e-3)
        out += [m[:, :1], m[:, 1:] / seen]
    return np.concatenate(out, axis=1).astype(np.float32)


FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {"speed": speed_windows, "shape": shape_windows,
                                                           "nose": nose_windows}


# ------------------------------------------------------------------------------------------ classifier

def training_set(clips: Sequence[Clip], feats: dict[str, np.ndarray], stride: int = 3):
    """Windows of padded clips whose window holds at least half real frames, weighted so that every person
    and, within the training set, both classes weigh the same."""
    xs, ys, ps = [], [], []
    for c in clips:
        f = feats[c.video_id]
        real = len(f) - LEAD - TAIL
        frames = [t for t in range(LEAD, len(f), stride) if _real_in_window(t, real) * 2 >= WINDOW]
        xs.append(f[frames])
        ys += [int(c.signing)] * len(frames)
        ps += [c.person] * len(frames)
    x, y = np.concatenate(xs), np.array(ys)
    per_person: dict[tuple[str, int], int] = defaultdict(int)
    for p, label in zip(ps, y):
        per_person[(p, label)] += 1
    persons = {label: len({p for p, l in per_person if l == label}) for label in (0, 1)}
    w = np.array([1.0 / (per_person[(p, label)] * persons[label]) for p, label in zip(ps, y)])
    return x, y, w


def _real_in_window(t: int, real: int) -> int:
    """Real clip frames inside the window ending at padded frame t."""
    lo, hi = t - WINDOW + 1, t
    return max(0, min(hi, LEAD + real - 1) - max(lo, LEAD) + 1)


# ------------------------------------------------------------------------------------ temporal detector

DILATIONS = (1, 2, 4, 8, 16)                   # kernel 3: receptive field 1 + 2 * 31 = 63 frames (2.1 s)
SPEEDS = (0.8, 1.0, 1.25)                      # time-stretch augmentation of training clips


def hand_frames(seq: np.ndarray) -> np.ndarray:
    """(T, 2, 44) per hand and frame: the `shape` detector's per-frame inputs (hand-local shape, presence, log
    shape change and wrist speed, finger spread); the left hand is mirrored, so swapping hands = mirroring."""
    shape, dyn = shape_frames(seq)
    dyn = dyn.copy()
    dyn[..., 1:3] = np.log1p(dyn[..., 1:3])
    return np.concatenate([shape, dyn], -1)


def stretched(seq: np.ndarray, speed: float) -> np.ndarray:
    """The clip played `speed` times as fast (linear interpolation; a frame next to a missing one is missing)."""
    if speed == 1.0 or len(seq) < 2:
        return seq
    t = np.arange(0, len(seq) - 1 + 1e-6, speed)
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, len(seq) - 1)
    w = (t - lo)[:, None, None].astype(np.float32)
    return (1 - w) * seq[lo] + w * seq[hi]


class TemporalNet(torch.nn.Module):
    """A shared per-hand encoder pooled over the two hands by sum and max (so the net cannot tell the hands
    apart: mirror-invariant by construction), then causal dilated convolutions with residuals: the output at a
    frame sees only that frame and the 62 before it, on a clip and in a stream alike."""

    def __init__(self, n_in: int = 44, hidden: int = 32):
        super().__init__()
        self.hand = torch.nn.Linear(n_in, hidden // 2)
        self.convs = torch.nn.ModuleList(torch.nn.Conv1d(hidden, hidden, 3, dilation=d) for d in DILATIONS)
        self.out = torch.nn.Conv1d(hidden, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:            # (B, T, 2, F) → (B, T) logits
        h = torch.relu(self.hand(x))
        h = torch.cat([h.sum(2), h.max(2).values], -1).transpose(1, 2)
        for conv, d in zip(self.convs, DILATIONS):
            # left padding by repeating the first frame: a stream starts with the person holding still
            h = h + torch.relu(conv(torch.nn.functional.pad(h, (2 * d, 0), mode="replicate")))
        return self.out(h)[:, 0]


@dataclass
class TemporalModel:
    mean: np.ndarray
    scale: np.ndarray
    net: TemporalNet

    def predict(self, x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            z = self.net(torch.from_numpy(((x - self.mean) / self.scale).astype(np.float32))[None])[0]
        return torch.sigmoid(z).numpy()


def fit_temporal(clips: Sequence[Clip], feats: dict[str, list[np.ndarray]], seed: int = 0,
                 epochs: int = 15, batch: int = 32, peak: bool = True) -> TemporalModel:
    """Per-frame BCE on padded clips (each in every time stretch), labelled by the clip: signing frames
    whose window holds at least half real frames, non-signing frames all from frame 24 on (the holds
    after a gesture are as much a chance for a false start as the gesture). Every person and both classes
    weigh the same, as in `training_set`. `peak` adds a clip-level term on the clip's highest frames (a
    false start needs only a few high frames anywhere in a clip); without it the clip-level curve was worse."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    items = []                                              # (features, per-frame weight mask, label, person)
    for c in clips:
        for f in feats[c.video_id]:
            real = len(f) - LEAD - TAIL
            m = np.array([t >= LEAD and (not c.signing or _real_in_window(t, real) * 2 >= WINDOW)
                          for t in range(len(f))], np.float32)
            items.append((f, m, int(c.signing), c.person))
    per_person: dict[tuple[str, int], float] = defaultdict(float)
    for _, m, y, p in items:
        per_person[(p, y)] += m.sum()
    persons = {y: len({p for p, l in per_person if l == y}) for y in (0, 1)}
    allx = np.concatenate([f for f, *_ in items]).reshape(-1, items[0][0].shape[-1])
    mean, scale = allx.mean(0), allx.std(0) + 1e-3
    net = TemporalNet(allx.shape[-1])
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-2)
    total = sum(per_person.values())
    for _ in range(epochs):
        order = rng.permutation(len(items))
        for i in range(0, len(order), batch):
            chunk = [items[j] for j in order[i:i + batch]]
            n = max(len(f) for f, *_ in chunk)
            x = np.zeros((len(chunk), n) + chunk[0][0].shape[1:], np.float32)
            w = np.zeros((len(chunk), n), np.float32)
            y = np.zeros((len(chunk), n), np.float32)
            for b, (f, m, label, p) in enumerate(chunk):
                x[b, :len(f)] = (f - mean) / scale
                w[b, :len(f)] = m * total / (per_person[(p, label)] * persons[label] * 2)
                y[b] = label
            z = net(torch.from_numpy(x))
            wt, yt = torch.from_numpy(w), torch.from_numpy(y)
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, yt, reduction="none") * wt).sum() / w.size
            if peak:
                # a clip starts when a few frames are high: push the clip's highest frames (mean of the top
                # 3 scored frames) up on signing clips and down on the others, each clip weighted as its frames
                top = torch.where(wt > 0, z, torch.full_like(z, -1e4)).topk(3, dim=1).values.mean(1)
                cw = wt.sum(1) / (wt > 0).sum(1).clamp(min=1)
                loss = loss + (torch.nn.functional.binary_cross_entropy_with_logits(top, yt[:, 0], reduction="none")
                               * cw).sum() / len(chunk)
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    return TemporalModel(mean, scale, net)


# -------------------------------------------------------------------------------------------- scoring

def hand_frames_in_window(seq: np.ndarray) -> np.ndarray:
    """Per frame t of a (T, 75, 2) stream: how many of the 25 frames of the window ending at t show a hand
    (either one; fewer at the start, where the window is not full yet)."""
    hand = np.isfinite(seq[:, LEFT, 0]).any(1) | np.isfinite(seq[:, RIGHT, 0]).any(1)
    return _windowed_sum(hand.astype(np.int64), WINDOW)


def hand_gated(raw: np.ndarray, seq: np.ndarray, min_frames: int) -> np.ndarray:
    """The raw scores with P(signing) = 0 for every window with a hand in fewer than `min_frames` of its frames:
    no signing is seen without hands (a decision rule under evaluation, `--min-hand-frames`)."""
    out = raw.copy()
    out[np.isfinite(out) & (hand_frames_in_window(seq) < min_frames)] = 0.0
    return out


def frame_scores(model, x: np.ndarray) -> np.ndarray:
    """Raw P(signing) per frame, NaN before frame 24: no 25-frame window ends there (the daemon's first
    window), so every detector starts scoring on the same frame."""
    p = model.predict(x).astype(np.float64)
    p[:WINDOW - 1] = np.nan
    return p


def replay_scores(signd: Path, binary: Path, files: dict[str, np.ndarray], workdir: Path) -> tuple[dict, list]:
    """Raw P(signing) per frame from `signd replay --window-outputs` and the segments it published."""
    folder = workdir / "replay"
    folder.mkdir(parents=True, exist_ok=True)
    for name, seq in files.items():
        # x, y as stored; z 0 and visibility 1 where the joint is present, NaN where it is missing
        def part(sl, extra):
            xy = seq[:, sl]
            fill = np.where(np.isfinite(xy[..., :1]), 0.0, np.nan).astype(np.float32)
            cols = [xy, fill] + ([np.where(np.isfinite(xy[..., :1]), 1.0, np.nan).astype(np.float32)] if extra else [])
            return np.concatenate(cols, -1)
        pose, hands = part(POSE, True), [part(LEFT, False), part(RIGHT, False)]
        np.savez(folder / f"{name}.npz", pose=pose.astype(np.float32), left_hand=hands[0].astype(np.float32),
                 right_hand=hands[1].astype(np.float32))
    out = workdir / "window-outputs.jsonl"
    # the binary head alone (the multi-class head does not change the segments), one BLAS thread
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([str(signd), "replay", str(folder), "--binary", str(binary), "--multiclass", "none",
                           "--window-outputs", str(out)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise CVError(f"signd replay failed ({proc.returncode}): {proc.stderr[-2000:]}")
    raw = {name: np.full(len(seq), np.nan) for name, seq in files.items()}
    for line in out.read_text().splitlines():
        r = json.loads(line)
        if r["head"] == "binary":
            raw[r["file"][:-4]][r["frame"]] = r["raw"]
    return raw, _published_segments(proc.stdout)


def head_decision(stem: Path) -> DecisionParams:
    """The daemon's parameters for a head run without threshold settings: its manifest's operating_point, else
    the defaults (docs/configuration.md)."""
    op = Manifest.read(stem.parent / f"{stem.name}.manifest.json").operating_point
    return replace(DEFAULT, enter=op["enter_threshold"], exit=op["exit_threshold"]) if op else DEFAULT


def train_fold_head(data: Path, rows: dict[str, SequenceInfo], person_of: dict[str, str], fold_of: dict[str, int],
                    fold: int, workdir: Path, extra: Sequence[str] = ()) -> Path:
    """The shipped head's recipe (recipes.SIGNING_BINARY) trained on the sequences of the persons outside
    `fold`, exported for `signd replay`, split like the shipped head (splits.sample_splits: every 40th sequence
    to val, another 40th aside): the recipe ships its last epoch, so validation picks nothing, and the held-out
    fold is never seen. `extra` training arguments follow the recipe's (a variant under evaluation)."""
    ids = [v for v, r in rows.items() if r.frames >= 5 and fold_of[person_of.get(v, r.group)] != fold]
    split = workdir / f"fold{fold}.json"
    sample_splits(ids, rows, meta={"fold": fold}).write(split, rows)
    stem = workdir / f"fold{fold}" / "head"
    argv = ["--data", str(data), "--out", str(workdir / f"fold{fold}"), "--splits", str(split),
            *recipes.SIGNING_BINARY, *extra, "--export", str(stem)]
    if train.main(argv) != 0:
        raise CVError(f"training the fold {fold} head failed")
    return stem


def _published_segments(stdout: str) -> list[tuple[int, int]]:
    """(start frame, emitted frame) of every published `start`, in publishing order."""
    out = []
    for line in stdout.splitlines():
        topic, _, payload = line.partition(" ")
        if topic.endswith(".state"):
            e = json.loads(payload)
            if e["phase"] == "start":
                out.append((e["start_frame"], e["frame"]))
    return out


def replay_order(names) -> list[str]:
    """The order `signd replay DIR` plays files in: by file name."""
    return sorted(names, key=lambda n: f"{n}.npz")


def check_twin(raw: dict[str, np.ndarray], published: list[tuple[int, int]], params: DecisionParams = DEFAULT) -> int:
    """The twin's starts at the parameters signd ran with, in replay order, equal what signd published
    (returns the count)."""
    twin = [(s.start, s.emitted) for name in replay_order(raw) for s in segments(raw[name], params)]
    if twin != published:
        first = next((i for i, (a, b) in enumerate(zip(twin, published)) if a != b), min(len(twin), len(published)))
        raise CVError(f"decision twin disagrees with signd replay: {len(twin)} vs {len(published)} starts, first "
                      f"difference at #{first}")
    return len(twin)


# ------------------------------------------------------------------------------------------- metrics

def clip_started(raw: np.ndarray, params: DecisionParams) -> Optional[Segment]:
    """The first segment a subscriber reacts to (at its `start`, or at its `confirm` with confirmation on) whose
    start falls inside the clip or its trailing hold."""
    for s in reacted(raw, params):
        if s.start >= LEAD:
            return s
    return None


def curve(clips: Sequence[Clip], raw: dict[str, np.ndarray], base: DecisionParams = DEFAULT) -> list[dict]:
    """Start rates per enter threshold; exit stays as far below enter as in `base`."""
    rows = []
    for enter in ENTER_GRID:
        p = base.with_enter(enter, base.enter - base.exit)
        started = {c.video_id: clip_started(raw[c.video_id], p) is not None for c in clips}
        rows.append({"enter": enter, **_rates(clips, started)})
    return rows


def _rates(clips: Sequence[Clip], started: dict[str, bool]) -> dict:
    out = {}
    for kind in ("signing", "hands_visible", "idle", "everyday", "gesture"):
        sel = [c for c in clips if (c.activity == kind or (kind == "hands_visible" and not c.signing
                                                           and c.activity != "idle"))]
        out[kind] = _share([started[c.video_id] for c in sel])
    # idle split: where no hand is ever seen, and where one is seen in some (under half) of the frames
    idle = [c for c in clips if c.activity == "idle"]
    out["idle_no_hand"] = _share([started[c.video_id] for c in idle if c.hands_seen == 0])
    out["idle_some_hands"] = _share([started[c.video_id] for c in idle if c.hands_seen > 0])
    return out


def _share(flags: Sequence[bool]) -> Optional[float]:
    return round(float(np.mean(flags)), 4) if flags else None


def at_recall(points: Sequence[dict], target: float = 0.9) -> Optional[dict]:
    """The highest enter threshold whose signing start rate reaches `target`."""
    ok = [p for p in points if p["signing"] is not None and p["signing"] >= target]
    return max(ok, key=lambda p: p["enter"]) if ok else None


def default_point(clips: Sequence[Clip], raw: dict[str, np.ndarray], params: DecisionParams = DEFAULT) -> dict:
    started, onsets = {}, []
    for c in clips:
        s = clip_started(raw[c.video_id], params)
        started[c.video_id] = s is not None
        if c.signing and s is not None:
            onsets.append((s.emitted - LEAD) / FPS)
    per_group: dict[str, list[bool]] = defaultdict(list)
    for c in clips:
        if c.signing:
            per_group[c.person].append(started[c.video_id])
    y, score = [], []
    for c in clips:
        r = raw[c.video_id]
        real = len(r) - LEAD - TAIL
        for t in range(len(r)):
            if np.isfinite(r[t]) and _real_in_window(t, real) * 2 >= WINDOW:
                y.append(int(c.signing))
                score.append(r[t])
    pr_auc = average_precision(np.array(y), np.array(score)) if 0 < sum(y) < len(y) else None
    return {**_rates(clips, started), "median_onset_s": round(float(np.median(onsets)), 3) if onsets else None,
            "window_pr_auc": None if pr_auc is None else round(float(pr_auc), 4),
            "recall_per_signing_person": {g: _share(v) for g, v in sorted(per_group.items())}}


@dataclass(frozen=True)
class PersonSession:
    """One held-out person's session under one decision: what that person's stream looked like to a user."""
    person: str
    non_signing_frames: int
    false_starts: int           # segments starting on a non-signing frame
    non_signing_in_segment: int  # non-signing frames inside a published segment ("signing" shown falsely)
    signing_clips: int
    signing_clips_in_segment: int

    def as_dict(self) -> dict:
        minutes = self.non_signing_frames / FPS / 60
        return {"person": self.person, "non_signing_minutes": round(minutes, 3), "false_starts": self.false_starts,
                "false_starts_per_min": round(self.false_starts / minutes, 3) if minutes else None,
                "non_signing_time_in_segment": _ratio(self.non_signing_in_segment, self.non_signing_frames),
                "signing_clips_in_segment": _ratio(self.signing_clips_in_segment, self.signing_clips)}


def _ratio(a: int, b: int) -> Optional[float]:
    return round(a / b, 4) if b else None


def person_session(s: Session, raw: np.ndarray, params: DecisionParams) -> PersonSession:
    segs = reacted(raw, params)
    signing_at = np.zeros(len(s.frames), bool)
    for c, a, b in s.spans:
        if c.signing:
            signing_at[a:b + 1] = True
    in_segment = np.zeros(len(s.frames), bool)
    for g in segs:
        in_segment[g.start:g.last + 1] = True
    scored = slice(LEAD, None)          # the lead is the stream's warm-up, not the person's time
    signing = [(a, b) for c, a, b in s.spans if c.signing]
    return PersonSession(
        s.person, int((~signing_at[scored]).sum()), sum(1 for g in segs if not signing_at[g.start]),
        int((in_segment & ~signing_at)[scored].sum()), len(signing),
        sum(1 for a, b in signing if any(g.start <= b and g.last >= a for g in segs)))


def session_figures(sessions: Sequence[Session], raw: dict[str, np.ndarray],
                    params: DecisionParams = DEFAULT) -> dict:
    """Pooled over the persons' sessions, and per person (the worst persons show where restarts come from)."""
    per = [person_session(s, raw[f"session__{_safe(s.person)}"], params) for s in sessions]
    nonsign = sum(p.non_signing_frames for p in per)
    minutes = nonsign / FPS / 60
    return {"persons": len(sessions), "non_signing_minutes": round(minutes, 2),
            "false_starts_per_min": round(sum(p.false_starts for p in per) / minutes, 3) if minutes else None,
            "non_signing_time_in_segment": _ratio(sum(p.non_signing_in_segment for p in per), nonsign),
            "signing_clips_in_segment": _ratio(sum(p.signing_clips_in_segment for p in per),
                                               sum(p.signing_clips for p in per)),
            "per_person": [p.as_dict() for p in per]}


def save_scores(path: Path, scores: dict[str, dict[str, np.ndarray]]) -> None:
    """Every detector's raw per-frame scores, so another decision can be evaluated without retraining."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **{f"{det}/{stream}": v for det, d in scores.items() for stream, v in d.items()})


def load_scores(path: Path, detectors: Sequence[str], streams: dict[str, np.ndarray]) -> dict:
    """Saved scores of the requested detectors; each must cover exactly this run's streams (same data,
    clips per class and seed), frame for frame."""
    out: dict[str, dict[str, np.ndarray]] = defaultdict(dict)
    with np.load(path) as z:
        for key in z.files:
            det, _, stream = key.partition("/")
            if det in detectors:
                out[det][stream] = z[key]
    for det, d in out.items():
        if set(d) != set(streams):
            raise CVError(f"{path}: detector {det} has scores for {len(d)} streams, this run has {len(streams)} "
                          f"(other data, --clips-per-class or --seed?)")
        bad = next((k for k, v in d.items() if len(v) != len(streams[k])), None)
        if bad is not None:
            raise CVError(f"{path}: {det}/{bad} has {len(d[bad])} frames, the stream has {len(streams[bad])}")
    return dict(out)


def operating_point(report: dict, detector: str = "stgcn", recall: float = 0.9) -> dict:
    """The manifest `operating_point` read off a report: the highest enter threshold that starts at least
    `recall` of the held-out signing clips, pooled over the folds, and the exit as far below it as in the run."""
    det = report["detectors"].get(detector, {}).get("pooled")
    if not det:
        raise CVError(f"the report has no pooled figures of the {detector} detector (run it with --detectors {detector})")
    point = at_recall(det["curve"], recall)
    if point is None:
        raise CVError(f"no enter threshold of the {detector} detector starts {recall:.0%} of held-out signing clips")
    pr, d = report["protocol"], report["protocol"]["decision"]
    gap = round(d["enter"] - d["exit"], 4)
    return {"enter_threshold": point["enter"], "exit_threshold": round(max(0.0, point["enter"] - gap), 4),
            "calibration": f"detector_cv: the highest enter threshold that starts >= {recall:.0%} of held-out signing "
                           f"clips ({point['signing']:.3f}; hands-visible non-signing {point['hands_visible']:.3f}, "
                           f"idle {point['idle']:.3f}), pooled over {pr['folds']} folds held out by person "
                           f"({pr['clips']} clips, {pr['persons']} persons, the recipe trained per fold"
                           + (f" with {pr['stgcn_args']}" if pr.get("stgcn_args") else "") + f"); exit {gap} below"}


def write_operating_point(stem: Path, op: dict) -> None:
    path = stem.parent / f"{stem.name}.manifest.json"
    manifest = Manifest.read(path)
    replace(manifest, operating_point=op).write(path)      # validated on construction


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


# ---------------------------------------------------------------------------------------------- main

def run(args: argparse.Namespace) -> dict:
    torch.set_num_threads(1)
    data = Path(args.data)
    rows = read_sequences(data)
    person_of = read_group_map(args.group_map, rows) if args.group_map else {}
    clips = select_clips(rows, person_of, args.clips_per_class)
    fold_of = assign_folds(clips, args.folds)
    seqs = {c.video_id: load_clip(data, c.video_id) for c in clips}
    padded_clips = {c.video_id: padded(seqs[c.video_id]) for c in clips}
    by_person: dict[str, list[Clip]] = defaultdict(list)
    for c in clips:
        by_person[c.person].append(c)
    sessions = [build_session(p, cs, seqs, args.seed) for p, cs in sorted(by_person.items())]
    streams = dict(padded_clips)
    streams.update({f"session__{_safe(s.person)}": s.frames for s in sessions})

    detectors = [d.strip() for d in args.detectors.split(",") if d.strip()]
    decision = DecisionParams(enter=args.enter, exit=max(0.0, args.enter - args.exit_gap),
                              min_start=args.min_start, min_end=args.min_end, confirm=args.confirm_frames)
    scores: dict[str, dict[str, np.ndarray]] = load_scores(Path(args.from_scores), detectors, streams) \
        if args.from_scores else {}
    report: dict = {"protocol": {"folds": args.folds, "clips_per_class": args.clips_per_class, "lead": LEAD,
                                 "tail": TAIL, "rest": REST, "fps": FPS, "default": DEFAULT.__dict__,
                                 "decision": decision.__dict__, "from_scores": args.from_scores,
                                 "min_hand_frames": args.min_hand_frames,
                                 "clips": len(clips), "persons": len(by_person), "stgcn_args": args.stgcn_args,
                                 "fold_persons": {f: sorted(p for p, k in fold_of.items() if k == f)
                                                  for f in range(args.folds)}},
                    "detectors": {}}
    shipped_seen: set[str] = set()
    if "shipped" in detectors:
        if "shipped" not in scores:
            with tempfile.TemporaryDirectory(prefix="detector-cv-") as tmp:
                scores["shipped"], published = replay_scores(Path(args.signd), Path(args.shipped), streams, Path(tmp))
            report["protocol"]["twin_checked_starts"] = check_twin(scores["shipped"], published,
                                                                   head_decision(Path(args.shipped)))
        # saved scores or not, the persons the shipped head was trained on are left out of its figures
        split = Splits.read(Path(args.shipped).parent / "splits" / f"{Path(args.shipped).name}.json")
        seen_groups = set(split.groups.get("train", ())) | set(split.groups.get("val", ()))
        shipped_seen = {p for p in by_person if p in seen_groups}
    owner = {c.video_id: c.person for c in clips}
    owner.update({f"session__{_safe(s.person)}": s.person for s in sessions})
    if "stgcn" in detectors and "stgcn" not in scores:
        scores["stgcn"] = {}
        with tempfile.TemporaryDirectory(prefix="detector-cv-stgcn-") as tmp:
            for f in range(args.folds):
                stem = train_fold_head(data, rows, person_of, fold_of, f, Path(tmp), args.stgcn_args.split())
                held = {k: v for k, v in streams.items() if fold_of[owner[k]] == f}
                fold_scores, _ = replay_scores(Path(args.signd), stem, held, Path(tmp) / f"replay{f}")
                scores["stgcn"].update(fold_scores)
        torch.set_num_threads(1)
    for name in (d for d in detectors if d in FEATURES and d not in scores):
        feats = {k: FEATURES[name](v) for k, v in streams.items()}
        scores[name] = {}
        for f in range(args.folds):
            model = fit_logistic(*training_set([c for c in clips if fold_of[c.person] != f], feats))
            scores[name].update({k: frame_scores(model, v) for k, v in feats.items() if fold_of[owner[k]] == f})
    if "tcn" in detectors and "tcn" not in scores:
        train_feats = {c.video_id: [hand_frames(padded(stretched(seqs[c.video_id], sp))) for sp in SPEEDS]
                       for c in clips}
        feats = {k: hand_frames(v) for k, v in streams.items()}
        scores["tcn"] = {}
        for f in range(args.folds):
            model = fit_temporal([c for c in clips if fold_of[c.person] != f], train_feats, seed=args.seed)
            scores["tcn"].update({k: frame_scores(model, v) for k, v in feats.items() if fold_of[owner[k]] == f})
    if args.scores:
        save_scores(Path(args.scores), scores)
    if args.min_hand_frames:
        # after saving: the saved scores stay the heads' own, so any gate can be judged on them later
        scores = {det: {k: hand_gated(v, streams[k], args.min_hand_frames) for k, v in d.items()}
                  for det, d in scores.items()}
    for name in detectors:
        det = {"folds": {}, "pooled": {}}
        excluded = shipped_seen if name == "shipped" else set()
        # "default": what the daemon does with this head out of the box (the shipped head's operating point)
        own = head_decision(Path(args.shipped)) if name == "shipped" else decision
        at_default = replace(decision, enter=own.enter, exit=own.exit)
        for f in list(range(args.folds)) + ["pooled"]:
            sel = [c for c in clips if (f == "pooled" or fold_of[c.person] == f) and c.person not in excluded]
            sess = [s for s in sessions if (f == "pooled" or fold_of[s.person] == f) and s.person not in excluded]
            if not sel:
                continue
            points = curve(sel, scores[name], decision)
            at90 = at_recall(points)
            p90 = None if at90 is None else decision.with_enter(at90["enter"], decision.enter - decision.exit)
            entry = {"clips": len(sel), "persons": len({c.person for c in sel}),
                     "default": default_point(sel, scores[name], at_default), "at_90_recall": at90,
                     "sessions": session_figures(sess, scores[name], at_default),
                     # sessions at the clip operating point of 90 % signing: detectors compared at equal recall
                     "sessions_at_90_recall": None if p90 is None else session_figures(sess, scores[name], p90),
                     "curve": points}
            if f == "pooled":
                if p90 is not None:
                    # which idle clips start there, by the kind of their label (gesture:, action:, none)
                    entry["idle_started_at_90_recall"] = sorted(
                        ([c.video_id, c.gloss] for c in sel
                         if c.activity == "idle" and clip_started(scores[name][c.video_id], p90)))
                det["pooled"] = entry
            else:
                det["folds"][str(f)] = entry
        if excluded:
            det["left_out_seen_persons"] = sorted(excluded)
        report["detectors"][name] = det
    return report


def print_report(report: dict, out=sys.stdout) -> None:
    pr = report["protocol"]
    print(f"detector_cv: {pr['clips']} clips, {pr['persons']} persons, {pr['folds']} folds held out by person; "
          f"decision twin = signd replay on {pr.get('twin_checked_starts', 'n/a')} starts"
          + (f"; windows with a hand in < {pr['min_hand_frames']} frames score 0" if pr.get("min_hand_frames") else "")
          + (f"; confirmation after {pr['decision']['confirm']} frames (a clip counts when its segment is confirmed)"
             if pr["decision"].get("confirm") else ""),
          file=out)
    fmt = lambda v: "  -  " if v is None else f"{v:5.3f}"
    rate = lambda v: "-" if v is None else f"{v:.3f}"
    for name, det in report["detectors"].items():
        print(f"\n== {name}" + (f" (left out: {len(det['left_out_seen_persons'])} persons it was trained on)"
                                if det.get("left_out_seen_persons") else ""), file=out)
        if not det["pooled"]:
            print("no unseen person to evaluate: it was trained on all of them (the stgcn detector is its recipe "
                  "cross-validated)", file=out)
            continue
        print("fold  clips persons | start@default: signing  hands-vis  idle  everyday gesture | onset_s  "
              "PR-AUC | at 90% signing: enter  hands-vis idle | session fs/min  covered", file=out)
        for f, e in list(det["folds"].items()) + [("all", det["pooled"])]:
            d, a, s = e["default"], e["at_90_recall"], e["sessions"]
            print(f"{f:>4} {e['clips']:6d} {e['persons']:5d}   |  {fmt(d['signing'])}  {fmt(d['hands_visible'])}  "
                  f"{fmt(d['idle'])}  {fmt(d['everyday'])}  {fmt(d['gesture'])} | {fmt(d['median_onset_s'])}  "
                  f"{fmt(d['window_pr_auc'])} | "
                  + (f"{a['enter']:.2f}  {fmt(a['hands_visible'])}  {fmt(a['idle'])}" if a else "  not reached   ")
                  + f" | {fmt(s['false_starts_per_min'])}  {fmt(s['signing_clips_in_segment'])}", file=out)
        pooled = det["pooled"]
        idle = [(label, p) for label, p in (("at the default", pooled["default"]), ("at 90% signing", pooled["at_90_recall"])) if p]
        print("idle clips started, no hand ever seen / a hand in some frames: " + "; ".join(
            f"{label} {rate(p['idle_no_hand'])} / {rate(p['idle_some_hands'])}" for label, p in idle), file=out)
        if "idle_started_at_90_recall" in pooled:
            kinds = Counter(label_kind(gloss) for _, gloss in pooled["idle_started_at_90_recall"])
            print("idle clips started at 90% signing, by label: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
                  file=out)
        for label, key in (("at the default", "sessions"), ("at 90% signing", "sessions_at_90_recall")):
            sess = pooled.get(key)
            if not sess:
                continue
            worst = sorted(sess["per_person"], key=lambda r: -(r["false_starts_per_min"] or 0))[:WORST_PERSONS]
            print(f"sessions {label}: false starts/min {sess['false_starts_per_min']}, non-signing time in a "
                  f"segment {sess['non_signing_time_in_segment']}, signing clips in a segment "
                  f"{sess['signing_clips_in_segment']}; worst persons: " + "; ".join(
                      f"{r['person']} {r['false_starts_per_min']}/min ({r['false_starts']} in "
                      f"{r['non_signing_minutes']:.1f} min, {r['non_signing_time_in_segment']} in segment)"
                      for r in worst), file=out)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m signstgcn.detector_cv", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--signd", default="../.build/release/signd", help="signd binary (for the shipped head)")
    ap.add_argument("--shipped", default="../Models/signing-binary", help="shipped head stem")
    ap.add_argument("--group-map", default="../Models/splits/traduttore-contributors.csv")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--clips-per-class", type=int, default=12)
    ap.add_argument("--detectors", default="shipped,speed,shape", help="comma-separated; on request: nose (shape plus the hands against the face, seconds), tcn (a causal temporal model, about 6 CPU-minutes more) and stgcn "
                         "(the shipped recipe per fold, about 25 minutes more on 2 cores)")
    ap.add_argument("--stgcn-args", default="", help="training arguments added to the recipe for the stgcn "
                    "detector, to evaluate a variant before it becomes the recipe (e.g. \"--hand-local\")")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="write the full report (curves included) as JSON here")
    ap.add_argument("--scores", help="also write every detector's raw per-frame scores here (.npz)")
    ap.add_argument("--from-scores", help="take the listed detectors' scores from this --scores file instead "
                    "of training and replaying them (to evaluate another decision)")
    ap.add_argument("--write-operating-point", metavar="STEM", help="store the stgcn detector's pooled operating "
                    "point at --recall in STEM.manifest.json (the head trained with the recipe on every person)")
    ap.add_argument("--recall", type=float, default=0.9, help="signing recall of --write-operating-point")
    ap.add_argument("--enter", type=float, default=DEFAULT.enter,
                    help="enter threshold of the trained detectors' \"default\" figures (e.g. a head's operating point)")
    ap.add_argument("--min-start", type=int, default=DEFAULT.min_start,
                    help="frames at or above enter that start a segment (heads.min_start_frames): a confirmation delay")
    ap.add_argument("--min-end", type=int, default=DEFAULT.min_end,
                    help="frames below exit that end a segment (heads.min_end_frames)")
    ap.add_argument("--exit-gap", type=float, default=DEFAULT.enter - DEFAULT.exit,
                    help="exit threshold this far below enter (the default pair is 0.6 / 0.4)")
    ap.add_argument("--confirm-frames", type=int, default=0,
                    help="heads.confirm_frames: judge what a subscriber reacting to `confirm` sees (a clip counts "
                         "as started when a segment starting in it is confirmed; onset at the confirmation; sessions "
                         "count confirmed segments only). 0: off, the `start` events")
    ap.add_argument("--min-hand-frames", type=int, default=0,
                    help="score 0 (not signing) for every window with a hand in fewer than N of its 25 frames, for "
                         "every detector and figure (0: off, as the daemon)")
    args = ap.parse_args(argv)
    if args.confirm_frames and args.confirm_frames <= args.min_start:
        ap.error(f"--confirm-frames must be 0 or more than --min-start ({args.min_start}), got {args.confirm_frames}")
    if not 0 <= args.min_hand_frames <= WINDOW:
        ap.error(f"--min-hand-frames must be in 0...{WINDOW}, got {args.min_hand_frames}")
    try:
        report = run(args)
    except (CVError, OSError, ValueError) as exc:
        print(f"detector_cv: error: {exc}", file=sys.stderr)
        return 1
    print_report(report)
    if args.write_operating_point:
        try:
            op = operating_point(report, recall=args.recall)
            write_operating_point(Path(args.write_operating_point), op)
        except (CVError, ManifestError, OSError) as exc:
            print(f"detector_cv: error: {exc}", file=sys.stderr)
            return 1
        print(f"wrote operating_point {op['enter_threshold']}/{op['exit_threshold']} to {args.write_operating_point}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
