"""Train → export on a few synthetic files, then write PyTorch's logits for raw windows next to the head.

    python Training/tests/smoke_export_check.py OUT_DIR

Writes OUT_DIR/head.safetensors + head.manifest.json (a smoke run with zeroed joints, shoulder normalisation
and hands in their own frame, so the engine must apply the manifest's whole input rule) and OUT_DIR/check.safetensors
(`windows` (N, 25, 75, 2) raw with NaN, `logits` (N, 2) from the exported pair). Used by the Swift test
`TrainedHeadRoundTripTests`: the Swift engine loads the exported head and must give the same logits.
"""

import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from signstgcn.data import head_input, pose_stats  # noqa: E402
from signstgcn.export import load_pair  # noqa: E402
from signstgcn.train import parse_args, run  # noqa: E402
from synthetic_data import make_dataset  # noqa: E402


def main(out: Path) -> None:
    torch.manual_seed(0)
    data = make_dataset(out / "data", groups=4, per_class=2)
    run(parse_args(["--data", str(data), "--out", str(out / "run"), "--mode", "binary", "--signing-labels", "s",
                    "--epochs", "1", "--samples-per-epoch", "16", "--batch-size", "8", "--channels", "8,16,16",
                    "--gru-hidden", "16", "--use-pseudo-signers", "--num-signers", "2", "--max-files", "6",
                    "--zero-joints", "25-32", "--normalize-joints", "11,12", "--hand-local", "--threads", "1",
                    "--export", str(out / "head")]))
    model, manifest = load_pair(out / "head")
    rng = np.random.default_rng(7)
    raw = rng.uniform(0.1, 0.9, (4, 25, 75, 2)).astype(np.float32)
    raw[0, :, 33:54] = np.nan          # left hand missing throughout
    raw[1, 3:6, 12] = np.nan           # frames without a right shoulder: no body frame
    raw[2, :, 54:75] = np.inf          # non-finite values count as missing
    raw[3, 7:9, 54] = np.nan           # frames without the right wrist: no hand frame there
    raw[3, 10, 63] = raw[3, 10, 54]    # the knuckle on the wrist: no hand frame either
    x = np.stack([head_input(w, manifest.head_input) for w in raw])
    with torch.no_grad():
        logits = model.eval()(torch.from_numpy(x), torch.from_numpy(np.stack([pose_stats(w) for w in x])))["logits"]
    save_file({"windows": raw, "logits": logits.numpy().astype(np.float32)}, str(out / "check.safetensors"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
