import json

import numpy as np
import torch

from signstgcn.data import load_seed_npz, nan_to_zero, pose_stats_batch
from signstgcn.export import load_pair
from signstgcn.fixtures import WINDOW, forward
from signstgcn.seed_formats import CASES, build, build_model, derive_468


def _landmarks(path, frames=30, seed=0):
    """A landmark file with every part, a 478-point face and runs of missing hands (NaN)."""
    rng = np.random.default_rng(seed)
    arrays = {"pose": rng.uniform(0, 1, (frames, 33, 4)), "left_hand": rng.uniform(0, 1, (frames, 21, 3)),
              "right_hand": rng.uniform(0, 1, (frames, 21, 3)), "face": rng.uniform(0, 1, (frames, 478, 3))}
    arrays["left_hand"][3:9] = np.nan
    arrays["right_hand"][20:] = np.nan
    np.savez(path, **{k: v.astype(np.float32) for k, v in arrays.items()})
    return path


def test_every_case_imports_to_its_own_forward(tmp_path):
    """Each seed layout and save format imports; the imported pair gives the original model's logits bit for
    bit (same machine, same torch), and each layout flag left out is refused by name."""
    f478 = _landmarks(tmp_path / "clip.npz")
    files = [f478, derive_468(f478, tmp_path)]
    for case in CASES:
        summary = build(case, tmp_path / "out", files)
        expected = json.loads((tmp_path / "out" / case.name / "expected.json").read_text())
        assert summary["files"] == (["clip.npz", "clip_face468.npz"] if case.face_joints is None else
                                    ["clip.npz"] if case.face_joints == 478 else ["clip_face468.npz"])
        imported, manifest = load_pair(tmp_path / "out" / case.name / "head")
        assert manifest.layout == case.layout
        original = build_model(case)
        path = f478 if case.face_joints != 468 else files[1]
        seq = load_seed_npz(path, case.layout, case.coords)
        windows = np.stack([seq[s:s + WINDOW] for s in range(seq.shape[0] - WINDOW + 1)])
        x, stats = torch.from_numpy(nan_to_zero(windows)), torch.from_numpy(pose_stats_batch(windows))
        with torch.no_grad():
            assert torch.equal(imported(x, stats)["logits"], original(x, stats)["logits"]), case.name
        np.testing.assert_array_equal(np.array(expected["files"][path.name]["logits"], np.float32),
                                      forward(original, windows)["logits"])
        for flag, message in expected["refusals"].items():
            assert f"{flag} or --no-{flag[2:]}" in message, (case.name, flag, message)
