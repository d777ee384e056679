"""A tiny seed-format data folder (npz + groundtruth.txt + sequences.csv) for the training tests."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

COLUMNS = ["video_id", "gloss", "language", "signing", "source_repo", "source_commit", "source_path", "group",
           "license", "frames", "hands_visible_fraction", "source_class", "feature_dim", "note", "content_sha1"]


def write_sequence(folder: Path, vid: str, frames: int, signing: bool, rng: np.random.Generator,
                   phase: float = 0.0) -> None:
    t = np.arange(frames, dtype=np.float32)[:, None, None]
    pose = np.concatenate([rng.uniform(0.3, 0.7, (frames, 33, 2)), rng.uniform(0, 1, (frames, 33, 2))],
                          axis=2).astype(np.float32)
    if signing:   # hands up and moving
        lh = (0.4 + 0.1 * np.sin(0.5 * t + phase) + rng.normal(0, 0.01, (frames, 21, 3))).astype(np.float32)
        rh = (0.6 + 0.1 * np.cos(0.5 * t + phase) + rng.normal(0, 0.01, (frames, 21, 3))).astype(np.float32)
    else:         # hands down: not detected
        lh = np.full((frames, 21, 3), np.nan, np.float32)
        rh = np.full((frames, 21, 3), np.nan, np.float32)
    np.savez_compressed(folder / f"{vid}.npz", pose=pose, left_hand=lh, right_hand=rh)


def make_dataset(folder: Path, groups: int = 4, per_class: int = 2, frames: int = 30, seed: int = 0) -> Path:
    """`groups` groups, each with `per_class` signing ('hello' and 'bye', ASL) and non-signing sequences."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows, gt = [], []
    for g in range(groups):
        for k in range(per_class):
            for gloss, signing in (("hello", True), ("bye", True), ("-", False)):
                vid = f"g{g}__{gloss.strip('-') or 'idle'}__{k}"
                n = frames if k % 2 == 0 else 12          # every other sequence is short (padded to a window)
                write_sequence(folder, vid, n, signing, rng, phase=1.5 if gloss == "bye" else 0.0)
                rows.append(sequence_row(vid, gloss, f"owner/g{g}", n, signing))
                gt += [f"{vid} {f} {'s' if signing else 'n'}" for f in range(n)]
    return write_index(folder, rows, gt)


def sequence_row(vid: str, gloss: str, group: str, frames: int, signing: bool) -> dict:
    """A sequences.csv row (ASL when signing)."""
    return {"video_id": vid, "gloss": gloss, "language": "asl" if signing else "none", "signing": int(signing),
            "source_repo": group, "source_commit": "0" * 40, "source_path": "-", "group": group,
            "license": "none stated", "frames": frames, "hands_visible_fraction": 1.0 if signing else 0.0,
            "source_class": gloss, "feature_dim": 258, "note": "", "content_sha1": ""}


def write_index(folder: Path, rows: list[dict], groundtruth: list[str]) -> Path:
    """sequences.csv and groundtruth.txt for the sequences written into `folder`."""
    with (folder / "sequences.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    (folder / "groundtruth.txt").write_text("\n".join(groundtruth) + "\n")
    return folder
