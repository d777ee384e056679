"""The detector evaluation's building blocks: folds by person, the padding arithmetic, the features'
mirror invariance, and the session layout."""

import numpy as np

from signstgcn import detector_cv as cv
from signstgcn.detector_cv import Clip


def _clips():
    out = []
    for i in range(12):
        out += [Clip(f"s{i}__hello__{j}", f"signer{i}", f"signer{i}", True, "signing", "hello") for j in range(3 + i % 4)]
    for i in range(6):
        out += [Clip(f"g{i}__gesture:ok__{j}", f"gest{i}", f"gest{i}", False, "gesture", "gesture:ok") for j in range(2 + i)]
        out += [Clip(f"e{i}__action:eat__{j}", f"act{i}", f"act{i}", False, "everyday", "action:eat") for j in range(4)]
    out += [Clip(f"i{i}__-__0", f"idle{i}", f"idle{i}", False, "idle", "-") for i in range(3)]
    return out


def test_folds_hold_out_every_person_once_and_mix_categories():
    clips = _clips()
    folds = cv.assign_folds(clips, 5)
    assert set(folds) == {c.person for c in clips}
    assert set(folds.values()) == set(range(5))
    for f in range(5):
        held = [c for c in clips if folds[c.person] == f]
        assert any(c.signing for c in held)
        assert any(c.activity == "gesture" for c in held) and any(c.activity == "everyday" for c in held)


def test_real_frames_in_window():
    # A 10-frame clip: padded frames 24..33 are real; the window ending at 24 holds one real frame.
    assert cv._real_in_window(24, 10) == 1
    assert cv._real_in_window(33, 10) == 10
    assert cv._real_in_window(45, 10) == 10 and cv._real_in_window(58, 10) == 0
    assert cv.padded(np.zeros((10, 75, 2), np.float32)).shape[0] == 10 + cv.LEAD + cv.TAIL


def test_shape_features_are_mirror_invariant():
    rng = np.random.default_rng(3)
    t = 40
    seq = rng.uniform(0.2, 0.8, size=(t, 75, 2)).astype(np.float32)
    seq[:, cv.LEFT] = seq[:1, cv.LEFT] + np.cumsum(rng.normal(0, 0.01, (t, 21, 2)), 0)
    seq[5:12, cv.RIGHT] = np.nan                      # a hand lost for a while
    mirrored = seq.copy()
    mirrored[..., 0] = 1.0 - seq[..., 0]
    mirrored[:, cv.LEFT], mirrored[:, cv.RIGHT] = seq[:, cv.RIGHT].copy(), seq[:, cv.LEFT].copy()
    mirrored[:, cv.LEFT, 0] = 1.0 - seq[:, cv.RIGHT, 0]
    mirrored[:, cv.RIGHT, 0] = 1.0 - seq[:, cv.LEFT, 0]
    mirrored[:, cv.POSE, 0] = 1.0 - seq[:, cv.POSE, 0]
    a, b = cv.shape_windows(seq), cv.shape_windows(mirrored)
    np.testing.assert_allclose(a, b, atol=1e-4)
    # the speed baseline is not: it keeps the hands' identity
    assert not np.allclose(cv.speed_windows(seq)[:, -2:], cv.speed_windows(mirrored)[:, -2:])


def test_session_layout_and_rests():
    clips = [Clip(f"v__x__{i}", "p", "p", i % 2 == 0, "signing" if i % 2 == 0 else "gesture", "x") for i in range(4)]
    seqs = {c.video_id: np.full((10 + i, 75, 2), float(i), np.float32) for i, c in enumerate(clips)}
    s = cv.build_session("p", clips, seqs, seed=1)
    assert len(s.frames) == cv.LEAD + sum(len(v) for v in seqs.values()) + cv.REST * len(clips)
    for c, a, b in s.spans:
        assert b - a + 1 == len(seqs[c.video_id])
        assert np.all(s.frames[a:b + 1] == seqs[c.video_id])
        assert np.all(s.frames[b + 1:b + 1 + cv.REST] == seqs[c.video_id][-1])


def test_logistic_model_learns_a_separable_rule():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    m = cv.fit_logistic(x, y, np.ones(len(y)))
    assert np.mean((m.predict(x) > 0.5) == y) > 0.95
