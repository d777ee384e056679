import numpy as np
import pytest

from signstgcn.data import (DataError, HandFrame, HeadInput, JointLayout, binary_label, chain_adjacency, hand_frames,
                            iter_windows, load_seed_npz, nan_to_zero, parse_signing_labels, pose_stats,
                            read_groundtruth, window_label, window_starts)


def test_chain_adjacency_values_j75():
    a = chain_adjacency(75)
    assert a.dtype == np.float32 and a.shape == (75, 75)
    assert a[0, 0] == np.float32(0.49999973) and a[74, 74] == np.float32(0.49999973)
    assert a[0, 1] == np.float32(0.40824810) and a[73, 74] == np.float32(0.40824810)
    assert a[1, 0] == a[0, 1]
    assert a[10, 10] == np.float32(0.33333319) and a[10, 11] == np.float32(0.33333319)
    assert np.count_nonzero(a) == 75 + 2 * 74                      # tri-diagonal
    np.testing.assert_array_equal(a, a.T)
    rows = a.sum(axis=1)
    assert rows[0] == pytest.approx(0.90825, abs=1e-5) and rows[1] == pytest.approx(1.07491, abs=1e-5)
    assert rows[37] == pytest.approx(1.0, abs=1e-6)


def test_nan_and_inf_become_zero():
    x = np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32)
    np.testing.assert_array_equal(nan_to_zero(x), [0, 0, 0, 1.5])


def test_pose_stats_definition():
    rng = np.random.default_rng(0)
    w = rng.uniform(0, 1, (25, 75, 2)).astype(np.float32)
    w[:, 33:54] = np.nan                                             # a missing hand counts as 0.0
    w[3, 0, 0] = np.inf
    z = np.nan_to_num(w.astype(np.float64), nan=0, posinf=0, neginf=0).reshape(-1, 2)
    want = np.concatenate([z.mean(0), z.std(0) + 1e-6])
    got = pose_stats(w)
    assert got.dtype == np.float32 and got.shape == (4,)
    np.testing.assert_allclose(got, want, atol=1e-7, rtol=1e-7)
    assert pose_stats(np.zeros((25, 75, 3), np.float32)).tolist() == pytest.approx([0, 0, 0, 1e-6, 1e-6, 1e-6])


def test_windows_stride_and_no_partial():
    assert list(window_starts(30)) == [0, 1, 2, 3, 4, 5]
    assert list(window_starts(24)) == []
    assert list(window_starts(25)) == [0]
    assert list(window_starts(60, stride=10)) == [0, 10, 20, 30]
    seq = np.full((26, 75, 2), np.nan, np.float32)
    wins = list(iter_windows(seq))
    assert [s for s, _ in wins] == [0, 1] and all(np.all(w == 0) for _, w in wins)


def test_window_label_majority_ties_and_unknown():
    labels = {0: "S", 1: "S", 2: "n", 30: "P"}
    assert window_label(labels, 0) == "S"
    assert window_label({0: "S", 5: "n"}, 0) == "S"                # S/n tie → S (byte order)
    assert window_label({0: "n", 5: "s"}, 0) == "n"                # n < s
    assert window_label({0: "s", 5: "P"}, 0) == "P"                # upper case sorts first
    assert window_label({0: "n", 1: "n", 2: "S"}, 0) == "n"        # plain majority
    assert window_label({0: "S", 24: "n", 25: "n", 26: "n"}, 0) == "S"   # frame 25+ is outside [0, 25)
    assert window_label({30: "S"}, 0) == "unknown"
    assert window_label({}, 3) == "unknown"


def test_binary_labels():
    default = parse_signing_labels("sign,signing,gesture")
    assert binary_label("S", default) == 0 and binary_label("s", default) == 0   # the seed's default trap
    ours = parse_signing_labels(" S ,")
    assert ours == frozenset({"s"})
    assert binary_label("S", ours) == 1 and binary_label("s", ours) == 1
    assert binary_label("n", ours) == 0 and binary_label("unknown", ours) == 0 and binary_label("P", ours) == 0
    with pytest.raises(DataError):
        parse_signing_labels(" , ")


def test_read_groundtruth_rules(tmp_path):
    (tmp_path / "groundtruth").write_text("v1 0 S\nv1 1\nv1 x n\nv1 2 n extra\nv2 5 P\nv1 0 n\n")
    gt = read_groundtruth(tmp_path)                                # falls back to `groundtruth`
    assert gt == {"v1": {0: "n", 2: "n"}, "v2": {5: "P"}}
    (tmp_path / "groundtruth.txt").write_text("v3 1 s\n")
    assert read_groundtruth(tmp_path) == {"v3": {1: "s"}}          # .txt wins
    with pytest.raises(DataError, match="no groundtruth"):
        read_groundtruth(tmp_path / "missing")


def _write_npz(path, t=30, **parts):
    np.savez(path, **parts)
    return path


def test_load_seed_npz_channels_padding_and_missing_parts(tmp_path):
    t = 30
    pose = np.random.default_rng(1).uniform(0, 1, (t, 33, 4)).astype(np.float32)
    left = np.random.default_rng(2).uniform(0, 1, (t, 21, 3)).astype(np.float32)
    p = _write_npz(tmp_path / "vid.npz", pose=pose, left_hand=left)
    seq = load_seed_npz(p, JointLayout.seed(), coords=2)
    assert seq.shape == (t, 75, 2) and seq.dtype == np.float32
    np.testing.assert_array_equal(seq[:, :33], pose[:, :, :2])
    np.testing.assert_array_equal(seq[:, 33:54], left[:, :, :2])
    assert np.isnan(seq[:, 54:]).all()                             # right hand absent → NaN
    face = load_seed_npz(p, JointLayout.seed(include_face=True), coords=4)
    assert face.shape == (t, 553, 4)
    assert np.all(face[:, 33:54, 3] == 0)                          # 3-channel hand zero-padded to C = 4
    assert np.isnan(face[:, 75:]).all()


def test_load_seed_npz_errors(tmp_path):
    bad_len = _write_npz(tmp_path / "a.npz", pose=np.zeros((30, 33, 4)), left_hand=np.zeros((29, 21, 3)))
    with pytest.raises(DataError, match="different lengths"):
        load_seed_npz(bad_len, JointLayout.seed())
    bad_joints = _write_npz(tmp_path / "b.npz", pose=np.zeros((30, 32, 4)))
    with pytest.raises(DataError, match=r"b\.npz: 'pose' must have shape"):
        load_seed_npz(bad_joints, JointLayout.seed())
    none = _write_npz(tmp_path / "c.npz", other=np.zeros(3))
    with pytest.raises(DataError, match="none of the parts"):
        load_seed_npz(none, JointLayout.seed())
    junk = tmp_path / "d.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"d\.npz: cannot read"):
        load_seed_npz(junk, JointLayout.seed())


def test_synthetic_groundtruth_end_to_end(tmp_path):
    """docs/signstgcn.md §1–§3: windows, NaN → 0, stats and labels on a synthetic video with sparse labels."""
    t = 40
    pose = np.random.default_rng(3).uniform(0, 1, (t, 33, 4)).astype(np.float32)
    hands = np.full((t, 21, 3), np.nan, np.float32)
    _write_npz(tmp_path / "v.npz", pose=pose, left_hand=hands, right_hand=hands)
    lines = [f"v {f} S" for f in range(0, 20, 4)] + [f"v {f} n" for f in range(20, 40, 4)]
    (tmp_path / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    gt = read_groundtruth(tmp_path)["v"]
    seq = load_seed_npz(tmp_path / "v.npz", JointLayout.seed())
    signing = parse_signing_labels("s")
    rows = [(s, window_label(gt, s), pose_stats(w)) for s, w in iter_windows(seq)]
    assert len(rows) == 16
    # window 0 covers frames 0..24: S at 0,4,8,12,16 (5) vs n at 20,24 (2)
    assert rows[0][1] == "S" and binary_label(rows[0][1], signing) == 1
    # window 8 covers 8..32: S at 8,12,16 vs n at 20,24,28,32 → n
    assert rows[8][1] == "n" and binary_label(rows[8][1], signing) == 0
    # window 2 covers 2..26: S at 4,8,12,16 (4) vs n at 20,24 (2); window 6 covers 6..30: S 8,12,16 vs n 20,24,28 → tie → S
    assert rows[6][1] == "S"
    z = np.nan_to_num(seq[0:25].astype(np.float64)).reshape(-1, 2)
    np.testing.assert_allclose(rows[0][2], np.concatenate([z.mean(0), z.std(0) + 1e-6]), atol=1e-7, rtol=1e-7)


def test_hand_local_rule_worked_by_hand():
    """The manifest's `hand_local` (the Swift engine's StreamGeometryTests.testHandLocalRule, same values): each
    present hand joint becomes (value - wrist) / |knuckle - wrist| from the raw frame, also without a body frame;
    the wrist keeps the body frame; without the wrist the hand's joints are missing."""
    layout = JointLayout.seed()
    hands = hand_frames(layout)
    assert hands == (HandFrame(33, 42, 34, 20), HandFrame(54, 63, 55, 20))
    rule = HeadInput((), (11, 12), hands[:1])
    raw = np.full((3, 75, 2), np.nan, np.float32)
    raw[0, 11], raw[0, 12] = (0.25, 0.5), (0.75, 0.5)
    raw[0, 33], raw[0, 42], raw[0, 38] = (0.5, 0.75), (0.5, 0.5), (0.625, 0.25)
    raw[0, 40, 0] = 0.75
    raw[1, 33], raw[1, 42], raw[1, 38] = (0.5, 0.75), (0.75, 0.75), (0.5, 1.0)
    raw[2, 11], raw[2, 12], raw[2, 42], raw[2, 38] = (0.25, 0.5), (0.75, 0.5), (0.5, 0.5), (0.6, 0.2)
    out = rule.apply(raw)
    assert out[0, 33].tolist() == [0, 0.5] and out[0, 42].tolist() == [0, -1] and out[0, 38].tolist() == [0.5, -2]
    assert out[0, 40].tolist() == [1, 0] and out[0, 35].tolist() == [0, 0]
    assert out[1, 38].tolist() == [0, 1] and out[1, 33].tolist() == [0, 0] and out[1, 42].tolist() == [1, 0]
    assert out[2, 38].tolist() == [0, 0] and out[2, 42].tolist() == [0, 0]
    # Where and how large the hand is drops out of its joints (not of the wrist).
    moved = raw.copy()
    moved[..., 0] = moved[..., 0] * 0.5 + 0.2
    moved[..., 1] = moved[..., 1] * 0.5 + 0.1
    np.testing.assert_allclose(rule.apply(moved)[:, 34:54], out[:, 34:54], atol=1e-6)


def test_hand_local_refuses_bad_hands():
    with pytest.raises(DataError, match="hand_local"):
        HeadInput(hand_local=(HandFrame(34, 42, 34, 20),))          # origin among its joints
    with pytest.raises(DataError, match="hand_local"):
        HeadInput(hand_local=(HandFrame(33, 42, 34, 20), HandFrame(33, 42, 40, 5)))   # shared joints
    with pytest.raises(DataError, match="hand_local"):
        HeadInput(zeroed_joints=(33,), hand_local=(HandFrame(33, 42, 34, 20),))
    with pytest.raises(DataError, match="0..74"):
        HeadInput(hand_local=(HandFrame(54, 63, 55, 21),)).check_joints(75)
