"""Input rules of SignSTGCN (docs/signstgcn.md §1–§4): joint layout, NaN handling, windows, pose_stats, labels,
adjacency.

Everything here is plain NumPy so the same code feeds training, export checks and the parity fixtures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

import numpy as np

WINDOW = 25
STRIDE = 1
POSE_STATS_EPS = 1e-6
DEGREE_EPS = 1e-6
UNKNOWN_LABEL = "unknown"
DEFAULT_SIGNING_LABELS = "sign,signing,gesture"

# Seed order of the parts on the joint axis (docs/signstgcn.md §1); face is 478 in seed data (with iris).
PART_ORDER = ("pose", "left_hand", "right_hand", "face")
PART_JOINTS = {"pose": 33, "left_hand": 21, "right_hand": 21, "face": 478}


class DataError(ValueError):
    """Bad landmark or ground-truth input; the message names the file and the field."""


@dataclass(frozen=True)
class JointLayout:
    """Ordered parts on the joint axis; J is the sum of their joint counts."""

    parts: tuple[tuple[str, int], ...]

    @staticmethod
    def seed(include_pose: bool = True, include_hands: bool = True, include_face: bool = False,
             face_joints: int = 478) -> "JointLayout":
        parts: list[tuple[str, int]] = []
        if include_pose:
            parts.append(("pose", PART_JOINTS["pose"]))
        if include_hands:
            parts += [("left_hand", PART_JOINTS["left_hand"]), ("right_hand", PART_JOINTS["right_hand"])]
        if include_face:
            parts.append(("face", face_joints))
        if not parts:
            raise DataError("joint layout: no part selected")
        return JointLayout(tuple(parts))

    @property
    def num_joints(self) -> int:
        return sum(n for _, n in self.parts)

    def joint_indices(self, *names: str) -> list[int]:
        """Flat joint indices of the named parts (in layout order); [] when none is in the layout."""
        out, offset = [], 0
        for part, n in self.parts:
            if part in names:
                out.extend(range(offset, offset + n))
            offset += n
        return out

    def to_json(self) -> list[dict]:
        return [{"part": p, "joints": n} for p, n in self.parts]

    @staticmethod
    def from_json(items: Sequence[Mapping]) -> "JointLayout":
        try:
            parts = tuple((str(it["part"]), int(it["joints"])) for it in items)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"joint_layout: each entry needs 'part' and integer 'joints' ({exc})") from None
        if not parts:
            raise DataError("joint_layout: empty")
        return JointLayout(parts)


# ---------------------------------------------------------------------------------------------- adjacency

def build_adjacency(num_joints: int, edges: Iterable[tuple[int, int]]) -> np.ndarray:
    """Symmetric-normalized (A + I) with degree epsilon, in float32 like the seed (docs/signstgcn.md §4)."""
    if num_joints <= 0:
        raise DataError(f"adjacency: num_joints must be positive, got {num_joints}")
    a = np.zeros((num_joints, num_joints), dtype=np.float32)
    for i, j in edges:
        if not (0 <= i < num_joints and 0 <= j < num_joints):
            raise DataError(f"adjacency: edge ({i},{j}) outside 0..{num_joints - 1}")
        a[i, j] = 1.0
        a[j, i] = 1.0
    a = a + np.eye(num_joints, dtype=np.float32)
    deg = a.sum(axis=1) + np.float32(DEGREE_EPS)
    # 1/sqrt (not pow(-0.5)): reproduces the seed's float32 values (A[0,0] = 0.49999973 for J = 75).
    d_inv_sqrt = np.diag((np.float32(1.0) / np.sqrt(deg)).astype(np.float32))
    return (d_inv_sqrt @ a @ d_inv_sqrt).astype(np.float32)


def chain_adjacency(num_joints: int) -> np.ndarray:
    """The chain over the flat joint index that every seed script uses (not a skeleton)."""
    return build_adjacency(num_joints, [(i, i + 1) for i in range(num_joints - 1)])


# ---------------------------------------------------------------------------------------------- values

def nan_to_zero(x: np.ndarray) -> np.ndarray:
    """NaN, +inf and -inf become 0.0 (the seed's nan_to_num with zero for the infinities too)."""
    return np.nan_to_num(np.asarray(x, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)


def frames_held_before(real: int, window: int) -> int:
    """Held frames before `real` real frames centred in a window of `window` (the rest come after): the layout
    of a padded short sequence and of the edge-hold augmentation."""
    return (window - real) // 2


def zero_joints(window: np.ndarray, joints: Sequence[int]) -> np.ndarray:
    """The (T, J, C) window with the listed joints set to NaN (so → 0 with every other missing value, before
    pose_stats): the manifest's `zeroed_joints`, joints a head never sees. Returns the input when none."""
    if not len(joints):
        return window
    w = np.array(window, dtype=np.float32, copy=True)
    w[:, list(joints)] = np.nan
    return w


def normalize_frames(window: np.ndarray, joints: Sequence[int]) -> np.ndarray:
    """Per frame, x and y of every joint minus the midpoint of the two `joints`, divided by their distance (the
    manifest's `normalize_joints`, e.g. the shoulders 11, 12: the body's own frame, so framing and distance to the
    camera drop out). A frame where either joint is missing or they coincide becomes missing (NaN) entirely.
    Other channels (z) are kept. float32 arithmetic in the Swift engine's order, so both give the same bits."""
    if not len(joints):
        return window
    a, b = joints
    w = np.array(window, dtype=np.float32, copy=True)
    pa, pb = w[:, a, :2], w[:, b, :2]
    centre = (pa + pb) * np.float32(0.5)
    d = pb - pa
    dist = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
    ok = np.isfinite(centre).all(axis=1) & np.isfinite(dist) & (dist > np.float32(1e-6))
    w[ok, :, :2] = (w[ok, :, :2] - centre[ok, None, :]) / dist[ok, None, None]
    w[~ok] = np.nan
    return w


@dataclass(frozen=True)
class HandFrame:
    """One hand in its own frame (the manifest's `hand_local`): joints first .. first + count - 1 become, per
    frame, (p - origin) / |scale - origin| in x and y, so the hand's shape is seen at the same size whatever the
    hand's distance to the camera and wherever it is; where the hand is stays in the origin joint (the wrist).
    Computed from the frame as it arrives (after zeroed joints, before or without the body frame), so a frame
    without shoulders still shows the hand's shape. A frame without the origin or scale joint, or with them
    closer than 1e-6, has the hand's joints missing."""
    origin: int
    scale: int
    first: int
    count: int

    @property
    def joints(self) -> range:
        return range(self.first, self.first + self.count)

    def to_json(self) -> dict:
        return {"origin": self.origin, "scale": self.scale, "first": self.first, "count": self.count}

    @staticmethod
    def from_json(obj: Mapping) -> "HandFrame":
        try:
            vals = [obj[k] for k in ("origin", "scale", "first", "count")]
        except (KeyError, TypeError):
            raise DataError(f"hand_local: each entry needs integer origin, scale, first, count, got {obj!r}") from None
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            raise DataError(f"hand_local: origin, scale, first, count must be integers, got {obj!r}")
        return HandFrame(*vals)


# MediaPipe's hand: landmark 0 is the wrist, 9 the middle finger's knuckle (MCP); 1..20 are the rest.
HAND_ORIGIN, HAND_SCALE = 0, 9


def hand_frames(layout: "JointLayout") -> tuple[HandFrame, ...]:
    """The `hand_local` entries for every hand part of `layout`: each hand's joints 1..20 around its wrist, in
    wrist-to-middle-knuckle lengths."""
    out, offset = [], 0
    for part, n in layout.parts:
        if part in ("left_hand", "right_hand"):
            out.append(HandFrame(offset + HAND_ORIGIN, offset + HAND_SCALE, offset + 1, n - 1))
        offset += n
    return tuple(out)


def hand_local_frames(window: np.ndarray, source: np.ndarray, hands: Sequence[HandFrame]) -> np.ndarray:
    """`window` with each hand of `hands` replaced by its hand-local x, y computed from `source` (the same frames
    before the body frame). float32 arithmetic in the Swift engine's order, so both give the same bits."""
    if not len(hands):
        return window
    w = np.array(window, dtype=np.float32, copy=True)
    src = np.asarray(source, dtype=np.float32)
    for h in hands:
        po, ps = src[:, h.origin, :2], src[:, h.scale, :2]
        d = ps - po
        dist = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
        ok = np.isfinite(po).all(axis=1) & np.isfinite(dist) & (dist > np.float32(1e-6))
        js = np.asarray(h.joints)
        with np.errstate(invalid="ignore", divide="ignore"):    # frames without the hand are masked next
            local = (src[:, js, :2] - po[:, None, :]) / dist[:, None, None]
        w[:, js, :2] = np.where(ok[:, None, None], local, np.float32(np.nan))
    return w


@dataclass(frozen=True)
class HeadInput:
    """What a head does to a raw (T, J, C) window before its first layer (docs/signstgcn.md §1 plus the
    manifest's optional `zeroed_joints` and `normalize_joints`; the Swift engine's `prepareInput`): zeroed joints
    dropped, frames
    normalised, then NaN/±inf → 0. The default is the seed's rule (NaN → 0 only)."""
    zeroed_joints: tuple[int, ...] = ()
    normalize_joints: tuple[int, ...] = ()
    hand_local: tuple[HandFrame, ...] = ()

    def __post_init__(self) -> None:
        if self.normalize_joints and (len(self.normalize_joints) != 2 or
                                      len(set(self.normalize_joints)) != 2):
            raise DataError(f"normalize_joints must be two distinct joints, got {list(self.normalize_joints)}")
        if set(self.normalize_joints) & set(self.zeroed_joints):
            raise DataError(f"normalize_joints {list(self.normalize_joints)} must not be zeroed joints")
        # Interval arithmetic, not sets: a hostile manifest's count may be astronomically large.
        for i, h in enumerate(self.hand_local):
            others = self.hand_local[:i]
            if h.count < 1 or h.origin == h.scale or h.origin in h.joints or \
                    any(h.first < o.first + o.count and o.first < h.first + h.count for o in others):
                raise DataError(f"hand_local[{i}] {h.to_json()}: needs count >= 1, an origin outside its joints, a "
                                f"scale joint other than the origin, and joints no other hand uses")
            if any(z in (h.origin, h.scale) or z in h.joints for z in self.zeroed_joints):
                raise DataError(f"hand_local[{i}] {h.to_json()}: must not use zeroed joints")

    def check_joints(self, num_joints: int) -> None:
        """DataError unless every joint index the rule names is in 0..num_joints-1."""
        for i, h in enumerate(self.hand_local):
            if min(h.origin, h.scale, h.first) < 0 or max(h.origin, h.scale, h.first + h.count - 1) >= num_joints:
                raise DataError(f"hand_local[{i}] {h.to_json()}: joints must lie in 0..{num_joints - 1}")

    def apply(self, window: np.ndarray) -> np.ndarray:
        kept = zero_joints(window, self.zeroed_joints)
        return nan_to_zero(hand_local_frames(normalize_frames(kept, self.normalize_joints), kept, self.hand_local))


def head_input(window: np.ndarray, rule: HeadInput = HeadInput()) -> np.ndarray:
    """A raw (T, J, C) window as a head with `rule` sees it."""
    return rule.apply(window)


def parse_joint_list(text: str) -> tuple[int, ...]:
    """'25-32' or '25,26,30-32' → sorted unique flat joint indices ('' → ())."""
    out: set[int] = set()
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        try:
            lo, _, hi = item.partition("-")
            a, b = int(lo), int(hi) if hi else int(lo)
        except ValueError:
            raise DataError(f"joint list: {item!r} is not an index or a range like 25-32") from None
        if a < 0 or b < a:
            raise DataError(f"joint list: bad range {item!r}")
        out.update(range(a, b + 1))
    return tuple(sorted(out))


def pose_stats(window: np.ndarray) -> np.ndarray:
    """docs/signstgcn.md §3: per-channel mean, then population std + 1e-6, over the zero-filled (T, J, C) window;
    float32 (2C,)."""
    w = nan_to_zero(window)
    if w.ndim != 3:
        raise DataError(f"pose_stats: window must be (T, J, C), got shape {w.shape}")
    # Accumulate in float64 and round once. The seed reduces in float32 row by row, off the correctly
    # rounded value by up to 4.9e-6 (J = 75) and 3.8e-5 (J = 553) on 200 real windows
    # (`python -m signstgcn.pose_stats_error`); that noise depends on the summation order, so no other
    # implementation reproduces it, while the rounded exact value is a target every implementation can hit.
    flat = w.reshape(-1, w.shape[-1]).astype(np.float64)
    return np.concatenate([flat.mean(axis=0), flat.std(axis=0) + POSE_STATS_EPS]).astype(np.float32)


def pose_stats_batch(windows: np.ndarray) -> np.ndarray:
    """pose_stats for each window of a (B, T, J, C) batch."""
    return np.stack([pose_stats(w) for w in windows]).astype(np.float32)


# ---------------------------------------------------------------------------------------------- .npz files

def load_seed_npz(path: str | Path, layout: JointLayout, coords: int = 2) -> np.ndarray:
    """One seed `.npz` as a raw (T, J, C) float32 sequence (docs/signstgcn.md §1): first C channels, zero-padded
    if narrower, a missing part is NaN for all frames. NaN is kept; `nan_to_zero` is applied after windowing."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: np.asarray(z[k]) for k in z.files}
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"{path}: cannot read as .npz ({exc})") from None
    lengths = {}
    for part, joints in layout.parts:
        if part in arrays:
            arr = arrays[part]
            if arr.ndim != 3 or arr.shape[1] != joints:
                raise DataError(f"{path}: '{part}' must have shape (T, {joints}, channels), got {arr.shape}")
            lengths[part] = arr.shape[0]
    if not lengths:
        raise DataError(f"{path}: none of the parts {[p for p, _ in layout.parts]} is present")
    if len(set(lengths.values())) > 1:
        raise DataError(f"{path}: parts have different lengths {lengths}")
    t = next(iter(lengths.values()))
    out = []
    for part, joints in layout.parts:
        if part not in arrays:
            out.append(np.full((t, joints, coords), np.nan, dtype=np.float32))
            continue
        arr = arrays[part].astype(np.float32)[:, :, :coords]
        if arr.shape[2] < coords:
            arr = np.concatenate([arr, np.zeros((t, joints, coords - arr.shape[2]), np.float32)], axis=2)
        out.append(arr)
    return np.concatenate(out, axis=1)


def window_starts(num_frames: int, window: int = WINDOW, stride: int = STRIDE) -> range:
    """Starts 0, stride, … up to T − window; no partial windows."""
    if window <= 0 or stride <= 0:
        raise DataError(f"window ({window}) and stride ({stride}) must be positive")
    return range(0, max(num_frames - window + 1, 0), stride)


def iter_windows(sequence: np.ndarray, window: int = WINDOW, stride: int = STRIDE) -> Iterator[tuple[int, np.ndarray]]:
    """(start, zero-filled window) pairs of a raw (T, J, C) sequence."""
    for s in window_starts(sequence.shape[0], window, stride):
        yield s, nan_to_zero(sequence[s:s + window])


# ---------------------------------------------------------------------------------------------- labels

def read_groundtruth(data_dir: str | Path) -> dict[str, dict[int, str]]:
    """`groundtruth.txt` (or `groundtruth`) as {video_id: {frame: label}} (docs/signstgcn.md §2): short lines and
    non-integer frames are skipped, a later duplicate replaces an earlier one."""
    data_dir = Path(data_dir)
    path = data_dir / "groundtruth.txt"
    if not path.exists():
        path = data_dir / "groundtruth"
    if not path.exists():
        raise DataError(f"{data_dir}: no groundtruth.txt or groundtruth file")
    table: dict[str, dict[int, str]] = {}
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            tok = line.split()
            if len(tok) < 3:
                continue
            try:
                frame = int(tok[1])
            except ValueError:
                continue
            table.setdefault(tok[0], {})[frame] = tok[2]
    return table


def window_label(frame_labels: Mapping[int, str], start: int, window: int = WINDOW) -> str:
    """Majority label of frames start..start+window−1; ties go to the smallest string in code-point order;
    no labelled frame gives `unknown` (docs/signstgcn.md §2)."""
    counts = Counter(frame_labels[f] for f in range(start, start + window) if f in frame_labels)
    if not counts:
        return UNKNOWN_LABEL
    best = max(counts.values())
    return min(label for label, n in counts.items() if n == best)


def parse_signing_labels(spec: str | Iterable[str]) -> frozenset[str]:
    """`--signing-labels` as the seed reads it: comma-split, stripped, lower-cased, empties dropped."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    labels = frozenset(s.strip().lower() for s in items if s.strip())
    if not labels:
        raise DataError("signing labels: empty set")
    return labels


def binary_label(label: str, signing_labels: frozenset[str]) -> int:
    """1 (signing) if the lower-cased window label is in the signing set, else 0 (docs/signstgcn.md §2)."""
    return 1 if label.lower() in signing_labels else 0
