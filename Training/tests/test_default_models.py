"""The shipped default heads (Models/) load through the export path and reproduce their check logits."""

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from signstgcn.data import head_input, pose_stats
from signstgcn.export import load_pair

MODELS = Path(__file__).resolve().parents[2] / "Models"
NAMES = ("signing-binary", "asl-signs")


@pytest.mark.parametrize("name", NAMES)
def test_default_model_reproduces_check_logits(name):
    model, manifest = load_pair(MODELS / name)
    assert manifest.config.num_joints == 75 and manifest.coords == ("x", "y")
    check = load_file(str(MODELS / f"{name}.check.safetensors"))
    raw = check["windows"]
    assert raw.shape[1:] == (25, 75, 2) and check["logits"].shape == (raw.shape[0], manifest.config.num_classes)
    # The manifest's input rule is the reader's job, as in the Swift engine.
    x = np.stack([head_input(w, manifest.head_input) for w in raw])
    st = np.stack([pose_stats(w) for w in x])
    with torch.no_grad():
        got = model(torch.from_numpy(x), torch.from_numpy(st))["logits"].numpy()
    np.testing.assert_allclose(got, check["logits"], atol=1e-5, rtol=0)
