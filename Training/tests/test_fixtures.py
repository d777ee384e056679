"""The committed parity fixtures: consistent with the model code, with the spec (NumPy reference) and
reproducible by the generator."""

import json

import numpy as np
import pytest
from safetensors.numpy import load_file

from conftest import DATA, FIXTURES
from numpy_reference import reference_forward
from signstgcn import fixtures as fx
from signstgcn.data import chain_adjacency, nan_to_zero, pose_stats_batch
from signstgcn.export import load_pair

CASES = [c.name for c in fx.CASES]


def _load(case):
    return load_file(str(FIXTURES / case / "expected.safetensors"))


@pytest.mark.parametrize("case", CASES)
def test_committed_outputs_equal_fresh_forward(case):
    exp = _load(case)
    model, manifest = load_pair(FIXTURES / case / "model")
    spec = next(c for c in fx.CASES if c.name == case)
    cfg = model.config
    assert cfg.use_film_attention == spec.film and cfg.num_classes == spec.num_classes
    assert cfg.in_channels == spec.coords and cfg.num_joints == (553 if spec.include_face else 75)
    w = exp["windows"]
    assert w.shape == (6, 25, cfg.num_joints, cfg.in_channels)
    assert np.isnan(w[1]).any() and np.isinf(w[2]).any() and np.isnan(w[3:]).any()   # inputs stay raw
    np.testing.assert_array_equal(exp["pose_stats"], pose_stats_batch(w))
    fresh = fx.forward(model, w)
    for key in ("H", "H_att", "Z", "logits"):
        np.testing.assert_allclose(fresh[key], exp[key], atol=1e-6, rtol=0, err_msg=key)
    assert exp["sequence"].shape == (40, cfg.num_joints, cfg.in_channels) and np.isnan(exp["sequence"]).any()
    assert exp["sequence_logits"].shape == (16, cfg.num_classes)
    # J = 553 makes the dense graph step costly; a few windows of the sequence keep the suite fast
    starts = range(16) if cfg.num_joints <= 75 else (0, 7, 15)
    seq = exp["sequence"]
    got = fx.forward(model, np.stack([seq[s:s + 25] for s in starts]))["logits"]
    # a smaller batch changes the BLAS blocking, hence float32 rounding (≈ 3e-6 seen on J = 553)
    tol = 1e-6 if len(starts) == 16 else 1e-5
    np.testing.assert_allclose(got, exp["sequence_logits"][list(starts)], atol=tol, rtol=0)
    # the logits must depend on the input, or a wrong port could pass a 1e-4 comparison
    assert exp["logits"].std(axis=0).mean() > 0.05


@pytest.mark.parametrize("case", CASES)
def test_committed_outputs_match_numpy_reference(case):
    exp = _load(case)
    sd = load_file(str(FIXTURES / case / "model.safetensors"))
    man = json.loads((FIXTURES / case / "model.manifest.json").read_text())
    a = chain_adjacency(man["num_joints"])
    # NaN hand, ±inf, a real window (only the NaN-hand window for J = 553: float64 dense A is slow)
    for b in ((1, 2, 4) if man["num_joints"] <= 75 else (1,)):
        ref = reference_forward(nan_to_zero(exp["windows"][b]), exp["pose_stats"][b], a, sd,
                                man["attention"] == "film")
        for key in ("H", "H_att", "Z", "logits"):
            np.testing.assert_allclose(exp[key][b], ref[key], atol=1e-4, rtol=0, err_msg=f"{case} {key} {b}")


def test_adjacency_fixture():
    a = load_file(str(FIXTURES / "adjacency_j75.safetensors"))["A"]
    np.testing.assert_array_equal(a, chain_adjacency(75))


@pytest.mark.skipif(not DATA.is_dir(), reason=f"{DATA} (real windows) not available")
def test_fixture_regenerates_bit_identically(tmp_path):
    case = fx.CASES[0]
    fx.build_case(case, tmp_path, DATA)
    for name in ("model.safetensors", "model.manifest.json"):
        assert (tmp_path / case.name / name).read_bytes() == (FIXTURES / case.name / name).read_bytes(), name
    new, old = load_file(str(tmp_path / case.name / "expected.safetensors")), _load(case.name)
    assert new.keys() == old.keys()
    for key in ("windows", "sequence", "pose_stats"):
        np.testing.assert_array_equal(new[key], old[key])
    for key in ("H", "H_att", "Z", "logits", "sequence_logits"):
        np.testing.assert_allclose(new[key], old[key], atol=1e-6, rtol=0)
