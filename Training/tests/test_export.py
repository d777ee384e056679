import json

import numpy as np
import pytest
import torch

from signstgcn.checkpoint import CheckpointError, load_checkpoint_file, sha256_file, validate_state_dict
from signstgcn.data import JointLayout
from signstgcn.export import ExportError, export_model, labels_for, load_pair, main as export_main, pair_paths
from signstgcn.import_seed import import_seed, main as import_main
from signstgcn.manifest import Manifest, ManifestError
from signstgcn.model import ModelConfig, SignSTGCN

POSE_HANDS = dict(include_pose=True, include_hands=True, include_face=False)
POSE_HANDS_FLAGS = ("--include-pose", "--include-hands", "--no-include-face")


def _inputs(cfg, b=3, seed=0):
    x = torch.from_numpy(np.random.default_rng(seed).uniform(0, 1, (b, 25, cfg.num_joints, cfg.in_channels))
                         .astype(np.float32))
    return x, torch.rand(b, cfg.signer_stats_dim, generator=torch.Generator().manual_seed(seed))


def _perturb_bn(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)


@pytest.mark.parametrize("kw", [dict(), dict(use_film_attention=True, num_classes=5), dict(in_channels=3)])
def test_export_load_round_trip_identical_logits(tmp_path, kw):
    torch.manual_seed(11)
    cfg = ModelConfig(**kw)
    model = SignSTGCN(cfg).eval()
    _perturb_bn(model)
    layout = JointLayout.seed()
    manifest = Manifest(layout, Manifest.default_coords(cfg.in_channels), cfg,
                        labels_for(cfg.num_classes == 2, cfg.num_classes, "s", None), provenance={"source": "test"})
    w, m = export_model(model, manifest, tmp_path / "head")
    assert w.name == "head.safetensors" and m.name == "head.manifest.json"
    loaded, man2 = load_pair(tmp_path / "head")
    assert man2.to_json() == manifest.to_json()
    x, s = _inputs(cfg)
    with torch.no_grad():
        assert torch.equal(model(x, s)["logits"], loaded(x, s)["logits"])


def test_manifest_fields_follow_model_format_doc(tmp_path):
    cfg = ModelConfig()
    manifest = Manifest(JointLayout.seed(), ("x", "y"), cfg, labels_for(True, 2, "s", None))
    obj = manifest.to_json()
    for key in ("format", "format_version", "architecture", "joint_layout", "num_joints", "coords",
                "coordinate_convention", "nan_policy", "window", "stride", "channels", "kernel", "dilations",
                "gru_hidden", "signer_embedding", "heads", "attention", "graph", "pose_stats", "num_classes",
                "labels", "binary", "signing_index", "signing_labels", "class0_is_signing", "output_timestamp",
                "provenance"):
        assert key in obj, key
    assert obj["num_joints"] == 75 and obj["labels"] == ["not_signing", "signing"] and obj["signing_index"] == 1
    assert obj["pose_stats"]["dim"] == 4 and obj["graph"]["kind"] == "chain" and obj["graph"]["degree_epsilon"] == 1e-6


def test_manifest_validation_errors(tmp_path):
    good = Manifest(JointLayout.seed(), ("x", "y"), ModelConfig(), labels_for(True, 2, "s", None)).to_json()
    for field, value, match in (("num_joints", 76, "num_joints 76"), ("attention", "other", "attention"),
                                ("format", "x", "format"), ("coords", ["x", "y", "z"], "pose_stats.dim"),
                                ("labels", ["a"], "1 labels for num_classes = 2")):
        bad = dict(good, **{field: value})
        with pytest.raises(ManifestError, match=match):
            Manifest.from_json(bad, "m.json")
    missing = dict(good)
    del missing["window"]
    with pytest.raises(ManifestError, match="missing field 'window'"):
        Manifest.from_json(missing, "m.json")
    p = tmp_path / "broken.manifest.json"
    p.write_text("{not json")
    with pytest.raises(ManifestError, match="broken.manifest.json: not valid JSON"):
        Manifest.read(p)


def test_import_synthetic_best_pt(tmp_path, small_seed_state):
    ckpt = tmp_path / "best.pt"
    torch.save({"model": small_seed_state, "epoch": 3, "metric": np.float64(0.71), "metric_name": "pr_auc"}, ckpt)
    result = import_seed(ckpt, tmp_path / "seed", **POSE_HANDS, binary=True, coords=2,
                         signing_labels="s")
    assert result["C"] == 2 and result["S"] == 4 and result["attention"] == "additive"
    model, manifest = load_pair(tmp_path / "seed")
    prov = manifest.provenance
    assert prov["checkpoint"] == "best.pt" and prov["checkpoint_sha256"] == sha256_file(ckpt)
    assert prov["checkpoint_entries"] == {"epoch": 3, "metric": 0.71, "metric_name": "pr_auc"}
    assert manifest.labels.signing_labels == ("s",) and manifest.labels.signing_index == 1
    ref = SignSTGCN(ModelConfig()).eval()
    ref.load_state_dict(small_seed_state)
    x, s = _inputs(ref.config)
    with torch.no_grad():
        assert torch.equal(model(x, s)["logits"], ref(x, s)["logits"])


def test_import_last_pt_bare_state_dict_and_signer_head(tmp_path):
    torch.manual_seed(5)
    sd = SignSTGCN(ModelConfig(num_classes=100, use_film_attention=True, num_signers=8)).state_dict()
    torch.save({"model": sd, "epoch": 1, "val_acc": 55.0}, tmp_path / "last.pt")
    torch.save(sd, tmp_path / "bare.pt")
    for name in ("last.pt", "bare.pt"):
        r = import_seed(tmp_path / name, tmp_path / name.replace(".pt", ""), binary=False, coords=2, **POSE_HANDS,
                        use_film_attention=True, num_classes=100)
        assert r["num_classes"] == 100 and r["attention"] == "film" and r["signer_head_K"] == 8
        model, manifest = load_pair(tmp_path / name.replace(".pt", ""))
        assert manifest.labels.labels[:2] == ("class_0", "class_1") and not manifest.labels.binary


def test_import_cross_checks_flags_against_shapes(tmp_path, small_seed_state):
    ckpt = tmp_path / "best.pt"
    torch.save({"model": small_seed_state, "epoch": 0, "metric": 0.0, "metric_name": "acc"}, ckpt)
    with pytest.raises(CheckpointError, match="--use-film-attention is on but the weights are additive"):
        import_seed(ckpt, tmp_path / "o", **POSE_HANDS, binary=True, coords=2, use_film_attention=True)
    with pytest.raises(CheckpointError, match="--coords 3"):
        import_seed(ckpt, tmp_path / "o", **POSE_HANDS, binary=True, coords=3)
    with pytest.raises(CheckpointError, match="--num-classes 100"):
        import_seed(ckpt, tmp_path / "o", **POSE_HANDS, binary=False, coords=2, num_classes=100)
    assert not (tmp_path / "o.safetensors").exists()


def test_truncated_and_malformed_checkpoints(tmp_path, small_seed_state):
    good = tmp_path / "good.pt"
    torch.save({"model": small_seed_state, "epoch": 1}, good)
    trunc = tmp_path / "trunc.pt"
    trunc.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="trunc.pt: not a readable PyTorch checkpoint"):
        load_checkpoint_file(trunc)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError, match="junk.pt: not a readable"):
        load_checkpoint_file(junk)
    notsd = tmp_path / "list.pt"
    torch.save({"model": [1, 2, 3]}, notsd)
    with pytest.raises(CheckpointError, match=r"list.pt\['model'\]: not a state_dict"):
        load_checkpoint_file(notsd)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint_file(tmp_path / "absent.pt")
    assert import_main([str(trunc), "--binary", *POSE_HANDS_FLAGS, "-o", str(tmp_path / "x")]) == 1


def test_wrong_shape_missing_and_extra_keys_are_named(tmp_path, small_seed_state):
    cfg = ModelConfig()
    bad = dict(small_seed_state)
    bad["attn.q_proj.weight"] = torch.zeros(128, 127)
    with pytest.raises(CheckpointError, match=r"'attn.q_proj.weight' has shape \(128, 127\), expected \(128, 128\)"):
        validate_state_dict(bad, cfg, "x.pt")
    missing = {k: v for k, v in small_seed_state.items() if k != "temporal.gru.bias_hh_l0_reverse"}
    with pytest.raises(CheckpointError, match="missing key 'temporal.gru.bias_hh_l0_reverse'"):
        validate_state_dict(missing, cfg, "x.pt")
    extra = dict(small_seed_state, **{"attn.gate.weight": torch.zeros(3)})
    with pytest.raises(CheckpointError, match="unexpected key 'attn.gate.weight'"):
        validate_state_dict(extra, cfg, "x.pt")
    nan = dict(small_seed_state)
    nan["cls_head.net.4.bias"] = torch.tensor([0.0, float("nan")])
    with pytest.raises(CheckpointError, match="'cls_head.net.4.bias' contains NaN"):
        validate_state_dict(nan, cfg, "x.pt")
    # the same wrong shape through the importer names the file and the key
    ckpt = tmp_path / "best.pt"
    torch.save({"model": bad}, ckpt)
    with pytest.raises(CheckpointError, match=r"best.pt.*attn.q_proj.weight"):
        import_seed(ckpt, tmp_path / "o", **POSE_HANDS, binary=True, coords=2)


def test_load_pair_errors(tmp_path):
    with pytest.raises(ManifestError, match="manifest not found"):
        load_pair(tmp_path / "nothing")
    cfg = ModelConfig()
    manifest = Manifest(JointLayout.seed(), ("x", "y"), cfg, labels_for(True, 2, "s", None))
    export_model(SignSTGCN(cfg), manifest, tmp_path / "h")
    w, m = pair_paths(tmp_path / "h")
    obj = json.loads(m.read_text())
    obj["attention"] = "film"                                       # contradicts the weights
    m.write_text(json.dumps(obj))
    with pytest.raises(ExportError, match="missing key 'attn.k_scale_net.0.weight'"):
        load_pair(tmp_path / "h")
    w.write_bytes(b"garbage")
    with pytest.raises(ExportError, match="h.safetensors: not a readable safetensors"):
        load_pair(tmp_path / "h.safetensors")


def test_export_cli_random_and_check(tmp_path, capsys):
    assert export_main(["random", "-o", str(tmp_path / "r"), "--binary", "--coords", "2"]) == 0
    assert export_main(["check", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    check = json.loads(out[-1])
    assert check["ok"] and check["num_classes"] == 2 and len(check["zero_window_logits"]) == 2
    assert export_main(["check", str(tmp_path / "missing")]) == 1


def test_import_cli_gc_two_class_and_face(tmp_path, small_seed_state, capsys):
    ckpt = tmp_path / "epoch_003.pt"
    torch.save({"model": small_seed_state, "epoch": 3, "val_acc": 80.0, "val_loss": 0.4}, ckpt)
    rc = import_main([str(ckpt), "--class0-is-signing", "--coords", "2", "--include-pose", "--include-hands",
                      "--include-face", "--face-joints", "468",
                      "--output-timestamp", "window_center", "-o", str(tmp_path / "gc")])
    assert rc == 0
    assert json.loads(capsys.readouterr().out)["J"] == 75 + 468
    model, manifest = load_pair(tmp_path / "gc")
    obj = manifest.to_json()
    assert obj["labels"] == ["signing", "not_signing"] and obj["signing_index"] == 0 and obj["class0_is_signing"]
    assert obj["joint_layout"][-1] == {"part": "face", "joints": 468} and obj["num_joints"] == 543
    assert obj["output_timestamp"] == "window_center"
    assert model.adjacency.shape == (543, 543)


def test_import_requires_the_layout_flags_and_reads_stored_args(tmp_path, small_seed_state):
    """J appears in no weight shape: a pose-only (J = 33) or a face (J = 553) checkpoint would load as J = 75
    and give wrong outputs, so every layout flag must come from the command line or the stored arguments."""
    import argparse

    ckpt = tmp_path / "best.pt"
    torch.save({"model": small_seed_state, "epoch": 1, "metric": 0.5, "metric_name": "acc"}, ckpt)
    with pytest.raises(CheckpointError, match=r"--include-hands or --no-include-hands \(upstream default: off in both\)"):
        import_seed(ckpt, tmp_path / "o", include_pose=True, include_face=False, binary=True, coords=2)
    with pytest.raises(CheckpointError, match="--include-face needs --face-joints 478"):
        import_seed(ckpt, tmp_path / "o", include_pose=True, include_hands=True, include_face=True, binary=True,
                    coords=2)
    with pytest.raises(CheckpointError, match="--face-joints 468 given without --include-face"):
        import_seed(ckpt, tmp_path / "o", **POSE_HANDS, face_joints=468, binary=True, coords=2)
    assert import_main([str(ckpt), "--binary", "--include-pose", "--no-include-face", "-o", str(tmp_path / "o")]) == 1
    r = import_seed(ckpt, tmp_path / "pose", include_pose=True, include_hands=False, include_face=False,
                    binary=True, coords=2)
    assert r["J"] == 33 and r["layout"] == [{"part": "pose", "joints": 33}]
    assert not (tmp_path / "o.safetensors").exists()
    # A script that saves its arguments (as a Namespace or a dict) supplies the layout and the head kind.
    for i, stored in enumerate((argparse.Namespace(include_pose=True, include_hands=True, include_face=True,
                                                   binary=True, lr=1e-3),
                                {"include_pose": True, "include_hands": True, "include_face": True, "binary": True})):
        with_args = tmp_path / f"args{i}.pt"
        torch.save({"model": small_seed_state, "epoch": 1, "args": stored}, with_args)
        r = import_seed(with_args, tmp_path / f"a{i}", face_joints=478, coords=2, signing_labels="s")
        assert r["J"] == 553
        _, manifest = load_pair(tmp_path / f"a{i}")
        assert manifest.labels.binary and manifest.labels.signing_index == 1
        with pytest.raises(CheckpointError, match=r"--no-include-face contradicts .*\(include_face = True\)"):
            import_seed(with_args, tmp_path / "o", include_face=False, coords=2)


def test_two_class_head_must_say_what_its_classes_mean(tmp_path, small_seed_state):
    ckpt = tmp_path / "last.pt"
    torch.save({"model": small_seed_state, "epoch": 2, "val_acc": 50.0}, ckpt)
    with pytest.raises(CheckpointError, match="a 2-class head; say what its classes mean: --binary"):
        import_seed(ckpt, tmp_path / "o", **POSE_HANDS, coords=2)
    import_seed(ckpt, tmp_path / "named", **POSE_HANDS, coords=2, labels="left,right")
    _, manifest = load_pair(tmp_path / "named")
    assert manifest.labels.labels == ("left", "right") and not manifest.labels.binary
