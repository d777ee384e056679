"""Write a group-level splits JSON.

  python -m signstgcn.build_splits --data ../shared/data -o splits.json \
      [--test-groups g1,g2] [--val-groups g3] [--ratios 0.8,0.1,0.1] [--seed 0] [--group-map map.csv] \
      [--language asl] [--glosses hello,thankyou] [--signing-only] [--min-frames 5] [--sample-every N]

--sample-every N splits by sequence, not by group: every person trains, every Nth sequence is val and every Nth
from N/2 is test (for a head evaluated by leave-persons-out cross-validation instead, e.g. signing-binary).
"""

from __future__ import annotations

import argparse
import sys

from .data import DataError
from .selection import SequenceFilter
from .sequences import read_sequences
from .splits import build_group_splits, read_group_map, sample_splits


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m signstgcn.build_splits", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--test-groups", default="")
    ap.add_argument("--val-groups", default="")
    ap.add_argument("--ratios", default="0.8,0.1,0.1")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--group-map", default=None,
                    help="CSV video_id,group: split these videos by a finer group (e.g. one person of a "
                         "several-person source; python -m signstgcn.contributors writes it)")
    ap.add_argument("--sample-every", type=int, default=0,
                    help="split by sequence: every Nth to val, every Nth from N/2 to test, all groups train")
    SequenceFilter.add_arguments(ap)
    args = ap.parse_args(argv)
    try:
        rows = read_sequences(args.data)
        selected = SequenceFilter.from_args(args).apply(rows.values())
        ratios = tuple(float(x) for x in args.ratios.split(","))
        if len(ratios) != 3:
            raise DataError(f"--ratios needs three numbers, got {args.ratios!r}")
        meta = {"data": str(args.data), "filter": SequenceFilter.from_args(args).describe()}
        group_map = None
        if args.group_map:
            group_map = read_group_map(args.group_map, rows)
            meta["group_map"] = str(args.group_map)
        if args.sample_every:
            meta["sample_every"] = args.sample_every
            splits = sample_splits([r.video_id for r in selected], rows, args.sample_every, meta)
        else:
            splits = build_group_splits(selected, test_groups=_names(args.test_groups),
                                        val_groups=_names(args.val_groups), ratios=ratios, seed=args.seed,
                                        meta=meta, group_map=group_map)
        splits.write(args.out, rows)
    except (DataError, ValueError) as exc:
        print(f"build_splits: {exc}", file=sys.stderr)
        return 2
    for name in ("train", "val", "test"):
        print(f"{name}: {len(splits.videos[name])} sequences, {len(splits.groups[name])} groups")
    return 0


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


if __name__ == "__main__":
    sys.exit(main())
