"""SignSTGCN (Cyr-Ch/SCA-STGCN) re-implemented as docs/signstgcn.md §5–§6 describes it.

Module names are chosen so that `state_dict()` has exactly the upstream keys and shapes; the quirks are kept
on purpose (bias before the graph step, attention without residual, GRU output = out[:, -1, :]).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

from .data import chain_adjacency


@dataclass(frozen=True)
class ModelConfig:
    """Everything that fixes the architecture; J only matters for the (non-persistent) adjacency."""

    in_channels: int = 2                          # C
    num_joints: int = 75                          # J
    num_classes: int = 2                          # nc
    signer_stats_dim: Optional[int] = None        # S; None → 2·C, what every seed training script uses
    channels: tuple[int, ...] = (64, 128, 128)
    kernel: int = 3
    dilations: tuple[int, ...] = (1, 2, 3)
    gru_hidden: int = 256
    signer_hidden: int = 128
    signer_embedding: int = 64
    heads: int = 4
    use_film_attention: bool = False
    num_signers: int = 0                          # K > 0 adds the gradient-reversal signer head
    dropout: float = 0.1
    attn_dropout: float = 0.0
    grl_lambda: float = 1.0

    def __post_init__(self) -> None:
        if self.signer_stats_dim is None:
            object.__setattr__(self, "signer_stats_dim", 2 * self.in_channels)
        if len(self.channels) != len(self.dilations):
            raise ValueError(f"channels {self.channels} and dilations {self.dilations} differ in length")
        if self.channels[-1] % self.heads:
            raise ValueError(f"attention width {self.channels[-1]} not divisible by {self.heads} heads")
        for name in ("in_channels", "num_joints", "num_classes", "kernel", "gru_hidden", "heads"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")

    @property
    def attention(self) -> str:
        return "film" if self.use_film_attention else "additive"

    def with_(self, **changes) -> "ModelConfig":
        return replace(self, **changes)


class GraphLinear(nn.Module):
    """`gc`: Linear per frame and joint (bias included), then the graph step Σ_j A[i,j]·U[j]."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.lin = nn.Linear(cin, cout)

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        u = self.lin(x)                                   # (B, T, J, Cout)
        return torch.einsum("ij,btjc->btic", adjacency, u)


class STGCNBlock(nn.Module):
    def __init__(self, cin: int, cout: int, kernel: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.gc = GraphLinear(cin, cout)
        pad = (kernel - 1) // 2 * dilation
        self.temporal = nn.Conv2d(cout, cout, kernel_size=(kernel, 1), dilation=(dilation, 1),
                                  padding=(pad, 0), bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.res_proj = nn.Linear(cin, cout) if cin != cout else nn.Identity()
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        g = self.gc(x, adjacency).permute(0, 3, 1, 2)      # (B, Cout, T, J)
        y = self.bn(self.temporal(g))
        y = y + self.res_proj(x).permute(0, 3, 1, 2)      # residual on the block input, after BN
        return self.drop(F.relu(y)).permute(0, 2, 3, 1)   # (B, T, J, Cout)


class Backbone(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        widths = (cfg.in_channels,) + tuple(cfg.channels)
        self.layers = nn.ModuleList(
            STGCNBlock(widths[i], widths[i + 1], cfg.kernel, cfg.dilations[i], cfg.dropout)
            for i in range(len(cfg.channels)))

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, adjacency)
        return x.mean(dim=2)                              # joint mean over all J → (B, T, C)


class SignerEncoder(nn.Module):
    def __init__(self, stats_dim: int, hidden: int, out: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(stats_dim), nn.Linear(stats_dim, hidden), nn.ReLU(),
                                 nn.Linear(hidden, out))

    def forward(self, stats: torch.Tensor) -> torch.Tensor:
        return self.net(stats)


def _multi_head(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, drop: nn.Module) -> torch.Tensor:
    """Scaled dot-product attention over all frames, heads = contiguous channel chunks, no mask."""
    b, t, d = q.shape
    hd = d // heads
    qh, kh, vh = (z.reshape(b, t, heads, hd).transpose(1, 2) for z in (q, k, v))
    p = torch.softmax(qh @ kh.transpose(-1, -2) / math.sqrt(hd), dim=-1)
    return (drop(p) @ vh).transpose(1, 2).reshape(b, t, d)


class BiasAwareAttention(nn.Module):
    """Keys see [H ‖ s]; no biases, no residual (the output replaces H)."""

    def __init__(self, dim: int, signer_dim: int, heads: int, attn_dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim + signer_dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.out_proj = nn.Linear(dim, dim, bias=False)
        self.drop = nn.Dropout(attn_dropout)

    def forward(self, h: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        s_rep = s.unsqueeze(1).expand(-1, h.shape[1], -1)
        k = self.k_proj(torch.cat([h, s_rep], dim=-1))
        return self.out_proj(_multi_head(self.q_proj(h), k, self.v_proj(h), self.heads, self.drop))


class FiLMSignerAttention(nn.Module):
    """Keys and values modulated by the signer embedding: x ⊙ (1 + tanh(scale(s))) + shift(s)."""

    def __init__(self, dim: int, signer_dim: int, heads: int, attn_dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.out_proj = nn.Linear(dim, dim, bias=False)
        self.k_scale_net = nn.Sequential(nn.Linear(signer_dim, dim), nn.Tanh())
        self.k_shift_net = nn.Linear(signer_dim, dim)
        self.v_scale_net = nn.Sequential(nn.Linear(signer_dim, dim), nn.Tanh())
        self.v_shift_net = nn.Linear(signer_dim, dim)
        self.drop = nn.Dropout(attn_dropout)

    def forward(self, h: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        s1 = s.unsqueeze(1)
        k = self.k_proj(h) * (1 + self.k_scale_net(s1)) + self.k_shift_net(s1)
        v = self.v_proj(h) * (1 + self.v_scale_net(s1)) + self.v_shift_net(s1)
        return self.out_proj(_multi_head(self.q_proj(h), k, v, self.heads, self.drop))


class TemporalAggregator(nn.Module):
    """BiGRU; the output is out[:, -1, :] — the backward half has seen only the last frame (docs/signstgcn.md §5)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.gru = nn.GRU(dim, hidden, num_layers=1, batch_first=True, bidirectional=True)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        out, _ = self.gru(h)
        return out[:, -1, :]


class ClassifierHead(nn.Module):
    def __init__(self, dim: int, num_classes: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(dim, num_classes))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class _GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, lam: float) -> torch.Tensor:
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return -ctx.lam * grad, None


class SignerHead(nn.Module):
    """Adversarial pseudo-signer classifier behind gradient reversal (training only)."""

    def __init__(self, dim: int, num_signers: int, dropout: float, lam: float) -> None:
        super().__init__()
        self.lam = lam
        self.net = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim // 2), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(dim // 2, num_signers))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(_GradReverse.apply(z, self.lam))


class SignSTGCN(nn.Module):
    """forward(x (B,T,J,C) zero-filled, pose_stats (B,S)) → dict(logits, embedding[, signer_logits][, H,
    H_att, signer_emb]). The chain adjacency for J is a non-persistent buffer: it is not in the state_dict,
    exactly as upstream, and is rebuilt from the manifest's J."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.config = cfg
        dim = cfg.channels[-1]
        self.register_buffer("adjacency", torch.from_numpy(chain_adjacency(cfg.num_joints)), persistent=False)
        self.backbone = Backbone(cfg)
        self.signer_enc = SignerEncoder(cfg.signer_stats_dim, cfg.signer_hidden, cfg.signer_embedding)
        attn_cls = FiLMSignerAttention if cfg.use_film_attention else BiasAwareAttention
        self.attn = attn_cls(dim, cfg.signer_embedding, cfg.heads, cfg.attn_dropout)
        self.temporal = TemporalAggregator(dim, cfg.gru_hidden)
        self.cls_head = ClassifierHead(2 * cfg.gru_hidden, cfg.num_classes, cfg.dropout)
        if cfg.num_signers > 0:
            self.signer_head = SignerHead(2 * cfg.gru_hidden, cfg.num_signers, cfg.dropout, cfg.grl_lambda)

    def forward(self, x: torch.Tensor, pose_stats: torch.Tensor, return_features: bool = False
                ) -> dict[str, torch.Tensor]:
        cfg = self.config
        if x.dim() != 4 or x.shape[2] != cfg.num_joints or x.shape[3] != cfg.in_channels:
            raise ValueError(f"x must be (B, T, {cfg.num_joints}, {cfg.in_channels}), got {tuple(x.shape)}")
        if pose_stats.shape != (x.shape[0], cfg.signer_stats_dim):
            raise ValueError(f"pose_stats must be ({x.shape[0]}, {cfg.signer_stats_dim}), "
                             f"got {tuple(pose_stats.shape)}")
        h = self.backbone(x, self.adjacency)
        s = self.signer_enc(pose_stats)
        h_att = self.attn(h, s)
        z = self.temporal(h_att)
        out = {"logits": self.cls_head(z), "embedding": z}
        if cfg.num_signers > 0:
            out["signer_logits"] = self.signer_head(z)
        if return_features:
            out.update(H=h, H_att=h_att, signer_emb=s)
        return out


def state_dict_elements(state: dict[str, torch.Tensor]) -> int:
    """Element count of a state_dict including BN buffers (the docs/signstgcn.md §6 size check)."""
    return sum(int(t.numel()) for t in state.values())
