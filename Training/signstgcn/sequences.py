"""`sequences.csv` as typed rows: the sequence-level label table (gloss, language, signing flag, group).

The ground truth gives s/n per frame; the gloss (multi-class) and the group (the signer stand-in used for
splits) are per sequence and only live here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .data import DataError

REQUIRED_COLUMNS = ("video_id", "gloss", "language", "signing", "group", "license", "frames",
                    "hands_visible_fraction")
IDLE_GLOSS = "-"
GESTURE_PREFIX = "gesture:"
# Non-signing sources whose hands are up (gestures, hands moving); everything else non-signing is idle
# (hands down). The data README lists these three as the hard negatives.
HANDS_VISIBLE_NEGATIVE_GROUPS = ("traduttore/traduttore-model", "open-mmlab/mmaction2")


@dataclass(frozen=True)
class SequenceInfo:
    video_id: str
    gloss: str
    language: str
    signing: bool
    group: str
    license: str
    frames: int
    hands_visible_fraction: float
    source_class: str = ""
    source_path: str = ""       # where the sequence lives in its source repository
    source_commit: str = ""     # the source commit it was read from

    @property
    def negative_kind(self) -> str:
        """'signing', 'gesture' (`gesture:*` classes), 'hands_visible' (other non-signing with a hand in at
        least half the frames, e.g. `action:*`, or from the sources listed above) or 'idle' (hands down)."""
        if self.signing:
            return "signing"
        if self.gloss.startswith(GESTURE_PREFIX):
            return "gesture"
        if self.group in HANDS_VISIBLE_NEGATIVE_GROUPS or self.hands_visible_fraction >= 0.5:
            return "hands_visible"
        return "idle"

    @property
    def hard_negative(self) -> bool:
        return self.negative_kind in ("gesture", "hands_visible")


def read_sequences(data_dir: str | Path) -> dict[str, SequenceInfo]:
    """{video_id: SequenceInfo} from `<data>/sequences.csv`; a missing column or bad number names the row."""
    path = Path(data_dir) / "sequences.csv"
    if not path.is_file():
        raise DataError(f"{path}: sequence table not found")
    out: dict[str, SequenceInfo] = {}
    with path.open("r", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path}: missing column(s) {missing}")
        for line, row in enumerate(reader, start=2):
            try:
                info = SequenceInfo(
                    video_id=row["video_id"], gloss=row["gloss"].strip(), language=row["language"].strip(),
                    signing=_flag(row["signing"]), group=row["group"].strip(), license=row["license"].strip(),
                    frames=int(row["frames"]), hands_visible_fraction=float(row["hands_visible_fraction"]),
                    source_class=row.get("source_class", "") or "",
                    source_path=(row.get("source_path") or "").strip(),
                    source_commit=(row.get("source_commit") or "").strip())
            except (ValueError, TypeError) as exc:
                raise DataError(f"{path}:{line}: bad value ({exc})") from None
            if not info.video_id or not info.group:
                raise DataError(f"{path}:{line}: empty video_id or group")
            out[info.video_id] = info
    return out


def _flag(text: str) -> bool:
    t = text.strip()
    if t not in ("0", "1"):
        raise ValueError(f"signing must be 0 or 1, got {text!r}")
    return t == "1"


def glosses_by_support(rows: Iterable[SequenceInfo], language: str, min_groups: int,
                       min_sequences: int) -> list[str]:
    """Signing glosses of `language` recorded by at least `min_groups` groups and `min_sequences` sequences,
    sorted (code-point order: the class ids of a multi-class head)."""
    seqs: dict[str, int] = {}
    groups: dict[str, set[str]] = {}
    for r in rows:
        if r.signing and r.language == language:
            seqs[r.gloss] = seqs.get(r.gloss, 0) + 1
            groups.setdefault(r.gloss, set()).add(r.group)
    return sorted(g for g in seqs if len(groups[g]) >= min_groups and seqs[g] >= min_sequences)
