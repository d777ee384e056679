"""Attribute a source group's sequences to the people who recorded them, from the source repository's history.

  python -m signstgcn.contributors --data ../shared/data --repo CLONE --group traduttore/traduttore-model \
      -o ../Models/splits/traduttore-contributors.csv

`sequences.csv` treats one source repository as one signer. Some repositories were recorded by several people,
each committing their own recordings (traduttore-model's collection script assigns each person a block of
sequence indices). For every sequence of `--group`, the commit that last wrote its source folder (`source_path`)
as of the commit the data was read from (`source_commit`) is found with `git log -1`, whose per-path history
simplification follows the side of a merge whose content survived; its author names the sub-group
`<group>:<author>`. The output (`video_id,group,commit`) is what `build_splits --group-map` reads. The commit
author stands in for the person recorded: an assumption the model cards state, as with one repository = one
person.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .data import DataError
from .sequences import read_sequences


@dataclass(frozen=True)
class Attribution:
    video_id: str
    group: str          # "<source group>:<author>"
    commit: str         # the commit that last wrote the sequence's folder


def attribute(data: str | Path, repo: str | Path, group: str) -> list[Attribution]:
    """One `Attribution` per sequence of `group` in `<data>/sequences.csv`, in table order."""
    table = Path(data) / "sequences.csv"
    rows = [r for r in read_sequences(data).values() if r.group == group]
    if not rows:
        raise DataError(f"{table}: no sequence of group {group!r}")
    out = []
    for r in rows:
        if not r.source_path or not r.source_commit:
            raise DataError(f"{table}: {r.video_id!r} has no source_path/source_commit")
        found = _git(repo, "log", "-1", "--format=%H%x09%an", r.source_commit, "--", r.source_path).strip()
        if not found:
            raise DataError(f"{repo}: no commit up to {r.source_commit[:12]} wrote {r.source_path!r} ({r.video_id})")
        sha, author = found.split("\t", 1)
        out.append(Attribution(r.video_id, f"{group}:{author}", sha))
    return out


def write_csv(path: str | Path, attributions: list[Attribution]) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["video_id", "group", "commit"])
        for a in attributions:
            w.writerow([a.video_id, a.group, a.commit])


def _git(repo: str | Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise DataError(f"git: {exc}") from None
    if done.returncode != 0:
        raise DataError(f"{repo}: git {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m signstgcn.contributors", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--repo", required=True, help="a clone of the source repository (with its history)")
    ap.add_argument("--group", required=True)
    ap.add_argument("-o", "--out", required=True)
    args = ap.parse_args(argv)
    try:
        found = attribute(args.data, args.repo, args.group)
        write_csv(args.out, found)
    except DataError as exc:
        print(f"contributors: {exc}", file=sys.stderr)
        return 2
    for g, n in sorted(Counter(a.group for a in found).items()):
        print(f"{g}: {n} sequences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
