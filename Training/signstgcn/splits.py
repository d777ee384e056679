"""Train / validation / test splits by group (the signer stand-in), never by window or sequence.

CLI (`python -m signstgcn.build_splits`) writes a JSON compatible with the seed's `--splits-json` readers:
{meta, splits: {train|val|test: {videos, groups, counts}}}. Unlike the seed's build_video_splits.py (docs/signstgcn.md §8) no
video is ever placed in two splits, and all sequences of one group land in the same split.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence

from .data import DataError
from .sequences import SequenceInfo

SPLIT_NAMES = ("train", "val", "test")


class SplitError(DataError):
    """A split request that cannot be honoured (unknown group, group in two splits, empty split)."""


@dataclass(frozen=True)
class Splits:
    videos: Mapping[str, tuple[str, ...]]          # split → sorted video ids
    groups: Mapping[str, tuple[str, ...]]          # split → sorted groups
    meta: Mapping[str, object] = field(default_factory=dict)

    def split_of_group(self) -> dict[str, str]:
        return {g: s for s, gs in self.groups.items() for g in gs}

    def to_json(self, rows: Mapping[str, SequenceInfo]) -> dict:
        splits = {}
        for name in SPLIT_NAMES:
            vids = self.videos.get(name, ())
            pos = sum(1 for v in vids if rows[v].signing)
            splits[name] = {"videos": list(vids), "groups": list(self.groups.get(name, ())),
                            "counts": {"sequences": len(vids), "signing": pos, "not_signing": len(vids) - pos}}
        return {"meta": dict(self.meta), "splits": splits}

    def write(self, path: str | Path, rows: Mapping[str, SequenceInfo]) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.to_json(rows), indent=1) + "\n", encoding="utf-8")

    @staticmethod
    def read(path: str | Path) -> "Splits":
        path = Path(path)
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
            sp = obj["splits"]
            videos = {n: tuple(sp[n]["videos"]) for n in SPLIT_NAMES if n in sp}
            groups = {n: tuple(sp[n].get("groups", ())) for n in SPLIT_NAMES if n in sp}
        except FileNotFoundError:
            raise SplitError(f"{path}: splits file not found") from None
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SplitError(f"{path}: not a splits JSON ({type(exc).__name__}: {exc})") from None
        seen: dict[str, str] = {}
        for name, vids in videos.items():
            for v in vids:
                if v in seen:
                    raise SplitError(f"{path}: video {v!r} is in both '{seen[v]}' and '{name}'")
                seen[v] = name
        return Splits(videos, groups, obj.get("meta", {}))


def build_group_splits(rows: Iterable[SequenceInfo], *, test_groups: Sequence[str] = (),
                       val_groups: Sequence[str] = (), ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
                       seed: int = 0, meta: Optional[Mapping[str, object]] = None,
                       group_map: Optional[Mapping[str, str]] = None) -> Splits:
    """Assign whole groups to splits. Named groups go where they are named; the remaining groups are
    shuffled with `seed` and cut by `ratios` (counted in sequences), filling test, then val, then train.
    `group_map` ({video_id: group}, see `read_group_map`) overrides the table's group of the videos it
    lists: a source repository recorded by several people can be split by person."""
    rows = list(rows)
    group_map = group_map or {}
    by_group: dict[str, list[str]] = {}
    for r in rows:
        by_group.setdefault(group_map.get(r.video_id, r.group), []).append(r.video_id)
    named: dict[str, str] = {}
    for name, gs in (("test", test_groups), ("val", val_groups)):
        for g in gs:
            if g not in by_group:
                raise SplitError(f"{name} group {g!r} has no sequence in the selection")
            if g in named:
                raise SplitError(f"group {g!r} named for both '{named[g]}' and '{name}'")
            named[g] = name
    if any(r < 0 for r in ratios) or sum(ratios) <= 0:
        raise SplitError(f"ratios must be non-negative and not all zero, got {ratios}")
    total = sum(len(v) for v in by_group.values())
    norm = [r / sum(ratios) for r in ratios]
    target = {"train": norm[0] * total, "val": norm[1] * total, "test": norm[2] * total}
    size = {n: 0 for n in SPLIT_NAMES}
    assign: dict[str, str] = {}
    for g, n in named.items():
        assign[g] = n
        size[n] += len(by_group[g])
    rest = sorted(g for g in by_group if g not in named)
    random.Random(seed).shuffle(rest)
    for g in rest:
        # Fill test, then val, only while they are below target and only if no group was named for them.
        dest = "train"
        for n in ("test", "val"):
            if not any(v == n for v in named.values()) and size[n] < target[n]:
                dest = n
                break
        assign[g] = dest
        size[dest] += len(by_group[g])
    videos = {n: tuple(sorted(v for g, s in assign.items() if s == n for v in by_group[g])) for n in SPLIT_NAMES}
    groups = {n: tuple(sorted(g for g, s in assign.items() if s == n)) for n in SPLIT_NAMES}
    if not videos["train"]:
        raise SplitError("train split is empty")
    return Splits(videos, groups, dict(meta or {}, seed=seed, ratios=list(ratios)))


def sample_splits(video_ids: Iterable[str], rows: Mapping[str, SequenceInfo], every: int = 40,
                  meta: Optional[Mapping[str, object]] = None) -> Splits:
    """A split for a head that trains on every person (its evaluation is leave-persons-out cross-validation,
    not this split): of the sorted sequences, every `every`-th goes to val, every `every`-th from `every`/2 to
    test (a few held-out sequences of seen persons, for check windows), the rest to train."""
    if every < 2:
        raise ValueError(f"every must be at least 2, got {every}")
    ids = sorted(video_ids)
    part = {"val": ids[::every], "test": ids[every // 2::every]}
    taken = set(part["val"]) | set(part["test"])
    videos = {"train": tuple(v for v in ids if v not in taken), "val": tuple(part["val"]), "test": tuple(part["test"])}
    groups = {n: tuple(sorted({rows[v].group for v in vs})) for n, vs in videos.items()}
    return Splits(videos, groups, dict(meta or {}))


def read_group_map(path: str | Path, rows: Mapping[str, SequenceInfo]) -> dict[str, str]:
    """{video_id: group} from a CSV with columns `video_id,group` (written by `signstgcn.contributors`).
    Every mapped group must refine the video's own group (`<group>:<who>`), so a map cannot move a
    sequence into another source's group; an unknown video, a repeated one or a bad row names the line."""
    path = Path(path)
    try:
        with path.open("r", encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or not {"video_id", "group"} <= set(reader.fieldnames):
                raise SplitError(f"{path}: group map needs the columns video_id,group")
            out: dict[str, str] = {}
            for line, rec in enumerate(reader, start=2):
                vid, group = (rec.get("video_id") or "").strip(), (rec.get("group") or "").strip()
                if vid not in rows:
                    raise SplitError(f"{path}:{line}: video {vid!r} is not in the sequence table")
                if vid in out:
                    raise SplitError(f"{path}:{line}: video {vid!r} is mapped twice")
                own = rows[vid].group
                if not group.startswith(own + ":") or len(group) == len(own) + 1:
                    raise SplitError(f"{path}:{line}: group {group!r} does not refine {vid!r}'s group "
                                     f"{own!r} (expected '{own}:<name>')")
                out[vid] = group
    except FileNotFoundError:
        raise SplitError(f"{path}: group map not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SplitError(f"{path}: unreadable group map ({exc})") from None
    return out
