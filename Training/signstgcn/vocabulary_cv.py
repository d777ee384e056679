"""How large a vocabulary the data supports: the sign classifier's recipe on every gloss of one many-signer
group, held out by source clip, and the same head tried on other people's recordings of its glosses.

  python -m signstgcn.vocabulary_cv --data ../shared/data --out report.json \
      [--group Adarsha16/ASL_tester] [--min-clips 6] [--folds 4] [--epochs N] [--samples-per-epoch N] \
      [--recipe-args "--channels 32,64,64 …"]

Why this shape (Models/asl-signs.md, "Vocabulary threshold"): apart from hello / thank you / I love you, every
ASL gloss of `../shared/data` comes from one or two groups, most from Adarsha16, which stores WLASL dictionary
clips of many signers as one group. Such a gloss cannot be held out by person, so:

* **held out by clip**: the group's sequences are linked into source clips (two sequences of one gloss closer
  than `--copy-distance` are copies of one clip: `link_copies`), a gloss is in the vocabulary when it has at
  least `--min-clips` clips, and K folds hold out about 1/K of every gloss's clips (`assign_folds`); the
  recipe (recipes.ASL_SIGNS, no background class) trains on the rest and answers each held-out sequence as
  the daemon's segment summary would (the best of the mean window probabilities, open_set.score); a
  linear reference (`linear_answers` on `sequence_features`) is fitted and tested on the same folds;
* **on other people**: the recipe trained on all of the group's clips answers every sequence of the other
  groups that recorded one of its glosses (the only test on people none of its clips show).

The held-out fold is passed as validation for the log only: each fold ships its last epoch (`--best-metric
last`), so nothing is chosen on it; the shipped head picks its epoch on validation groups it has, which these
folds do not.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np
import torch

from . import recipes, train
from .clip_geometry import LEFT, RIGHT, SHOULDERS, hand_shape, load_clip, shoulder_width
from .data import DataError
from .export import load_pair
from .linear import fit_logistic
from .open_set import score
from .sequences import SequenceInfo, read_sequences
from .splits import Splits
from .windows import SequenceStore

DEFAULT_GROUP = "Adarsha16/ASL_tester"
# Copies of one clip (the source's time-warped fills were dropped, data README) still appear as sequences whose
# arm and hand tracks differ by under 0.01 of the image on average. On Adarsha16 (the report's copy_distances,
# every gloss of the group) the pairs linked at 0.02 lie at 0.0008, 0.0024, 0.014 and 0.018, and the nearest
# sequence of the same gloss in another clip at 0.0215 at the least, 0.028 at the 1st percentile and 0.065 at
# the median. Only the two pairs under 0.003 are certain copies; the gap above the other two is narrow, and
# the tracks cannot tell a near copy from two takes by one signer, so those stay in one fold too (the cautious
# side).
COPY_DISTANCE = 0.02
TRACK_JOINTS = [11, 12, 13, 14, 15, 16, *range(LEFT.start, RIGHT.stop)]
TRACK_FRAMES = 20


class VocabularyError(DataError):
    """A selection the cross-validation cannot run on (unknown group, too few clips)."""


def track(seq: np.ndarray) -> np.ndarray:
    """Shoulders, elbows, wrists and both hands (x, y) of a clip (load_clip), resampled to TRACK_FRAMES frames:
    what a copy shares."""
    x = seq[:, TRACK_JOINTS]
    return x[np.linspace(0, len(x) - 1, TRACK_FRAMES).round().astype(int)]


def track_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference over the coordinates both tracks have (a hand missing in one is skipped)."""
    both = ~(np.isnan(a) | np.isnan(b))
    return float(np.abs(a - b)[both].mean()) if both.sum() >= 2 * TRACK_FRAMES else float("inf")


def pair_distances(tracks: dict[str, np.ndarray], gloss_of: dict[str, str]) -> dict[tuple[str, str], float]:
    """track_distance of every pair of sequences of one gloss, keyed (a, b) with a < b."""
    by_gloss: dict[str, list[str]] = defaultdict(list)
    for v in sorted(tracks):
        by_gloss[gloss_of[v]].append(v)
    return {(a, b): track_distance(tracks[a], tracks[b])
            for vids in by_gloss.values() for i, a in enumerate(vids) for b in vids[i + 1:]}


def link_copies(pairs: dict[tuple[str, str], float], ids: Iterable[str], distance: float) -> dict[str, str]:
    """Each sequence → its clip (the first video id of its linked set, in sorted order): sequences of one gloss
    (`pairs`, from pair_distances) whose tracks are closer than `distance`, transitively."""
    parent = {v: v for v in ids}

    def root(v: str) -> str:
        while parent[v] != v:
            v = parent[v]
        return v

    for (a, b), d in sorted(pairs.items()):
        if d < distance:
            ra, rb = root(a), root(b)
            parent[max(ra, rb)] = min(ra, rb)
    return {v: root(v) for v in parent}


def copy_distances(pairs: dict[tuple[str, str], float], clip_of: dict[str, str]) -> dict:
    """What the copy threshold separates: the distances of the linked pairs, and for every sequence the
    distance to the nearest sequence of its gloss in another clip (percentiles)."""
    linked = sorted(d for (a, b), d in pairs.items() if clip_of[a] == clip_of[b])
    nearest: dict[str, float] = {}
    for (a, b), d in pairs.items():
        if clip_of[a] != clip_of[b] and np.isfinite(d):
            nearest[a], nearest[b] = min(nearest.get(a, d), d), min(nearest.get(b, d), d)
    other = np.array(sorted(nearest.values()))
    return {"linked": [round(d, 4) for d in linked],
            "nearest_other_clip": {f"p{q}": round(float(np.percentile(other, q)), 4) for q in (0, 1, 5, 50)}
            if len(other) else {}}


def assign_folds(clip_of: dict[str, str], gloss_of: dict[str, str], k: int, seed: int) -> dict[str, int]:
    """Each clip → a fold. Within a gloss the clips are shuffled and dealt round-robin from a rotating start,
    so every gloss is spread over the folds and the folds stay about equal in size."""
    rng = np.random.default_rng(seed)
    clips_of_gloss: dict[str, list[str]] = defaultdict(list)
    for clip in sorted(set(clip_of.values())):
        clips_of_gloss[gloss_of[clip]].append(clip)
    fold, start = {}, 0
    for gloss in sorted(clips_of_gloss):
        clips = clips_of_gloss[gloss]
        for i in rng.permutation(len(clips)):
            fold[clips[i]] = start % k
            start += 1
    return fold


@dataclass(frozen=True)
class Answers:
    """Per held-out sequence: its gloss and the head's answer."""
    truth: list[str]
    answer: list[str]
    groups: list[str]

    def right(self) -> float:
        return float(np.mean([t == a for t, a in zip(self.truth, self.answer)])) if self.truth else float("nan")

    def per_gloss(self) -> dict[str, dict]:
        out = {}
        for g in sorted(set(self.truth)):
            idx = [i for i, t in enumerate(self.truth) if t == g]
            answers = Counter(self.answer[i] for i in idx)
            out[g] = {"sequences": len(idx), "right": answers[g] / len(idx),
                      "answers": dict(answers.most_common(3))}
        return out

    def confusions(self, top: int = 10) -> list[list]:
        pairs = Counter((t, a) for t, a in zip(self.truth, self.answer) if t != a)
        return [[t, a, n] for (t, a), n in pairs.most_common(top)]


def train_head(data: Path, rows: dict[str, SequenceInfo], vocab: Sequence[str], train_ids: Sequence[str],
               log_ids: Sequence[str], workdir: Path, name: str, extra: Sequence[str]) -> Path:
    """The sign classifier's recipe trained on `train_ids` alone, its last epoch exported."""
    split = workdir / f"{name}.json"
    Splits({"train": tuple(sorted(train_ids)), "val": tuple(sorted(log_ids))},
           {"train": (), "val": ()}, {"vocabulary_cv": name}).write(split, rows)
    stem = workdir / name / "head"
    argv = ["--data", str(data), "--out", str(workdir / name), "--splits", str(split), *recipes.ASL_SIGNS,
            "--glosses", ",".join(vocab), *extra, "--best-metric", "last", "--export", str(stem)]
    if train.main(argv) != 0:
        raise VocabularyError(f"training {name} failed")
    return stem


def answers(stem: Path, data: Path, rows: dict[str, SequenceInfo], videos: Sequence[str]) -> Answers:
    model, manifest = load_pair(stem)
    labels = list(manifest.labels.labels)
    store = SequenceStore(data, manifest.layout, len(manifest.coords), manifest.window, pad_short=True)
    truth = {v: labels.index(rows[v].gloss) for v in videos}
    scored = score(model, manifest, store, list(videos), truth, rows)
    return Answers([rows[v].gloss for v in videos], [labels[i] for i in scored.seq_pred],
                   [rows[v].group for v in videos])


def sequence_features(seq: np.ndarray, frames: int = 10) -> np.ndarray:
    """The linear reference's input from a clip (load_clip): each hand's shape around its wrist (hand_shape),
    both elbows and wrists and each hand's wrist in shoulder widths from the shoulders' midpoint, at `frames`
    evenly spaced frames, plus their mean and spread over the sequence (a missing hand or joint is 0)."""
    width = shoulder_width(seq)[:, None, None]
    mid = (seq[:, SHOULDERS[0]] + seq[:, SHOULDERS[1]])[:, None] / 2
    parts = [((seq[:, [13, 14, 15, 16]] - mid) / width).reshape(len(seq), -1)]
    for hand in (seq[:, LEFT], seq[:, RIGHT]):
        parts += [hand_shape(hand, mirror=False)[0], ((hand[:, :1] - mid) / width).reshape(len(seq), -1)]
    f = np.nan_to_num(np.concatenate(parts, 1), nan=0.0)
    picked = f[np.linspace(0, len(f) - 1, frames).round().astype(int)]
    return np.concatenate([picked.ravel(), f.mean(0), f.std(0)]).astype(np.float32)


def linear_answers(x_train: np.ndarray, y_train: Sequence[str], x_test: np.ndarray, l2: float = 1e-2) -> list[str]:
    """Multinomial logistic regression (linear.fit_logistic): the reference every fold's head is compared with
    in the same run."""
    labels = sorted(set(y_train))
    model = fit_logistic(x_train, np.array([labels.index(y) for y in y_train]), l2=l2, classes=len(labels),
                         max_iter=300)
    pred = model.predict(x_test)
    return [labels[i] for i in (pred.argmax(1) if pred.ndim == 2 else (pred > 0.5).astype(int))]


def _summary(per_fold: Sequence[Answers], sizes: Sequence[dict]) -> dict:
    pooled = Answers([t for a in per_fold for t in a.truth], [x for a in per_fold for x in a.answer],
                     [g for a in per_fold for g in a.groups])
    folds = [{**size, "right": a.right()} for a, size in zip(per_fold, sizes)]
    return {"folds": folds, "pooled_right": pooled.right(), "worst_fold": min(f["right"] for f in folds),
            "per_gloss": pooled.per_gloss(), "confusions": pooled.confusions()}


def run(args: argparse.Namespace) -> dict:
    data = Path(args.data)
    rows = read_sequences(data)
    mine = {v: r for v, r in rows.items() if r.group == args.group and r.signing and r.frames >= 5}
    if not mine:
        raise VocabularyError(f"--group {args.group!r}: no signing sequence of ≥ 5 frames in {data}")
    gloss_of = {v: r.gloss for v, r in mine.items()}
    seqs = {v: load_clip(data, v) for v in mine}
    pairs = pair_distances({v: track(s) for v, s in seqs.items()}, gloss_of)
    clip_of = link_copies(pairs, seqs, args.copy_distance)
    clips = Counter(gloss_of[c] for c in set(clip_of.values()))
    vocab = sorted(g for g, n in clips.items() if n >= args.min_clips)
    if len(vocab) < 2:
        raise VocabularyError(f"--min-clips {args.min_clips}: {len(vocab)} gloss(es) of {args.group} qualify")
    ids = sorted(v for v in mine if gloss_of[v] in vocab)
    fold_of_clip = assign_folds({v: clip_of[v] for v in ids}, gloss_of, args.folds, args.seed)
    fold_of = {v: fold_of_clip[clip_of[v]] for v in ids}
    # Shorter runs for a quick look, or a variant measured before it becomes the recipe (train's options: the
    # last occurrence wins); by default the folds train exactly the shipped recipe.
    extra = [flag for name, value in (("--epochs", args.epochs), ("--samples-per-epoch", args.samples_per_epoch),
                                      ("--threads", args.threads)) if value is not None for flag in (name, str(value))]
    extra += args.recipe_args.split()
    workdir = Path(args.workdir)
    others = sorted(v for v, r in rows.items() if r.group != args.group and r.signing and r.frames >= 5
                    and r.gloss in vocab and r.language == rows[ids[0]].language)
    feats = {v: sequence_features(seqs[v] if v in seqs else load_clip(data, v)) for v in ids + others}

    def linear(train_ids: Sequence[str], test_ids: Sequence[str]) -> Answers:
        answer = linear_answers(np.stack([feats[v] for v in train_ids]), [rows[v].gloss for v in train_ids],
                                np.stack([feats[v] for v in test_ids]))
        return Answers([rows[v].gloss for v in test_ids], answer, [rows[v].group for v in test_ids])

    heads, references, sizes = [], [], []
    for k in range(args.folds):
        held = [v for v in ids if fold_of[v] == k]
        kept = [v for v in ids if fold_of[v] != k]
        stem = train_head(data, rows, vocab, kept, held, workdir, f"fold{k}", extra)
        heads.append(answers(stem, data, rows, held))
        references.append(linear(kept, held))
        sizes.append({"fold": k, "sequences": len(held), "clips": len({clip_of[v] for v in held})})
        print(f"fold {k}: {heads[-1].right():.3f} of {len(held)} held-out sequences right "
              f"(linear reference {references[-1].right():.3f})", flush=True)
    report = {"group": args.group, "min_clips": args.min_clips, "copy_distance": args.copy_distance,
              "recipe": " ".join([*recipes.ASL_SIGNS, *extra, "--best-metric", "last"]),
              "sequences": len(ids), "clips": len({clip_of[v] for v in ids}),
              "copies_linked": len(ids) - len({clip_of[v] for v in ids}),
              "copy_distances": copy_distances(pairs, clip_of),
              "vocabulary": vocab, "chance": 1 / len(vocab),
              "head": _summary(heads, sizes), "linear": _summary(references, sizes)}
    if others and not args.no_other_groups:
        stem = train_head(data, rows, vocab, ids, others, workdir, "all", extra)
        report["other_groups"] = {"sequences": len(others), "groups": sorted({rows[v].group for v in others})}
        for name, a in (("head", answers(stem, data, rows, others)), ("linear", linear(ids, others))):
            report["other_groups"][name] = {"right": a.right(), "per_gloss": a.per_gloss()}
    return report


def format_report(rep: dict) -> str:
    lines = [f"{rep['group']}: {len(rep['vocabulary'])} glosses with >= {rep['min_clips']} clips, "
             f"{rep['sequences']} sequences, {rep['clips']} clips ({rep['copies_linked']} copies linked); "
             f"chance {rep['chance']:.3f}"]
    cd = rep["copy_distances"]
    lines.append(f"copy distance {rep['copy_distance']}: linked pairs at {', '.join(f'{d:.4f}' for d in cd['linked'])}; "
                 "nearest sequence of the same gloss in another clip at "
                 + ", ".join(f"{q} {d:.4f}" for q, d in cd["nearest_other_clip"].items()))
    for name, title in (("head", "the sign classifier's recipe"), ("linear", "linear reference")):
        r = rep[name]
        lines.append(f"{title}, held out by clip (segment top-1):")
        lines += [f"  fold {f['fold']}: {f['right']:.3f} of {f['sequences']} sequences ({f['clips']} clips)"
                  for f in r["folds"]]
        lines.append(f"  pooled {r['pooled_right']:.3f}, worst fold {r['worst_fold']:.3f}")
        recall = sorted(r["per_gloss"].items(), key=lambda kv: kv[1]["right"])
        lines.append("  per gloss, worst first: " + ", ".join(f"{g} {p['right']:.2f} ({p['sequences']})"
                                                            for g, p in recall))
        lines.append("  most frequent confusions: " + ", ".join(f"{t}→{a} {n}" for t, a, n in r["confusions"]))
    other = rep.get("other_groups")
    if other:
        lines.append(f"other people's recordings of these glosses ({', '.join(other['groups'])}; "
                     f"{other['sequences']} sequences), trained on every clip:")
        for name in ("head", "linear"):
            lines.append(f"  {name}: {other[name]['right']:.3f} right; " + "; ".join(
                f"{g} {p['right']:.2f} of {p['sequences']} {p['answers']}"
                for g, p in other[name]["per_gloss"].items()))
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m signstgcn.vocabulary_cv", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True, help="report JSON")
    ap.add_argument("--workdir", default=None, help="fold splits and heads (default: next to --out)")
    ap.add_argument("--group", default=DEFAULT_GROUP)
    ap.add_argument("--min-clips", type=int, default=6)
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--copy-distance", type=float, default=COPY_DISTANCE)
    ap.add_argument("--epochs", type=int, default=None, help="instead of the recipe's")
    ap.add_argument("--samples-per-epoch", type=int, default=None, help="instead of the recipe's")
    ap.add_argument("--threads", type=int, default=None, help="instead of the recipe's")
    ap.add_argument("--recipe-args", default="", help="training arguments added after the recipe's (a variant)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-other-groups", action="store_true", help="skip the head trained on every clip")
    args = ap.parse_args(argv)
    if args.folds < 2 or args.min_clips < args.folds:
        ap.error(f"--folds must be ≥ 2 and ≤ --min-clips (every gloss needs a clip in every fold), got "
                 f"--folds {args.folds} --min-clips {args.min_clips}")
    args.workdir = args.workdir or str(Path(args.out).with_suffix("")) + "-work"
    torch.set_num_threads(args.threads or 2)
    try:
        rep = run(args)
    except DataError as exc:
        print(f"vocabulary_cv: {exc}", file=sys.stderr)
        return 2
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(rep, indent=1) + "\n", encoding="utf-8")
    print(format_report(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
