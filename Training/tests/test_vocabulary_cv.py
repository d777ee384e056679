"""Vocabulary cross-validation: copies of one clip are linked and stay in one fold, every gloss is spread over
the folds, and a run on real files trains, answers the held-out clips and other people's recordings."""

import json
import shutil

import numpy as np

from signstgcn import recipes
from signstgcn.vocabulary_cv import (TRACK_FRAMES, assign_folds, copy_distances, format_report, linear_answers,
                                     link_copies, main, pair_distances, track_distance)
from synthetic_data import sequence_row, write_index, write_sequence


def _track(rng, offset=0.0):
    return (rng.uniform(0.2, 0.8, (TRACK_FRAMES, 48, 2)) + offset).astype(np.float32)


def test_copies_are_linked_within_a_gloss_only():
    rng = np.random.default_rng(0)
    a = _track(rng)
    tracks = {"s__hat__0": a, "s__hat__1": a + 0.005, "s__hat__2": a + 0.3, "s__cat__0": a.copy()}
    gloss = {v: v.split("__")[1] for v in tracks}
    pairs = pair_distances(tracks, gloss)
    clip = link_copies(pairs, tracks, 0.02)
    assert clip["s__hat__1"] == clip["s__hat__0"] == "s__hat__0"
    assert clip["s__hat__2"] == "s__hat__2"
    assert clip["s__cat__0"] == "s__cat__0", "an identical track of another gloss is another sign"
    d = copy_distances(pairs, clip)
    assert d["linked"] == [0.005]
    assert abs(d["nearest_other_clip"]["p0"] - 0.295) < 1e-4, "hat 2 is 0.295 from hat 1 (cat is not a hat)"


def test_a_missing_hand_is_skipped_and_no_overlap_is_never_a_copy():
    rng = np.random.default_rng(1)
    a = _track(rng)
    b = a.copy()
    b[:, 27:] = np.nan                      # one hand not detected in b
    assert track_distance(a, b) == 0.0
    assert track_distance(a, np.full_like(a, np.nan)) == float("inf")


def test_folds_keep_clips_whole_and_spread_every_gloss():
    gloss_of = {f"g{g}__{i}": f"gloss{g}" for g in range(5) for i in range(7)}
    clip_of = {v: v for v in gloss_of}
    clip_of["g0__1"] = "g0__0"                # a copy
    folds = assign_folds(clip_of, gloss_of, 3, seed=0)
    assert set(folds) == set(clip_of.values()), "every clip gets exactly one fold"
    for g in range(5):
        assert {folds[c] for c in set(clip_of.values()) if gloss_of[c] == f"gloss{g}"} == {0, 1, 2}
    sizes = np.bincount(list(folds.values()))
    assert sizes.max() - sizes.min() <= 1
    assert assign_folds(clip_of, gloss_of, 3, seed=0) == folds


def test_the_linear_reference_learns_separable_glosses():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(0, 1, (20, 5)), rng.normal(4, 1, (20, 5))]).astype(np.float32)
    y = ["a"] * 20 + ["b"] * 20
    assert linear_answers(x, y, np.array([[0.0] * 5, [4.0] * 5], np.float32)) == ["a", "b"]


def _dataset(folder):
    """Group owner/many: glosses hello and bye, 3 clips each plus a byte copy of hello's first clip; group
    owner/other: two recordings of bye."""
    folder.mkdir()
    rng = np.random.default_rng(3)
    rows, gt = [], []

    def add(vid, gloss, group, phase):
        write_sequence(folder, vid, 26, True, rng, phase=phase)
        rows.append(sequence_row(vid, gloss, group, 26, True))
        gt.extend(f"{vid} {f} s" for f in range(26))

    for k in range(3):
        add(f"many__hello__{k}", "hello", "owner/many", 0.3 * k)
        add(f"many__bye__{k}", "bye", "owner/many", 1.5 + 0.3 * k)
    shutil.copy(folder / "many__hello__0.npz", folder / "many__hello__3.npz")
    rows.append({**rows[0], "video_id": "many__hello__3"})
    gt.extend(f"many__hello__3 {f} s" for f in range(26))
    for k in range(2):
        add(f"other__bye__{k}", "bye", "owner/other", 1.7)
    return write_index(folder, rows, gt)


def test_a_run_holds_out_clips_and_tries_other_people(tmp_path, capsys):
    data = _dataset(tmp_path / "data")
    out = tmp_path / "report.json"
    assert main(["--data", str(data), "--out", str(out), "--group", "owner/many", "--min-clips", "3",
                 "--folds", "3", "--epochs", "1", "--samples-per-epoch", "32", "--threads", "1",
                 "--recipe-args", "--channels 8,16 --gru-hidden 8"]) == 0
    rep = json.loads(out.read_text())
    for name in ("fold0", "fold2", "all"):  # the variant, not the recipe's backbone, was trained everywhere
        manifest = json.loads((tmp_path / "report-work" / name / "head.manifest.json").read_text())
        assert (manifest["channels"], manifest["gru_hidden"]) == ([8, 16], 8), name
    assert rep["vocabulary"] == ["bye", "hello"] and rep["copies_linked"] == 1
    assert rep["sequences"] == 7 and rep["clips"] == 6
    assert rep["copy_distances"]["linked"] == [0.0], "the byte copy"
    for name in ("head", "linear"):
        r = rep[name]
        assert sum(f["sequences"] for f in r["folds"]) == 7 and sum(f["clips"] for f in r["folds"]) == 6
        assert all(0.0 <= f["right"] <= 1.0 for f in r["folds"])
        assert r["worst_fold"] == min(f["right"] for f in r["folds"])
        assert sum(p["sequences"] for p in r["per_gloss"].values()) == 7
    other = rep["other_groups"]
    assert other["groups"] == ["owner/other"] and other["sequences"] == 2
    assert set(other["head"]["per_gloss"]) == set(other["linear"]["per_gloss"]) == {"bye"}
    assert "--best-metric last" in rep["recipe"] and rep["recipe"].startswith(" ".join(recipes.ASL_SIGNS))
    assert "--channels 8,16 --gru-hidden 8" in rep["recipe"]
    assert "held out by clip" in capsys.readouterr().out and "other people's recordings" in format_report(rep)


def test_too_few_clips_is_a_clear_error(tmp_path, capsys):
    data = _dataset(tmp_path / "data")
    assert main(["--data", str(data), "--out", str(tmp_path / "r.json"), "--group", "owner/many",
                 "--min-clips", "4", "--folds", "2"]) == 2
    assert "--min-clips 4: 0 gloss(es) of owner/many qualify" in capsys.readouterr().err
    assert main(["--data", str(data), "--out", str(tmp_path / "r.json"), "--group", "nobody/x"]) == 2
    assert "--group 'nobody/x'" in capsys.readouterr().err
