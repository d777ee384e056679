"""An independent NumPy (float64) forward pass written straight from docs/signstgcn.md §5, used to check that the PyTorch
module and therefore the parity fixtures implement the spec and not just themselves."""

from __future__ import annotations

import math

import numpy as np


def _lin(x, w, b=None):
    y = x @ w.T
    return y + b if b is not None else y


def _ln(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _gelu(x):
    from math import erf
    return 0.5 * x * (1.0 + np.vectorize(erf)(x / math.sqrt(2.0)))


def _block(x, A, sd, i, dilation):
    """x: (T, J, Cin) → (T, J, Cout)."""
    p = f"backbone.layers.{i}."
    u = _lin(x, sd[p + "gc.lin.weight"], sd[p + "gc.lin.bias"])          # bias before the graph step
    g = np.matmul(A, u)                                                   # Σ_j A[i,j]·u[t,j,:]
    w = sd[p + "temporal.weight"][:, :, :, 0]                              # (Cout, Cout, K)
    t_len, k = g.shape[0], w.shape[2]
    gpad = np.concatenate([np.zeros((dilation,) + g.shape[1:]), g, np.zeros((dilation,) + g.shape[1:])])
    y = np.zeros((t_len, g.shape[1], w.shape[0]))
    for t in range(t_len):
        for kk in range(k):
            y[t] += gpad[t + kk * dilation] @ w[:, :, kk].T
    y = (y - sd[p + "bn.running_mean"]) / np.sqrt(sd[p + "bn.running_var"] + 1e-5) * sd[p + "bn.weight"] + sd[p + "bn.bias"]
    res = _lin(x, sd[p + "res_proj.weight"], sd[p + "res_proj.bias"]) if p + "res_proj.weight" in sd else x
    return np.maximum(y + res, 0.0)


def _attention(h, s, sd, film, heads=4):
    t_len, d = h.shape
    q = h @ sd["attn.q_proj.weight"].T
    if film:
        k = (h @ sd["attn.k_proj.weight"].T) * (1 + np.tanh(_lin(s, sd["attn.k_scale_net.0.weight"], sd["attn.k_scale_net.0.bias"]))) \
            + _lin(s, sd["attn.k_shift_net.weight"], sd["attn.k_shift_net.bias"])
        v = (h @ sd["attn.v_proj.weight"].T) * (1 + np.tanh(_lin(s, sd["attn.v_scale_net.0.weight"], sd["attn.v_scale_net.0.bias"]))) \
            + _lin(s, sd["attn.v_shift_net.weight"], sd["attn.v_shift_net.bias"])
    else:
        k = np.concatenate([h, np.repeat(s[None, :], t_len, 0)], axis=1) @ sd["attn.k_proj.weight"].T
        v = h @ sd["attn.v_proj.weight"].T
    hd = d // heads
    out = np.zeros_like(q)
    for hh in range(heads):
        sl = slice(hh * hd, (hh + 1) * hd)
        sc = q[:, sl] @ k[:, sl].T / math.sqrt(hd)
        sc = np.exp(sc - sc.max(1, keepdims=True))
        out[:, sl] = (sc / sc.sum(1, keepdims=True)) @ v[:, sl]
    return out @ sd["attn.out_proj.weight"].T


def _gru_step(x, h, sd, suffix):
    hid = h.shape[0]
    gi = _lin(x, sd["temporal.gru.weight_ih_l0" + suffix], sd["temporal.gru.bias_ih_l0" + suffix])
    gh = _lin(h, sd["temporal.gru.weight_hh_l0" + suffix], sd["temporal.gru.bias_hh_l0" + suffix])
    r = _sigmoid(gi[:hid] + gh[:hid])
    z = _sigmoid(gi[hid:2 * hid] + gh[hid:2 * hid])
    n = np.tanh(gi[2 * hid:] + r * gh[2 * hid:])
    return (1 - z) * n + z * h


def reference_forward(window, stats, A, sd, film, dilations=(1, 2, 3)):
    """One zero-filled window (T, J, C) and its pose_stats (S,) → dict of H, H_att, Z, logits (float64)."""
    sd = {k: v.astype(np.float64) for k, v in sd.items()}
    x = window.astype(np.float64)
    for i, d in enumerate(dilations):
        x = _block(x, A.astype(np.float64), sd, i, d)
    h = x.mean(axis=1)
    s = _ln(stats.astype(np.float64), sd["signer_enc.net.0.weight"], sd["signer_enc.net.0.bias"])
    s = np.maximum(_lin(s, sd["signer_enc.net.1.weight"], sd["signer_enc.net.1.bias"]), 0.0)
    s = _lin(s, sd["signer_enc.net.3.weight"], sd["signer_enc.net.3.bias"])
    h_att = _attention(h, s, sd, film)
    hid = sd["temporal.gru.weight_hh_l0"].shape[1]
    hf = np.zeros(hid)
    for t in range(h_att.shape[0]):
        hf = _gru_step(h_att[t], hf, sd, "")
    hb = _gru_step(h_att[-1], np.zeros(hid), sd, "_reverse")   # backward state at the last frame: one step
    z = np.concatenate([hf, hb])
    y = _ln(z, sd["cls_head.net.0.weight"], sd["cls_head.net.0.bias"])
    y = _gelu(_lin(y, sd["cls_head.net.1.weight"], sd["cls_head.net.1.bias"]))
    logits = _lin(y, sd["cls_head.net.4.weight"], sd["cls_head.net.4.bias"])
    return {"H": h, "H_att": h_att, "Z": z, "logits": logits}
