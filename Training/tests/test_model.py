import numpy as np
import pytest
import torch

from numpy_reference import reference_forward
from signstgcn.data import chain_adjacency, pose_stats_batch
from signstgcn.model import ModelConfig, SignSTGCN, state_dict_elements

# docs/signstgcn.md §6 table for the binary default (S = 4, C = 2), num_batches_tracked excluded.
SPEC_SHAPES = {
    "backbone.layers.0.gc.lin.weight": (64, 2), "backbone.layers.0.gc.lin.bias": (64,),
    "backbone.layers.0.temporal.weight": (64, 64, 3, 1),
    **{f"backbone.layers.0.bn.{n}": (64,) for n in ("weight", "bias", "running_mean", "running_var")},
    "backbone.layers.0.res_proj.weight": (64, 2), "backbone.layers.0.res_proj.bias": (64,),
    "backbone.layers.1.gc.lin.weight": (128, 64), "backbone.layers.1.gc.lin.bias": (128,),
    "backbone.layers.1.temporal.weight": (128, 128, 3, 1),
    **{f"backbone.layers.1.bn.{n}": (128,) for n in ("weight", "bias", "running_mean", "running_var")},
    "backbone.layers.1.res_proj.weight": (128, 64), "backbone.layers.1.res_proj.bias": (128,),
    "backbone.layers.2.gc.lin.weight": (128, 128), "backbone.layers.2.gc.lin.bias": (128,),
    "backbone.layers.2.temporal.weight": (128, 128, 3, 1),
    **{f"backbone.layers.2.bn.{n}": (128,) for n in ("weight", "bias", "running_mean", "running_var")},
    "signer_enc.net.0.weight": (4,), "signer_enc.net.0.bias": (4,),
    "signer_enc.net.1.weight": (128, 4), "signer_enc.net.1.bias": (128,),
    "signer_enc.net.3.weight": (64, 128), "signer_enc.net.3.bias": (64,),
    "attn.q_proj.weight": (128, 128), "attn.k_proj.weight": (128, 192),
    "attn.v_proj.weight": (128, 128), "attn.out_proj.weight": (128, 128),
    **{f"temporal.gru.weight_ih_l0{s}": (768, 128) for s in ("", "_reverse")},
    **{f"temporal.gru.weight_hh_l0{s}": (768, 256) for s in ("", "_reverse")},
    **{f"temporal.gru.bias_{k}_l0{s}": (768,) for k in ("ih", "hh") for s in ("", "_reverse")},
    "cls_head.net.0.weight": (512,), "cls_head.net.0.bias": (512,),
    "cls_head.net.1.weight": (512, 512), "cls_head.net.1.bias": (512,),
    "cls_head.net.4.weight": (2, 512), "cls_head.net.4.bias": (2,),
}


def test_binary_state_dict_keys_shapes_and_count():
    sd = SignSTGCN(ModelConfig()).state_dict()
    shapes = {k: tuple(v.shape) for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    assert shapes == SPEC_SHAPES
    assert sorted(k for k in sd if k.endswith("num_batches_tracked")) == [
        f"backbone.layers.{i}.bn.num_batches_tracked" for i in range(3)]
    assert state_dict_elements(sd) == 1_085_645
    assert sum(p.numel() for p in SignSTGCN(ModelConfig()).parameters()) == 1_085_002


@pytest.mark.parametrize("kw,count", [
    (dict(num_classes=10), 1_089_749),                                            # basic
    (dict(num_classes=10, use_film_attention=True), 1_114_837),                   # film_attention
    (dict(num_classes=10, num_signers=4), 1_223_129),                             # pseudo_signers
    (dict(num_classes=10, num_signers=4, use_film_attention=True), 1_248_217),    # film_pseudo
    (dict(num_classes=2, num_signers=8), 1_220_053),                              # legacy signgcn_3vids
])
def test_experiment_readme_counts(kw, count):
    assert state_dict_elements(SignSTGCN(ModelConfig(**kw)).state_dict()) == count


def test_film_keys():
    sd = SignSTGCN(ModelConfig(use_film_attention=True)).state_dict()
    assert tuple(sd["attn.k_proj.weight"].shape) == (128, 128)
    for net in ("k", "v"):
        assert tuple(sd[f"attn.{net}_scale_net.0.weight"].shape) == (128, 64)
        assert tuple(sd[f"attn.{net}_scale_net.0.bias"].shape) == (128,)
        assert tuple(sd[f"attn.{net}_shift_net.weight"].shape) == (128, 64)
        assert tuple(sd[f"attn.{net}_shift_net.bias"].shape) == (128,)


def test_adjacency_not_in_state_dict():
    assert not any("adjacency" in k for k in SignSTGCN(ModelConfig()).state_dict())


@pytest.mark.parametrize("kw", [
    dict(), dict(num_classes=100), dict(use_film_attention=True), dict(in_channels=3, num_joints=553),
    dict(use_film_attention=True, num_classes=3, num_signers=4),
])
def test_forward_shapes(kw):
    cfg = ModelConfig(**kw)
    model = SignSTGCN(cfg).eval()
    x = torch.rand(3, 25, cfg.num_joints, cfg.in_channels)
    with torch.no_grad():
        out = model(x, torch.rand(3, cfg.signer_stats_dim), return_features=True)
    assert out["logits"].shape == (3, cfg.num_classes)
    assert out["embedding"].shape == (3, 512)
    assert out["H"].shape == (3, 25, 128) and out["H_att"].shape == (3, 25, 128)
    assert out["signer_emb"].shape == (3, 64)
    assert ("signer_logits" in out) == (cfg.num_signers > 0)
    if cfg.num_signers:
        assert out["signer_logits"].shape == (3, cfg.num_signers)


def test_forward_rejects_wrong_shapes():
    model = SignSTGCN(ModelConfig()).eval()
    with pytest.raises(ValueError, match="x must be"):
        model(torch.zeros(1, 25, 74, 2), torch.zeros(1, 4))
    with pytest.raises(ValueError, match="pose_stats must be"):
        model(torch.zeros(1, 25, 75, 2), torch.zeros(1, 16))


@pytest.mark.parametrize("film", [False, True])
def test_matches_independent_numpy_reference(film):
    torch.manual_seed(3)
    model = SignSTGCN(ModelConfig(use_film_attention=film)).eval()
    with torch.no_grad():  # non-trivial BN/LN so that their order matters
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.25, 2.0)
    x = np.random.default_rng(0).uniform(0, 1, (2, 25, 75, 2)).astype(np.float32)
    stats = pose_stats_batch(x)
    with torch.no_grad():
        out = model(torch.from_numpy(x), torch.from_numpy(stats), return_features=True)
    sd = {k: v.numpy() for k, v in model.state_dict().items()}
    for b in range(2):
        ref = reference_forward(x[b], stats[b], chain_adjacency(75), sd, film)
        for key, mine in (("H", out["H"]), ("H_att", out["H_att"]), ("Z", out["embedding"]), ("logits", out["logits"])):
            np.testing.assert_allclose(mine[b].numpy(), ref[key], atol=2e-5, rtol=0, err_msg=key)


def test_backward_gru_half_sees_only_last_frame():
    model = SignSTGCN(ModelConfig()).eval()
    h = torch.rand(1, 25, 128)
    h2 = h.clone()
    h2[:, :24] = torch.rand(1, 24, 128)
    with torch.no_grad():
        z1, z2 = model.temporal(h), model.temporal(h2)
    assert torch.equal(z1[:, 256:], z2[:, 256:])
    assert not torch.allclose(z1[:, :256], z2[:, :256])


def test_gradient_reversal_flips_signer_gradient():
    model = SignSTGCN(ModelConfig(num_signers=4)).eval()  # dropout off; reversal still applies
    z = torch.rand(2, 512, requires_grad=True)
    model.signer_head(z).sum().backward()
    g_rev = z.grad.clone()
    z.grad = None
    model.signer_head.net(z).sum().backward()
    torch.testing.assert_close(g_rev, -z.grad)
