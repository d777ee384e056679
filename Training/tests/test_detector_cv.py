"""The detector evaluation's building blocks: folds by person, the padding arithmetic, the features'
mirror invariance, and the session layout."""

import numpy as np
import pytest

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
    np.testing.assert_allclose(cv.nose_windows(seq), cv.nose_windows(mirrored), atol=1e-4)
    # the speed baseline is not: it keeps the hands' identity
    assert not np.allclose(cv.speed_windows(seq)[:, -2:], cv.speed_windows(mirrored)[:, -2:])


def test_nose_features_place_the_hands_against_the_face():
    # Shoulders 0.2 apart; the nose at (0.5, 0.3). The right hand's closest joint 0.02 (0.1 shoulder widths)
    # below the nose, its centre 0.12 lower; the left hand 0.2 (1 shoulder width) to the side, at nose height.
    seq = np.full((4, 75, 2), np.nan, np.float32)
    seq[:, 11], seq[:, 12], seq[:, cv.NOSE] = (0.6, 0.5), (0.4, 0.5), (0.5, 0.3)
    seq[:, cv.RIGHT] = (0.5, 0.42)
    seq[:, cv.RIGHT.start] = (0.5, 0.32)
    seq[:, cv.LEFT] = (0.7, 0.3)
    seq[2, cv.LEFT] = np.nan                          # one hand lost: near and far are the other one
    seq[3, cv.LEFT] = seq[3, cv.RIGHT] = np.nan       # no hand: nothing seen, all zero
    f = cv.nose_frames(seq)
    expected_high = (0.3 - (0.42 * 20 + 0.32) / 21) / 0.2
    np.testing.assert_allclose(f[0], [1, 0.1, 1.0, 0.0, 1], atol=1e-5)
    np.testing.assert_allclose(f[2], [1, 0.1, 0.1, expected_high, 1], atol=1e-5)
    np.testing.assert_array_equal(f[3], 0)
    w = cv.nose_windows(seq)
    assert w.shape == (4, cv.shape_windows(seq).shape[1] + 2 * 5)
    # the last window: 3 of 4 frames seen; the means are over the seen frames only
    np.testing.assert_allclose(w[3, -10:-5], [0.75, 0.1, 0.7, expected_high / 3, 1], atol=1e-5)


def test_session_layout_and_rests():
    clips = [Clip(f"v__x__{i}", "p", "p", i % 2 == 0, "signing" if i % 2 == 0 else "gesture", "x") for i in range(4)]
    seqs = {c.video_id: np.full((10 + i, 75, 2), float(i), np.float32) for i, c in enumerate(clips)}
    s = cv.build_session("p", clips, seqs, seed=1)
    assert len(s.frames) == cv.LEAD + sum(len(v) for v in seqs.values()) + cv.REST * len(clips)
    for c, a, b in s.spans:
        assert b - a + 1 == len(seqs[c.video_id])
        assert np.all(s.frames[a:b + 1] == seqs[c.video_id])
        assert np.all(s.frames[b + 1:b + 1 + cv.REST] == seqs[c.video_id][-1])


def _moving_seq(rng, t=70):
    seq = rng.uniform(0.2, 0.8, size=(t, 75, 2)).astype(np.float32)
    for part in (cv.LEFT, cv.RIGHT):
        seq[:, part] = seq[:1, part] + np.cumsum(rng.normal(0, 0.01, (t, 21, 2)), 0)
    return seq


def _mirror(seq):
    out = seq.copy()
    out[..., 0] = 1.0 - seq[..., 0]
    out[:, cv.LEFT], out[:, cv.RIGHT] = out[:, cv.RIGHT].copy(), out[:, cv.LEFT].copy()
    return out


def _tiny_temporal(seed):
    rng = np.random.default_rng(5)
    clips, feats = [], {}
    for i in range(4):
        for signing in (True, False):
            c = Clip(f"p{i}__{signing}__0", f"p{i}", f"p{i}", signing, "signing" if signing else "gesture", "x")
            seq = _moving_seq(rng, 20)
            if not signing:
                seq[:, cv.LEFT] = seq[:1, cv.LEFT]                # held still
            clips.append(c)
            feats[c.video_id] = [cv.hand_frames(cv.padded(cv.stretched(seq, s))) for s in cv.SPEEDS]
    return cv.fit_temporal(clips, feats, seed=seed, epochs=2, batch=4)


def test_temporal_detector_is_mirror_invariant_causal_and_seeded():
    rng = np.random.default_rng(4)
    seq = _moving_seq(rng)
    seq[10:20, cv.RIGHT] = np.nan                          # a hand lost for a while
    model = _tiny_temporal(seed=1)
    p = cv.frame_scores(model, cv.hand_frames(seq))
    assert p.shape == (len(seq),)
    assert np.all(np.isnan(p[:cv.WINDOW - 1])) and np.all((p[cv.WINDOW - 1:] >= 0) & (p[cv.WINDOW - 1:] <= 1))
    # mirrored person (hands swapped, x flipped): the same scores
    np.testing.assert_allclose(p, cv.frame_scores(model, cv.hand_frames(_mirror(seq))), atol=1e-5)
    # causal with a 63-frame reach: a hand moved at frame 40 (a wrist-speed jump there) changes no earlier
    # score; one moved at frame 0 (a jump at frame 1) changes none from frame 1 + 63 on
    later, first = seq.copy(), seq.copy()
    later[40:, cv.RIGHT] += 0.05
    first[0, cv.RIGHT] += 0.05
    q, r = cv.frame_scores(model, cv.hand_frames(later)), cv.frame_scores(model, cv.hand_frames(first))
    np.testing.assert_allclose(q[:40], p[:40], atol=1e-6)
    assert not np.allclose(q[40:], p[40:])
    np.testing.assert_allclose(r[64:], p[64:], atol=1e-7)
    # the same seed trains the same model
    np.testing.assert_array_equal(p, cv.frame_scores(_tiny_temporal(seed=1), cv.hand_frames(seq)))


def test_time_stretch_keeps_the_ends():
    seq = np.arange(30, dtype=np.float32)[:, None, None] * np.ones((30, 75, 2), np.float32)
    assert cv.stretched(seq, 1.0) is seq
    fast, slow = cv.stretched(seq, 1.25), cv.stretched(seq, 0.8)
    assert len(fast) == 24 and len(slow) == 37
    assert fast[0, 0, 0] == 0 and slow[0, 0, 0] == 0 and abs(slow[-1, 0, 0] - 28.8) < 1e-4


def _two_clip_session():
    sign = Clip("p__hello__0", "p", "p", True, "signing", "hello")
    gest = Clip("p__gesture:ok__0", "p", "p", False, "gesture", "gesture:ok")
    seqs = {sign.video_id: np.zeros((30, 75, 2), np.float32), gest.video_id: np.ones((30, 75, 2), np.float32)}
    s = cv.build_session("p", [sign, gest], seqs, seed=0)
    spans = {c.signing: (a, b) for c, a, b in s.spans}
    return s, spans


def test_person_session_counts_false_starts_and_time_in_segment():
    s, spans = _two_clip_session()
    raw = np.full(len(s.frames), 0.1)
    raw[:cv.WINDOW - 1] = np.nan
    (sa, sb), (ga, gb) = spans[True], spans[False]
    raw[sa:sb + 1] = 0.9                              # the signing clip is covered
    raw[ga + 5:ga + 25] = 0.9                         # 20 frames of the gesture clip too: one false start
    p = cv.person_session(s, raw, cv.DEFAULT)
    assert (p.false_starts, p.signing_clips, p.signing_clips_in_segment) == (1, 1, 1)
    assert p.non_signing_frames == len(s.frames) - cv.LEAD - 30
    # the false segment starts once 0.9 enters the EMA and ends 10 frames below exit after it: ~20 frames
    assert 18 <= p.non_signing_in_segment <= 22 + 30, p   # + the signing segment's tail into the rest
    # a longer end hold bridges the rest between the clips when the gesture follows the signing clip
    long_hold = cv.person_session(s, raw, cv.DecisionParams(min_end=200))
    assert long_hold.false_starts <= p.false_starts
    assert long_hold.non_signing_in_segment >= p.non_signing_in_segment
    figures = cv.session_figures([s], {"session__p": raw})
    assert figures["per_person"][0]["false_starts"] == 1
    assert figures["non_signing_time_in_segment"] == figures["per_person"][0]["non_signing_time_in_segment"]


def test_confirmation_counts_only_confirmed_segments_at_their_confirmation():
    s, spans = _two_clip_session()
    raw = np.full(len(s.frames), 0.1)
    raw[:cv.WINDOW - 1] = np.nan
    (sa, sb), (ga, gb) = spans[True], spans[False]
    raw[sa:sb + 1] = 0.9                              # 30 signing frames above enter
    raw[ga + 5:ga + 15] = 0.9                         # a 10-frame burst in the gesture clip
    plain = cv.person_session(s, raw, cv.DEFAULT)
    confirmed = cv.person_session(s, raw, cv.DecisionParams(confirm=20))
    assert (plain.false_starts, plain.signing_clips_in_segment) == (1, 1)
    # the burst is never confirmed: no false start, and its frames no longer count as shown signing
    assert (confirmed.false_starts, confirmed.signing_clips_in_segment) == (0, 1)
    assert confirmed.non_signing_in_segment < plain.non_signing_in_segment
    # a padded signing clip: its start at the third frame above enter, its confirmation 17 frames later
    clip = np.full(30 + cv.LEAD + cv.TAIL, 0.1)
    clip[:cv.WINDOW - 1] = np.nan
    clip[cv.LEAD:cv.LEAD + 30] = 0.9
    first = cv.clip_started(clip, cv.DEFAULT)
    later = cv.clip_started(clip, cv.DecisionParams(confirm=20))
    assert later.start == first.start and later.emitted == first.emitted + 17
    assert cv.clip_started(clip, cv.DecisionParams(confirm=40)) is None   # the run is too short to confirm


def test_idle_rates_split_by_whether_a_hand_is_ever_seen():
    clips = [Clip(f"i__-__{i}", "i", "i", False, "idle", "-", hands_seen=h) for i, h in enumerate([0, 0, 0, 0.2, 0.4])]
    clips.append(Clip("s__hello__0", "s", "s", True, "signing", "hello"))
    started = {"i__-__0": False, "i__-__1": False, "i__-__2": True, "i__-__3": True, "i__-__4": False, "s__hello__0": True}
    rates = cv._rates(clips, started)
    assert (rates["idle"], rates["idle_no_hand"], rates["idle_some_hands"], rates["signing"]) == (0.4, 0.3333, 0.5, 1.0)
    assert rates["hands_visible"] is None


def test_label_kind():
    assert [cv.label_kind(g) for g in ("gesture:ok", "action:eat", "-", "hello")] == ["gesture", "action", "none", "none"]


def test_hand_gate_zeroes_windows_with_too_few_hand_frames():
    seq = np.full((60, 75, 2), np.nan, np.float32)
    seq[:, :33] = 0.5                                  # a pose throughout
    seq[30:40, 40] = 0.5                               # one left-hand joint in frames 30..39
    seq[38:45, 60] = 0.5                               # and one right-hand joint in 38..44: hands in 30..44
    counts = cv.hand_frames_in_window(seq)
    assert counts[29] == 0 and counts[30] == 1 and counts[44] == 15 and counts[54] == 15
    assert counts[55] == 14 and counts[59] == 10      # the window ending at 59 spans 35..59
    raw = np.full(60, 0.9)
    raw[:cv.WINDOW - 1] = np.nan
    gated = cv.hand_gated(raw, seq, 13)
    assert np.isnan(gated[:cv.WINDOW - 1]).all()      # unscored frames stay unscored
    np.testing.assert_array_equal(np.flatnonzero(gated == 0.9), np.arange(42, 57))   # 13..15 hand frames
    assert (gated[cv.WINDOW - 1:42] == 0).all() and (gated[57:] == 0).all()
    np.testing.assert_array_equal(cv.hand_gated(raw, seq, 0), raw)
    assert raw[30] == 0.9                             # the input is left as it was


def test_scores_round_trip_and_refuse_other_streams(tmp_path):
    streams = {"a": np.zeros((30, 75, 2)), "b": np.zeros((40, 75, 2))}
    scores = {"stgcn": {"a": np.linspace(0, 1, 30), "b": np.full(40, np.nan)}}
    path = tmp_path / "s.npz"
    cv.save_scores(path, scores)
    back = cv.load_scores(path, ["stgcn", "shape"], streams)
    assert set(back) == {"stgcn"}
    np.testing.assert_array_equal(back["stgcn"]["a"], scores["stgcn"]["a"])
    with pytest.raises(cv.CVError, match="streams"):
        cv.load_scores(path, ["stgcn"], {"a": streams["a"]})
    with pytest.raises(cv.CVError, match="frames"):
        cv.load_scores(path, ["stgcn"], {"a": streams["a"], "b": np.zeros((41, 75, 2))})


def _report(curve, gap=0.2):
    return {"protocol": {"folds": 5, "clips": 100, "persons": 20, "stgcn_args": "--hand-local",
                         "decision": {"enter": 0.6, "exit": round(0.6 - gap, 4)}},
            "detectors": {"stgcn": {"pooled": {"curve": curve}}}}


def test_operating_point_is_the_highest_enter_reaching_the_recall(tmp_path):
    curve = [{"enter": e, "signing": s, "hands_visible": h, "idle": 0.1}
             for e, s, h in ((0.3, 0.97, 0.9), (0.4, 0.92, 0.8), (0.45, 0.9, 0.75), (0.5, 0.85, 0.7))]
    op = cv.operating_point(_report(curve, gap=0.3))
    assert (op["enter_threshold"], op["exit_threshold"]) == (0.45, 0.15)
    assert "0.900" in op["calibration"] and "--hand-local" in op["calibration"]
    assert cv.operating_point(_report(curve), recall=0.95)["enter_threshold"] == 0.3
    with pytest.raises(cv.CVError, match="no enter threshold"):
        cv.operating_point(_report(curve), recall=0.99)
    with pytest.raises(cv.CVError, match="shape"):
        cv.operating_point(_report(curve), detector="shape")
    # written into a manifest, which validates it and keeps everything else
    from signstgcn.manifest import Manifest
    from tests.test_manifest_cases import DOC
    stem = tmp_path / "head"
    (tmp_path / "head.manifest.json").write_text(__import__("json").dumps(DOC["base"]))
    cv.write_operating_point(stem, op)
    back = Manifest.read(tmp_path / "head.manifest.json")
    assert back.operating_point == op and back.window == DOC["base"]["window"]


def test_head_decision_follows_the_manifests_operating_point(tmp_path):
    import json
    from tests.test_manifest_cases import DOC
    (tmp_path / "h.manifest.json").write_text(json.dumps(DOC["base"]))
    assert cv.head_decision(tmp_path / "h") == cv.DEFAULT
    (tmp_path / "h.manifest.json").write_text(json.dumps(
        {**DOC["base"], "operating_point": {"enter_threshold": 0.45, "exit_threshold": 0.25}}))
    d = cv.head_decision(tmp_path / "h")
    assert (d.enter, d.exit, d.min_end) == (0.45, 0.25, cv.DEFAULT.min_end)
