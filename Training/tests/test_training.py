import csv
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from signstgcn.data import DataError, JointLayout, nan_to_zero, pose_stats, read_groundtruth
from signstgcn.export import load_pair
from signstgcn.losses import info_nce
from signstgcn.metrics import BestTracker, average_precision, f1_at, topk_accuracy
from signstgcn.sequences import read_sequences
from signstgcn.signers import kmeans, pca_2d, scatter_png
from signstgcn.splits import SplitError, Splits, build_group_splits, read_group_map
from signstgcn.train import METRICS_COLUMNS, parse_args, run
from signstgcn.windows import SequenceStore, build_window_refs, hand_motion, hands_visible_fraction, pad_to_window
from synthetic_data import make_dataset, write_sequence

from conftest import DATA


def test_window_labels_majority_tie_and_padding(tmp_path):
    rng = np.random.default_rng(0)
    write_sequence(tmp_path, "long", 30, True, rng)
    write_sequence(tmp_path, "short", 7, True, rng)
    rows = {}
    (tmp_path / "sequences.csv").write_text(
        "video_id,gloss,language,signing,group,license,frames,hands_visible_fraction\n"
        "long,hello,asl,1,a/a,none,30,1.0\nshort,-,none,0,b/b,none,7,0.0\n")
    rows = read_sequences(tmp_path)
    # Frames 0–11 's', 12–23 'n' (12/12 tie in window 0 → 'n' < 's' byte order), 24–29 'n'; frame 29 unlabelled.
    labels = {"long": {f: ("s" if f < 12 else "n") for f in range(29)}, "short": {0: "s", 1: "n", 2: "n"}}
    labels["long"][24] = "x"             # one odd label: window 0 covers 0..24 → 12 s, 12 n, 1 x → tie s/n → 'n'
    store = SequenceStore(tmp_path, JointLayout.seed(), 2)
    refs = build_window_refs(store, ["long", "short"], rows, labels, mode="binary", stride=1,
                             signing_labels=frozenset({"s"}))
    by = {(r.video_id, r.start): r for r in refs}
    assert by[("long", 0)].label == "n" and by[("long", 0)].y == 0
    assert by[("long", 1)].label == "n"                          # 11 s, 13 n, 1 x
    assert [s for v, s in by if v == "long"] == [0, 1, 2, 3, 4, 5]
    assert by[("short", 0)].label == "n" and store.get("short").shape == (25, 75, 2)   # padded, 2 n vs 1 s
    # A window made only of 's' and 'S' ties → 'S' (upper case first); unknown windows are dropped.
    refs = build_window_refs(store, ["long"], rows, {"long": {0: "s", 1: "S"}}, mode="binary", stride=1,
                             signing_labels=frozenset({"s"}))
    assert [(r.start, r.label, r.y) for r in refs] == [(0, "S", 1), (1, "S", 1)]
    # Multi-class: the window gets its sequence's gloss id.
    refs = build_window_refs(store, ["long"], rows, {"long": {f: "s" for f in range(30)}}, mode="multiclass",
                             stride=5, signing_labels=frozenset({"s"}), class_names=("bye", "hello"))
    assert [(r.start, r.y) for r in refs] == [(0, 1), (5, 1)]
    # The cards' window categories: a hand in ≥ half the real frames (a padded clip: its own frames).
    from signstgcn.model_cards import window_kind
    short = build_window_refs(store, ["short"], rows, labels, mode="binary", stride=1,
                              signing_labels=frozenset({"s"}))[0]
    assert hands_visible_fraction(store, short) == 1.0 and window_kind(store, short) == "hands_visible"
    z = dict(np.load(tmp_path / "short.npz"))
    z["left_hand"][4:] = np.nan
    z["right_hand"][4:] = np.nan                      # hands in 4 of the clip's 7 frames (the padding repeats 3 more)
    np.savez_compressed(tmp_path / "short.npz", **z)
    assert hands_visible_fraction(SequenceStore(tmp_path, JointLayout.seed(), 2), short) == pytest.approx(4 / 7)
    z["left_hand"][:] = np.nan
    z["right_hand"][:] = np.nan
    np.savez_compressed(tmp_path / "short.npz", **z)
    assert window_kind(SequenceStore(tmp_path, JointLayout.seed(), 2), short) == "idle"
    with pytest.raises(DataError, match="not in sequences.csv"):
        build_window_refs(store, ["nope"], rows, labels, mode="binary", stride=1, signing_labels=frozenset({"s"}))


def test_pad_to_window_holds_edges():
    seq = np.arange(3 * 2 * 1, dtype=np.float32).reshape(3, 2, 1)
    p = pad_to_window(seq, 8)
    assert p.shape == (8, 2, 1)
    np.testing.assert_array_equal(p[:2], seq[[0, 0]])
    np.testing.assert_array_equal(p[2:5], seq)
    np.testing.assert_array_equal(p[5:], seq[[2, 2, 2]])


def test_splits_never_share_a_group(tmp_path):
    folder = make_dataset(tmp_path / "d", groups=6, per_class=1)
    rows = read_sequences(folder)
    sp = build_group_splits(rows.values(), test_groups=["owner/g5"], ratios=(0.6, 0.2, 0.2), seed=1)
    seen = {}
    for name, vids in sp.videos.items():
        for v in vids:
            g = rows[v].group
            assert seen.setdefault(g, name) == name, f"group {g} in {seen[g]} and {name}"
    assert set(sp.groups["test"]) >= {"owner/g5"} and sp.videos["train"]
    sp.write(tmp_path / "s.json", rows)
    back = Splits.read(tmp_path / "s.json")
    assert back.videos == sp.videos
    with pytest.raises(SplitError, match="no sequence"):
        build_group_splits(rows.values(), test_groups=["owner/none"])
    with pytest.raises(SplitError, match="both"):
        build_group_splits(rows.values(), test_groups=["owner/g1"], val_groups=["owner/g1"])


def test_group_map_splits_one_source_by_person(tmp_path):
    folder = make_dataset(tmp_path / "d", groups=4, per_class=2)
    rows = read_sequences(folder)
    g0 = sorted(v for v, r in rows.items() if r.group == "owner/g0")
    people = {v: "owner/g0:" + ("bob" if i % 2 else "alice") for i, v in enumerate(g0)}
    gm = tmp_path / "map.csv"
    gm.write_text("video_id,group\n" + "".join(f"{v},{g}\n" for v, g in people.items()))
    group_map = read_group_map(gm, rows)
    sp = build_group_splits(rows.values(), test_groups=["owner/g0:bob"], val_groups=["owner/g1"],
                            group_map=group_map)
    assert set(sp.videos["test"]) == {v for v, g in people.items() if g.endswith(":bob")}
    assert {v for v, g in people.items() if g.endswith(":alice")} <= set(sp.videos["train"])
    assert "owner/g0:alice" in sp.groups["train"] and "owner/g0" not in sum(map(list, sp.groups.values()), [])
    # Rows that cannot be honoured name the file and line.
    for body, msg in [("video_id,group\nnope,owner/g0:x\n", r"map.csv:2: video 'nope' is not in"),
                      (f"video_id,group\n{g0[0]},owner/g1:x\n", r"map.csv:2: group 'owner/g1:x' does not refine"),
                      (f"video_id,group\n{g0[0]},owner/g0:\n", r"map.csv:2: group 'owner/g0:' does not refine"),
                      (f"video_id,group\n{g0[0]},owner/g0:a\n{g0[0]},owner/g0:b\n", r"map.csv:3: .* mapped twice"),
                      ("video,group\n", "needs the columns video_id,group")]:
        gm.write_text(body)
        with pytest.raises(SplitError, match=msg):
            read_group_map(gm, rows)
    with pytest.raises(SplitError, match="group map not found"):
        read_group_map(tmp_path / "none.csv", rows)


def test_contributors_from_source_history(tmp_path):
    """The person who last wrote a sequence's folder, as of the data's source commit, names its sub-group."""
    import subprocess
    from signstgcn.contributors import attribute, main as contributors_main
    repo = tmp_path / "src"
    repo.mkdir()

    def commit(author, files, message):
        for rel, text in files.items():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_text(text)
        env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author}@x", "GIT_COMMITTER_NAME": author,
               "GIT_COMMITTER_EMAIL": f"{author}@x", "PATH": "/usr/bin:/bin"}
        subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", message], check=True, env=env)
        return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, env=env,
                              capture_output=True, text=True).stdout.strip()

    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    commit("alice", {"MP_Data/hello/0/0.npy": "a", "MP_Data/hello/1/0.npy": "a"}, "alice's clips")
    pinned = commit("bob", {"MP_Data/hello/1/0.npy": "b", "MP_Data/-/0/0.npy": "b"}, "bob re-records 1")
    commit("carol", {"MP_Data/hello/0/0.npy": "c"}, "after the data was read")
    data = tmp_path / "data"
    data.mkdir()
    vids = {"s__hello__0": "MP_Data/hello/0/", "s__hello__1": "MP_Data/hello/1/", "s__nosign__0": "MP_Data/-/0/"}
    header = "video_id,gloss,language,signing,group,license,frames,hands_visible_fraction,source_path,source_commit\n"
    (data / "sequences.csv").write_text(header + "".join(
        f"{v},hello,asl,1,own/src,MIT,20,1.0,{p},{pinned}\n" for v, p in vids.items())
        + f"x,hello,asl,1,other/g,MIT,20,1.0,MP_Data/x/,{pinned}\n")
    got = {a.video_id: a.group for a in attribute(data, repo, "own/src")}
    assert got == {"s__hello__0": "own/src:alice", "s__hello__1": "own/src:bob", "s__nosign__0": "own/src:bob"}
    assert contributors_main(["--data", str(data), "--repo", str(repo), "--group", "own/src",
                              "-o", str(tmp_path / "c.csv")]) == 0
    assert (tmp_path / "c.csv").read_text().splitlines()[1].startswith("s__hello__0,own/src:alice,")
    with (data / "sequences.csv").open("a") as fh:
        fh.write(f"s__gone,hello,asl,1,own/src,MIT,20,1.0,MP_Data/gone/,{pinned}\n")
    with pytest.raises(DataError, match=r"no commit up to .* wrote 'MP_Data/gone/' \(s__gone\)"):
        attribute(data, repo, "own/src")
    with pytest.raises(DataError, match="no sequence of group 'own/none'"):
        attribute(data, repo, "own/none")


@pytest.mark.skipif(not (DATA / "sequences.csv").is_file(), reason="shared data not present")
def test_real_data_default_splits_hold_out_groups():
    rows = read_sequences(DATA)
    repo = Path(__file__).resolve().parents[2]
    for name in ("signing-binary", "asl-signs"):
        sp = Splits.read(repo / "Models" / "splits" / f"{name}.json")
        # A split written with a group map (one source split by person) is checked at that finer level.
        mapped = sp.meta.get("group_map")
        group_map = read_group_map(repo / "Training" / mapped, rows) if mapped else {}
        groups = {n: {group_map.get(v, rows[v].group) for v in vids} for n, vids in sp.videos.items()}
        if sp.meta.get("sample_every"):
            # A head evaluated by leave-persons-out cross-validation trains on every person (splits.sample_splits).
            assert groups["train"] | groups["val"] | groups["test"] == {rows[v].group for v in rows if rows[v].frames >= 5}
            assert len(groups["train"]) >= len(groups["test"]) - 1   # a group of one or two sequences may fall aside whole
            assert not (set(sp.videos["train"]) & (set(sp.videos["val"]) | set(sp.videos["test"])))
            continue
        assert set(sp.groups["test"]) == groups["test"]
        assert not (groups["train"] & groups["test"]) and not (groups["train"] & groups["val"])
        assert not (groups["val"] & groups["test"])


def test_metrics():
    y = np.array([1, 0, 1, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.3, 0.1])
    # Thresholds: 0.9 (P 1, R 1/3), 0.8 (P 1/2), 0.7 (P 2/3, R 2/3), 0.3 (P 3/4, R 1) → AP = 1/3 + 2/9 + 1/4
    assert average_precision(y, s) == pytest.approx(1 / 3 + (1 / 3) * (2 / 3) + (1 / 3) * 0.75)
    assert average_precision(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)   # one tied threshold
    assert math.isnan(average_precision(np.zeros(3), np.ones(3)))
    assert f1_at(y, s, 0.5) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert topk_accuracy(np.array([2, 0]), np.array([[0.1, 0.5, 0.4], [0.0, 0.9, 0.1]]), 2) == 0.5
    t = BestTracker("loss")
    assert t.improves(1.0) and not t.update(1.0).improves(2.0) and not t.improves(float("nan"))
    assert BestTracker("pr_auc").update(0.5).improves(0.6)


def test_kmeans_pca_png_and_info_nce(tmp_path):
    rng = np.random.default_rng(0)
    pts = np.concatenate([rng.normal(0, 0.1, (20, 4)), rng.normal(5, 0.1, (20, 4))])
    _, assign = kmeans(pts, 2, seed=0)
    assert len(set(assign[:20])) == 1 and len(set(assign[20:])) == 1 and assign[0] != assign[20]
    xy = pca_2d(pts)
    assert xy.shape == (40, 2)
    scatter_png(tmp_path / "p.png", xy, assign)
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    z = torch.tensor([[1.0, 0], [0, 1.0], [1.0, 0.01], [0.01, 1.0]])
    good = info_nce(z, torch.tensor([0, 1, 0, 1]))
    bad = info_nce(z, torch.tensor([0, 0, 1, 1]))
    assert float(good) < 0.01 < float(bad)


def test_smoke_training_end_to_end(tmp_path):
    folder = make_dataset(tmp_path / "data", groups=4, per_class=2)
    out = tmp_path / "run"
    cfg = parse_args(["--data", str(folder), "--out", str(out), "--mode", "binary", "--signing-labels", "s",
                      "--epochs", "2", "--samples-per-epoch", "16", "--batch-size", "8", "--channels", "8,16,16",
                      "--gru-hidden", "16", "--use-pseudo-signers", "--num-signers", "3", "--supcon-weight", "0.1",
                      "--label-smoothing", "0.1", "--mixup-alpha", "0.4", "--mixup-prob", "0.5",
                      "--best-metric", "pr_auc", "--max-files", "6", "--threads", "1", "--zero-joints", "25-32",
                      "--normalize-joints", "11,12", "--hand-local", "--export", str(tmp_path / "head")])
    res = run(cfg)
    best = torch.load(out / "best.pt", weights_only=True)
    last = torch.load(out / "last.pt", weights_only=True)
    assert set(best) == {"model", "epoch", "metric", "metric_name"} and best["metric_name"] == "pr_auc"
    assert set(last) == {"model", "epoch", "val_acc"} and last["epoch"] == 2
    assert any(k.startswith("signer_head.") for k in best["model"])
    with (out / "metrics.csv").open() as fh:
        table = list(csv.reader(fh))
    assert tuple(table[0]) == METRICS_COLUMNS and len(table) == 3
    assert (out / "signer_embeddings.png").read_bytes()[:4] == b"\x89PNG"
    # Export → reload gives the training model's logits (best weights, eval mode).
    model, manifest = load_pair(tmp_path / "head")
    assert manifest.labels.binary and manifest.labels.signing_index == 1 and manifest.config.num_joints == 75
    assert manifest.provenance["training_config"]["mode"] == "binary"
    assert manifest.zeroed_joints == tuple(range(25, 33)) and manifest.normalize_joints == (11, 12)
    assert [h.to_json() for h in manifest.hand_local] == [{"origin": 33, "scale": 42, "first": 34, "count": 20},
                                                          {"origin": 54, "scale": 63, "first": 55, "count": 20}]
    from signstgcn.model import SignSTGCN
    k = best["model"]["signer_head.net.4.weight"].shape[0]
    trained = SignSTGCN(model.config.with_(num_signers=k))
    trained.load_state_dict(best["model"])
    trained.eval()
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, (3, 25, 75, 2)).astype(np.float32)
    x[0, :, 33:54] = np.nan
    xz = torch.from_numpy(np.stack([nan_to_zero(w) for w in x]))
    st = torch.from_numpy(np.stack([pose_stats(w) for w in x]))
    with torch.no_grad():
        torch.testing.assert_close(model(xz, st)["logits"], trained(xz, st)["logits"], atol=1e-6, rtol=0)


def test_multiclass_smoke_and_bad_labels(tmp_path):
    folder = make_dataset(tmp_path / "data", groups=3, per_class=1)
    cfg = parse_args(["--data", str(folder), "--out", str(tmp_path / "mc"), "--mode", "multiclass",
                      "--language", "asl", "--min-gloss-groups", "2", "--min-gloss-sequences", "2",
                      "--signing-labels", "s", "--epochs", "2", "--samples-per-epoch", "8", "--batch-size", "4",
                      "--channels", "8,16,16", "--gru-hidden", "16", "--threads", "1", "--best-metric", "last",
                      "--export", str(tmp_path / "mc-head")])
    res = run(cfg)
    assert res.class_names == ("bye", "hello")
    best = torch.load(tmp_path / "mc" / "best.pt", weights_only=True)
    assert res.best_epoch == 2 and best["epoch"] == 2 and best["metric_name"] == "last"
    _, manifest = load_pair(tmp_path / "mc-head")
    assert manifest.labels.labels == ("bye", "hello") and not manifest.labels.binary
    cfg = parse_args(["--data", str(folder), "--out", str(tmp_path / "b"), "--mode", "binary", "--epochs", "1",
                      "--channels", "8,16,16", "--gru-hidden", "16"])   # seed default labels lack 's'
    with pytest.raises(DataError, match="single class"):
        run(cfg)


def test_group_signers_person_balance_and_mirror_train(tmp_path):
    """The detector recipe's options together: the signer head learns one class per group."""
    folder = make_dataset(tmp_path / "data", groups=6, per_class=1)
    cfg = parse_args(["--data", str(folder), "--out", str(tmp_path / "run"), "--mode", "binary",
                      "--signing-labels", "s", "--epochs", "1", "--samples-per-epoch", "16", "--batch-size", "8",
                      "--channels", "8,16,16", "--gru-hidden", "16", "--group-signers", "--balance", "persons",
                      "--mirror-p", "0.5", "--threads", "1", "--best-metric", "last"])
    assert cfg.group_signers and cfg.balance == "persons" and cfg.mirror_p == 0.5
    run(cfg)
    best = torch.load(tmp_path / "run" / "best.pt", weights_only=True)
    import json
    groups = json.loads((tmp_path / "run" / "config.json").read_text())["split_groups"]["train"]
    assert best["model"]["signer_head.net.4.weight"].shape[0] == len(groups) >= 2


def test_hand_motion_measures_moving_hands_in_shoulder_widths(tmp_path):
    """A held hand moves 0; a hand sliding 0.01 image widths a frame with shoulders 0.2 apart moves 0.05
    shoulder widths a frame (every joint: |dx| 0.05 + |dy| 0); the larger hand counts; no hand is 0."""
    frames = 30
    pose = np.full((frames, 33, 4), 0.5, np.float32)
    pose[:, 11, 0], pose[:, 12, 0] = 0.6, 0.4
    held = np.full((frames, 21, 3), 0.45, np.float32)
    sliding = held.copy()
    sliding[:, :, 0] += 0.01 * np.arange(frames, dtype=np.float32)[:, None]
    none = np.full((frames, 21, 3), np.nan, np.float32)
    for vid, lh, rh in (("held", held, none), ("slides", held, sliding), ("nohands", none, none)):
        np.savez_compressed(tmp_path / f"{vid}.npz", pose=pose, left_hand=lh, right_hand=rh)
    (tmp_path / "sequences.csv").write_text(
        "video_id,gloss,language,signing,group,license,frames,hands_visible_fraction\n"
        + "".join(f"{v},hello,asl,1,{v}/{v},none,{frames},1.0\n" for v in ("held", "slides", "nohands")))
    rows = read_sequences(tmp_path)
    store = SequenceStore(tmp_path, JointLayout.seed(), 2)
    labels = {v: {f: "s" for f in range(frames)} for v in rows}
    refs = {r.video_id: r for r in build_window_refs(store, list(rows), rows, labels, mode="binary", stride=10,
                                                      signing_labels=frozenset({"s"}))}
    assert hand_motion(store, refs["held"]) == 0.0
    assert hand_motion(store, refs["slides"]) == pytest.approx(0.05, rel=1e-4)
    assert hand_motion(store, refs["slides"], ()) == pytest.approx(0.01, rel=1e-4)   # image units
    assert hand_motion(store, refs["nohands"]) == 0.0


def test_min_signing_motion_leaves_out_held_signing_windows(tmp_path, capsys):
    """make_dataset pads every other sequence from 12 frames (13 held frames of 25), so their windows move
    less than the full ones; a threshold above every window's motion would leave no signing window."""
    folder = make_dataset(tmp_path / "data", groups=6, per_class=2)
    args = ["--data", str(folder), "--mode", "binary", "--signing-labels", "s", "--epochs", "1",
            "--samples-per-epoch", "16", "--batch-size", "8", "--channels", "8,16,16", "--gru-hidden", "16",
            "--normalize-joints", "11,12", "--threads", "1", "--best-metric", "last"]
    cfg = parse_args(args + ["--out", str(tmp_path / "all")])
    assert cfg.min_signing_motion == 0.0
    rows = read_sequences(folder)
    store = SequenceStore(folder, cfg.layout, 2)
    refs = [r for r in build_window_refs(store, list(rows), rows, read_groundtruth(folder), mode="binary",
                                         stride=1, signing_labels=frozenset({"s"})) if r.y == 1]
    motion = sorted(hand_motion(store, r, (11, 12)) for r in refs)
    cut = (motion[0] + motion[-1]) / 2
    below = sum(m < cut for m in motion)
    assert 0 < below < len(motion)
    run(parse_args(args + ["--out", str(tmp_path / "cut"), "--min-signing-motion", str(cut)]))
    out = capsys.readouterr().out
    import json
    assert json.loads((tmp_path / "cut" / "config.json").read_text())["min_signing_motion"] == cut
    # The training part is a subset of the persons, so count what it printed against its own windows.
    left, total = map(int, re.search(r"min signing motion [0-9.e-]+: (\d+) of (\d+) signing windows", out).groups())
    assert 0 < left < total
    with pytest.raises(DataError, match="single class"):
        run(parse_args(args + ["--out", str(tmp_path / "none"), "--min-signing-motion", str(motion[-1] * 2)]))


def test_recipes_print_shell_words(capsys):
    from signstgcn import recipes
    assert recipes.main(["signing-binary"]) == 0
    assert capsys.readouterr().out.split() == list(recipes.SIGNING_BINARY)
    assert recipes.main(["asl-signs"]) == 0
    assert capsys.readouterr().out.split() == list(recipes.ASL_SIGNS)
    assert recipes.main(["nope"]) == 2


def test_the_sign_classifier_recipe_is_the_shipped_heads_training():
    """The flags Models/asl-signs was trained with (before they moved into recipes.ASL_SIGNS) parse to the same
    configuration as the recipe plus the shipped head's data selection."""
    from signstgcn import recipes
    shipped = ("--data D --out R --mode multiclass --language asl --signing-labels s --min-gloss-groups 5 "
               "--min-gloss-sequences 100 --splits S --no-shortcut-augment --background-class --epochs 20 "
               "--samples-per-epoch 1024 --batch-size 32 --label-smoothing 0.1 --mixup-alpha 0.4 --mixup-prob 0.2 "
               "--supcon-weight 0.05 --eval-max-windows 2 --best-metric balanced_acc --seed 0 --threads 2 "
               "--normalize-joints 11,12 --zero-joints 25-32 --hand-local --export E").split()
    selection = ("--data D --out R --language asl --min-gloss-groups 5 --min-gloss-sequences 100 --splits S "
                 "--background-class").split()
    assert parse_args(shipped) == parse_args([*selection, *recipes.ASL_SIGNS, "--export", "E"])


def test_sample_splits_keep_every_person_in_training(tmp_path):
    from signstgcn.build_splits import main as build_main
    from signstgcn.splits import sample_splits
    folder = make_dataset(tmp_path / "data", groups=3, per_class=4)
    rows = read_sequences(folder)
    sp = sample_splits(rows, rows, every=4)
    ids = sorted(rows)
    assert sp.videos["val"] == tuple(ids[::4]) and sp.videos["test"] == tuple(ids[2::4])
    assert set(sp.videos["train"]) == set(ids) - set(ids[::4]) - set(ids[2::4])
    assert set(sp.groups["train"]) == {r.group for r in rows.values()}
    with pytest.raises(ValueError):
        sample_splits(rows, rows, every=1)
    out = tmp_path / "split.json"
    assert build_main(["--data", str(folder), "-o", str(out), "--sample-every", "4"]) == 0
    written = Splits.read(out)
    assert written.videos == sp.videos and written.meta["sample_every"] == 4
