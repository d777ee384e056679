import numpy as np

from signstgcn.augment import ADARSHA_POSE_JOINTS, POSE_MIRROR_PAIRS, Augment, hold_edges, mirrored
from signstgcn.data import JointLayout
from signstgcn.windows import pad_to_window


def _window(t=25, j=75, c=2):
    return np.arange(t * j * c, dtype=np.float32).reshape(t, j, c)


def test_hold_edges_matches_short_sequence_padding():
    w = _window()
    rng = np.random.default_rng(1)
    held = hold_edges(w, 7, rng)
    # The real span is some 7 consecutive frames; padding those frames gives the same window.
    starts = [s for s in range(19) if np.array_equal(pad_to_window(w[s:s + 7], 25), held)]
    assert len(starts) == 1


def test_hold_edges_full_span_is_identity():
    w = _window()
    assert np.array_equal(hold_edges(w, 25, np.random.default_rng(0)), w)


def test_layout_masks_only_touch_pose_and_apply_both_layouts():
    layout = JointLayout.seed()
    aug = Augment(scale=0, rotation_deg=0, shift=0, jitter=0, drop_hand_p=0, hold_p=0,
                  msl_layout_p=0.5, adarsha_layout_p=0.5)
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(40):
        out = aug.apply(rng, _window(), layout)
        assert np.isfinite(out[:, 33:]).all()                      # hands untouched
        nan_pose = tuple(np.flatnonzero(np.isnan(out[0, :33, 0])))
        seen.add(nan_pose)
    msl = tuple(range(25, 33))
    adarsha = tuple(sorted(set(range(33)) - set(ADARSHA_POSE_JOINTS)))
    assert seen == {msl, adarsha}


def test_off_changes_nothing():
    w = _window()
    assert Augment.off().apply(np.random.default_rng(0), w, JointLayout.seed()) is w


def test_joint_lists_and_zeroing():
    import pytest
    from signstgcn.data import DataError, nan_to_zero, parse_joint_list, pose_stats, zero_joints
    assert parse_joint_list("25-32") == tuple(range(25, 33))
    assert parse_joint_list("3, 1,2-2") == (1, 2, 3)
    assert parse_joint_list("") == ()
    for bad in ("a", "5-2", "-1"):
        with pytest.raises(DataError):
            parse_joint_list(bad)
    w = _window()
    z = zero_joints(w, (25, 26))
    assert np.isnan(z[:, 25:27]).all() and np.array_equal(z[:, :25], w[:, :25]) and np.isfinite(w).all()
    assert zero_joints(w, ()) is w
    # pose_stats see the zeroed joints as 0, like any missing joint.
    assert not np.allclose(pose_stats(nan_to_zero(z)), pose_stats(w))


def test_manifest_zeroed_joints_round_trip_and_checks():
    import pytest
    from signstgcn.manifest import LabelSpec, Manifest, ManifestError
    from signstgcn.model import ModelConfig
    cfg = ModelConfig(in_channels=2, num_joints=75, num_classes=2)
    m = Manifest(JointLayout.seed(), ("x", "y"), cfg, LabelSpec.binary_head(("s",)), zeroed_joints=(25, 26))
    j = m.to_json()
    assert j["zeroed_joints"] == [25, 26]
    assert Manifest.from_json(j).zeroed_joints == (25, 26)
    plain = Manifest(JointLayout.seed(), ("x", "y"), cfg, LabelSpec.binary_head(("s",)))
    assert "zeroed_joints" not in plain.to_json()          # older readers and imports: unchanged files
    assert Manifest.from_json(plain.to_json()).zeroed_joints == ()
    with pytest.raises(ManifestError):
        Manifest.from_json({**j, "zeroed_joints": [75]})
    with pytest.raises(ManifestError):
        Manifest.from_json({**j, "zeroed_joints": "25-32"})


def test_binary_sampling_masses_split_hard_kinds():
    from signstgcn.train import sample_weights
    from signstgcn.windows import WindowRef
    refs = [WindowRef(f"s{i}", 0, "s", 1, "signing", "g") for i in range(4)]
    refs += [WindowRef(f"g{i}", 0, "n", 0, "gesture", "a") for i in range(100)]
    refs += [WindowRef("video", k, "n", 0, "hands_visible", "m") for k in range(50)]   # one long video
    refs += [WindowRef(f"i{i}", 0, "n", 0, "idle", "b") for i in range(3)]
    w = sample_weights(refs, "binary", 0.6)
    by = lambda kind: w[[i for i, r in enumerate(refs) if r.kind == kind]].sum()
    assert abs(w.sum() - 1) < 1e-12
    assert abs(by("signing") - 0.5) < 1e-9 and abs(by("idle") - 0.2) < 1e-9
    assert abs(by("gesture") - 0.15) < 1e-9 and abs(by("hands_visible") - 0.15) < 1e-9
    # Without hands-visible sequences the gestures take the whole hard share.
    w2 = sample_weights([r for r in refs if r.kind != "hands_visible"], "binary", 0.6)
    assert abs(w2[4:104].sum() - 0.3) < 1e-9


def test_without_shortcut_removal_draws_like_the_plain_recipe():
    layout = JointLayout.seed()
    full = Augment()
    plain = full.without_shortcut_removal()
    assert (plain.hold_p, plain.msl_layout_p, plain.adarsha_layout_p) == (0, 0, 0)
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    out = plain.apply(a, _window(), layout)
    # The same draws as the camera-noise steps alone: the generators stay in lockstep.
    ref = Augment(hold_p=0, msl_layout_p=0, adarsha_layout_p=0).apply(b, _window(), layout)
    assert np.array_equal(out, ref, equal_nan=True) and a.uniform() == b.uniform()


def test_normalize_joints_rule_by_hand():
    from signstgcn.data import HeadInput
    w = np.full((2, 75, 2), np.nan, np.float32)
    w[0, 11], w[0, 12] = (0.25, 0.5), (0.75, 0.5)           # midpoint (0.5, 0.5), distance 0.5
    w[0, 0], w[0, 33], w[0, 30] = (0.5, 0.25), (1.0, 1.5), (0.9, 0.9)
    w[0, 40, 0] = 0.6                                        # x present, y missing
    w[1, 11], w[1, 0] = (0.25, 0.5), (0.5, 0.25)             # right shoulder missing
    x = HeadInput(zeroed_joints=(30,), normalize_joints=(11, 12)).apply(w)
    assert x[0, 11].tolist() == [-0.5, 0] and x[0, 12].tolist() == [0.5, 0]
    assert x[0, 0].tolist() == [0, -0.5] and x[0, 33].tolist() == [1, 2]
    assert x[0, 30].tolist() == [0, 0] and x[0, 40, 0] == (np.float32(0.6) - np.float32(0.5)) / np.float32(0.5) and x[0, 40, 1] == 0 and x[0, 5].tolist() == [0, 0]
    assert (x[1] == 0).all()                                  # no body frame: the frame counts as missing
    assert np.isfinite(x).all()


def test_normalized_input_ignores_framing_and_manifest_round_trip():
    import pytest
    from signstgcn.data import DataError, HeadInput
    from signstgcn.manifest import LabelSpec, Manifest, ManifestError
    from signstgcn.model import ModelConfig
    w = np.random.default_rng(0).uniform(0.1, 0.9, (25, 75, 2)).astype(np.float32)
    moved = w * np.float32(0.6) + np.array([0.3, 0.1], np.float32)
    rule = HeadInput(normalize_joints=(11, 12))
    assert np.allclose(rule.apply(moved), rule.apply(w), atol=1e-5)
    assert not np.allclose(HeadInput().apply(moved), HeadInput().apply(w), atol=1e-2)
    for bad in ((11,), (11, 11)):
        with pytest.raises(DataError):
            HeadInput(normalize_joints=bad)
    with pytest.raises(DataError):
        HeadInput(zeroed_joints=(12,), normalize_joints=(11, 12))
    cfg = ModelConfig(in_channels=2, num_joints=75, num_classes=2)
    m = Manifest(JointLayout.seed(), ("x", "y"), cfg, LabelSpec.binary_head(("s",)), normalize_joints=(11, 12))
    j = m.to_json()
    assert j["normalize_joints"] == [11, 12] and Manifest.from_json(j).head_input == rule
    assert "normalize_joints" not in Manifest(JointLayout.seed(), ("x", "y"), cfg, LabelSpec.binary_head(("s",))).to_json()
    for bad in ([11, 75], [11], "11,12"):
        with pytest.raises(ManifestError):
            Manifest.from_json({**j, "normalize_joints": bad})


def test_mirror_flips_x_and_swaps_sides():
    layout = JointLayout.seed()
    w = np.random.default_rng(2).uniform(0, 1, (25, 75, 2)).astype(np.float32)
    w[3, 40] = np.nan
    m = mirrored(w, layout)
    # The left hand's block now holds the right hand, flipped; y unchanged.
    assert np.allclose(m[:, 33:54, 0], 1 - w[:, 54:75, 0], equal_nan=True) and np.array_equal(m[:, 54:75, 1], w[:, 33:54, 1], equal_nan=True)
    assert np.isnan(m[3, 61]).all()                     # a missing joint stays missing on the other side
    assert np.allclose(m[:, 11, 0], 1 - w[:, 12, 0]) and np.allclose(m[:, 0, 0], 1 - w[:, 0, 0])
    assert len({j for pair in POSE_MIRROR_PAIRS for j in pair}) == 32    # every pose joint but the nose
    assert np.allclose(mirrored(m, layout), w, atol=1e-6, equal_nan=True)   # an involution (1 − (1 − x) rounds)


def test_mirror_is_drawn_only_when_on():
    layout = JointLayout.seed()
    a, b = np.random.default_rng(9), np.random.default_rng(9)
    Augment().apply(a, _window(), layout)
    Augment(mirror_p=0.0).apply(b, _window(), layout)
    assert a.uniform() == b.uniform()
    # The evaluation's mirror (open_set's left-handed test part): the mirror and nothing else, frames in order.
    always = Augment.mirror_only()
    w = np.random.default_rng(3).uniform(0, 1, (25, 75, 2)).astype(np.float32)
    assert np.allclose(always.apply(np.random.default_rng(0), w, layout), mirrored(w, layout), atol=1e-6)
    assert np.array_equal(always.frame_indices(np.random.default_rng(0), 4, 40, 25), np.arange(4, 29))


def test_person_balanced_sampling():
    from signstgcn.train import sample_weights
    from signstgcn.windows import WindowRef
    # Person "big" has 40 gesture sequences, person "small" 1: balanced per person they weigh the same.
    refs = [WindowRef(f"s{i}", 0, "s", 1, "signing", "p") for i in range(2)]
    refs += [WindowRef(f"b{i}", 0, "n", 0, "gesture", "big") for i in range(40)]
    refs += [WindowRef("one", k, "n", 0, "gesture", "small") for k in range(7)]
    w = sample_weights(refs, "binary", 1.0, "persons")
    of = lambda g: w[[i for i, r in enumerate(refs) if r.group == g]].sum()
    assert abs(of("big") - 0.25) < 1e-9 and abs(of("small") - 0.25) < 1e-9 and abs(of("p") - 0.5) < 1e-9
    seq = sample_weights(refs, "binary", 1.0)
    assert of("big") < seq[[i for i, r in enumerate(refs) if r.group == "big"]].sum()


def test_hands_visible_negatives_come_from_the_data():
    from signstgcn.sequences import SequenceInfo
    info = lambda gloss, group, frac, signing=False: SequenceInfo("v", gloss, "none", signing, group, "", 30, frac)
    assert info("action:eat", "ka3ax01/x", 0.8).negative_kind == "hands_visible"
    assert info("action:walk", "ka3ax01/x", 0.2).negative_kind == "idle"
    assert info("gesture:rock", "a/b", 0.1).negative_kind == "gesture"
    assert info("-", "traduttore/traduttore-model", 0.0).negative_kind == "hands_visible"
    assert info("hello", "a/b", 1.0, True).negative_kind == "signing"
