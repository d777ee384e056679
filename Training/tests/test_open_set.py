"""Open set: the out-of-vocabulary partition keeps every person on one side, a background class learns from
out-of-vocabulary signing, and the calibration writes an operating point both readers accept."""

import csv
import json

import numpy as np

from signstgcn.data import JointLayout, read_groundtruth
from signstgcn.export import load_pair
from signstgcn.manifest import Manifest
from signstgcn.open_set import Scored, calibrate, format_report, oov_partition, write_open_set
from signstgcn.sequences import read_sequences
from signstgcn.splits import Splits
from signstgcn.train import parse_args, run
from signstgcn.windows import SequenceStore, build_window_refs
from synthetic_data import make_dataset, sequence_row, write_index, write_sequence


def _with_oov_gloss(folder, groups):
    """Adds two sequences of an out-of-vocabulary sign ('wave', ASL, signing) to each group."""
    rng = np.random.default_rng(7)
    with (folder / "sequences.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    gt = (folder / "groundtruth.txt").read_text().splitlines()
    for g in range(groups):
        for k in range(2):
            vid = f"g{g}__wave__{k}"
            write_sequence(folder, vid, 30, True, rng, phase=3.0)
            rows.append(sequence_row(vid, "wave", f"owner/g{g}", 30, True))
            gt += [f"{vid} {f} s" for f in range(30)]
    return write_index(folder, rows, gt)


def _splits(rows, train, val, test):
    parts = {"train": train, "val": val, "test": test}
    vids = {n: tuple(sorted(v for v, r in rows.items() if r.group in gs and r.gloss in ("hello", "bye")))
            for n, gs in parts.items()}
    return Splits(vids, {n: tuple(sorted(gs)) for n, gs in parts.items()})


def test_partition_keeps_each_group_on_its_side(tmp_path):
    folder = _with_oov_gloss(make_dataset(tmp_path / "data", groups=7, per_class=1), 7)
    rows = read_sequences(folder)
    base = _splits(rows, ["owner/g0", "owner/g1"], ["owner/g2"], ["owner/g3"])
    parts = oov_partition(rows, {"hello", "bye"}, base)
    assert "owner/g0" in parts["train"] and "owner/g1" in parts["train"]
    assert "owner/g2" in parts["val"] and "owner/g3" in parts["test"]
    every = [g for gs in parts.values() for g in gs]
    assert sorted(every) == sorted(set(every)) == [f"owner/g{g}" for g in range(7)], "each group once"
    free = {"owner/g4", "owner/g5", "owner/g6"}
    assert all(len(set(gs) & free) == 1 for gs in parts.values()), "the free groups shared out in thirds"


def test_scored_figures_at_a_threshold():
    # Three in-vocabulary segments (right with 0.9, wrong with 0.8, right with 0.4) and two OOV (0.3, 0.95).
    s = Scored(np.array([0, 1, 1, -1, -1]), np.array([0, 0, 1, 0, 1]), np.array([0.9, 0.8, 0.4, 0.3, 0.95]),
               ["a"] * 5, np.array([0]), np.array([0]), np.array([1.0]))
    r = s.at(0.5)
    assert r["in_vocab"] == 3 and r["out_of_vocab"] == 2
    assert r["in_vocab_top1_forced"] == 2 / 3
    assert r["in_vocab_accuracy"] == 1 / 3, "the right answer at 0.4 became unknown"
    assert r["in_vocab_unknown"] == 1 / 3 and r["out_of_vocab_unknown"] == 0.5
    assert s.at(0.0)["out_of_vocab_unknown"] == 0.0 and s.at(1.0)["out_of_vocab_unknown"] == 1.0


def test_background_training_and_calibration_end_to_end(tmp_path):
    folder = _with_oov_gloss(make_dataset(tmp_path / "data", groups=7, per_class=1), 7)
    rows = read_sequences(folder)
    models = tmp_path / "models"
    (models / "splits").mkdir(parents=True)
    _splits(rows, ["owner/g0", "owner/g1"], ["owner/g2"], ["owner/g3"]).write(models / "splits" / "h.json", rows)
    # The background class's windows: 'wave' signing only, from the training part's groups.
    base = Splits.read(models / "splits" / "h.json")
    parts = oov_partition(rows, {"hello", "bye"}, base)
    store = SequenceStore(folder, JointLayout.seed(True, True, False), 2)
    oov = sorted(v for v, r in rows.items() if r.gloss in ("wave", "-") and r.group in parts["train"])
    refs = build_window_refs(store, oov, rows, read_groundtruth(folder), mode="multiclass", stride=5,
                             signing_labels=frozenset({"s"}), class_names=("bye", "hello", "other"))
    assert refs and all(r.y == 2 and r.video_id.split("__")[1] == "wave" for r in refs), "idle clips are not 'other'"

    cfg = parse_args(["--data", str(folder), "--out", str(tmp_path / "run"), "--mode", "multiclass",
                      "--glosses", "hello,bye", "--language", "asl", "--signing-labels", "s", "--background-class",
                      "--splits", str(models / "splits" / "h.json"), "--epochs", "2", "--samples-per-epoch", "8",
                      "--batch-size", "4", "--channels", "8,16,16", "--gru-hidden", "16", "--threads", "1",
                      "--best-metric", "balanced_acc", "--export", str(models / "h")])
    res = run(cfg)
    assert res.class_names == ("bye", "hello", "other")
    # Balanced accuracy: the mean of the per-class recalls, so it lies within their range and picks the epoch.
    best = max(res.history, key=lambda r: r["val_balanced_acc"])
    assert res.best_epoch == best["epoch"] and 0 <= best["val_balanced_acc"] <= 100
    rep = calibrate(folder, models, "h")
    assert rep["background_label"] == "other" and 0 <= rep["unknown_below"] <= 1
    assert set(rep["calibration_oov_groups"]).isdisjoint(rep["test_oov_groups"])
    assert rep["test"]["segment"]["in_vocab"] > 0 and rep["test"]["segment"]["out_of_vocab"] > 0
    # The left-handed test part: the same in-vocabulary test segments, mirrored, and no out-of-vocabulary ones.
    assert rep["test_mirrored"]["segment"]["in_vocab"] == rep["test"]["segment"]["in_vocab"]
    assert rep["test_mirrored"]["segment"]["out_of_vocab"] == 0
    assert "test in-vocab segments mirrored" in format_report(rep)
    write_open_set(models, "h", rep)
    written = json.loads((models / "h.manifest.json").read_text())["open_set"]
    assert written["background_label"] == "other" and written["unknown_below"] == rep["unknown_below"]
    _, manifest = load_pair(models / "h")
    assert manifest.open_set["score"] == "max_mean_probability"
    assert Manifest.from_json(manifest.to_json()).open_set == manifest.open_set
