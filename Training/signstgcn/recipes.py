"""Training recipes shared by the shipped heads and their cross-validation, so that what is evaluated per fold
is exactly what is shipped. `python -m signstgcn.recipes NAME` prints one as shell words."""

from __future__ import annotations

import sys

# The signing detector (Models/signing-binary). Decided before its leave-persons-out run
# (docs/detector-evaluation.md): hard negatives from every hands-visible non-signing person (½·0.7 of the
# mass), every person weighing the same within a stratum, half the windows mirrored, the signer-adversarial
# head on the real person ids, only posture that says where the hands are (shoulders, elbows, wrists, nose;
# the face outline, hips and legs zeroed: they encode each source's camera), a small backbone (133 k
# parameters: 2,048 × 10 windows cannot feed 1.1 M).
SIGNING_BINARY = (
    "--mode", "binary", "--signing-labels", "s", "--epochs", "10", "--samples-per-epoch", "2048",
    "--batch-size", "32", "--channels", "32,64,64", "--gru-hidden", "64",
    "--zero-joints", "1-10,17-32", "--normalize-joints", "11,12", "--hard-negative-share", "0.7",
    "--balance", "persons", "--mirror-p", "0.5", "--group-signers", "--adv-weight", "0.1",
    "--supcon-weight", "0.05", "--label-smoothing", "0.05", "--eval-max-windows", "2", "--best-metric", "last",
    "--seed", "0", "--threads", "2",
)

# The sign classifier (Models/asl-signs) without its data selection (vocabulary, splits, background class),
# which the caller adds: Benchmarks/train-default-models.sh for the shipped head, signstgcn.vocabulary_cv for
# larger vocabularies held out by clip. Picked by validation balanced accuracy (Models/asl-signs.md).
ASL_SIGNS = (
    "--mode", "multiclass", "--signing-labels", "s", "--no-shortcut-augment", "--epochs", "20",
    "--samples-per-epoch", "1024", "--batch-size", "32", "--label-smoothing", "0.1", "--mixup-alpha", "0.4",
    "--mixup-prob", "0.2", "--supcon-weight", "0.05", "--eval-max-windows", "2", "--best-metric", "balanced_acc",
    "--seed", "0", "--threads", "2", "--normalize-joints", "11,12", "--zero-joints", "25-32", "--hand-local",
)

RECIPES = {"signing-binary": SIGNING_BINARY, "asl-signs": ASL_SIGNS}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in RECIPES:
        print(f"usage: python -m signstgcn.recipes {{{'|'.join(RECIPES)}}}", file=sys.stderr)
        return 2
    print(" ".join(RECIPES[argv[0]]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
