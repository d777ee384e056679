"""Reading seed checkpoints and validating state_dicts against the key/shape table of docs/signstgcn.md §6."""

from __future__ import annotations

import argparse
import hashlib
import math
import pickle
import zipfile
from pathlib import Path
from typing import Any, Mapping, NamedTuple, Optional

import numpy as np
import torch

from .model import ModelConfig, SignSTGCN

BN_COUNTER_SUFFIX = "num_batches_tracked"
SIGNER_HEAD_PREFIX = "signer_head."
MAX_LISTED_PROBLEMS = 8
# Seed runs store sklearn metrics as numpy float64; allow exactly those objects in the weights-only unpickler.
# A training script that saves its argparse Namespace (upstream's scripts save none; docs/signstgcn.md §7) is
# read as data too.
_SAFE_GLOBALS = [np._core.multiarray.scalar, np.dtype, np.dtypes.Float64DType, np.dtypes.Float32DType,
                 np.dtypes.Int64DType, argparse.Namespace]
# Entries under which a training script may have stored its arguments.
STORED_ARGS_KEYS = ("args", "config", "hparams")


class CheckpointError(ValueError):
    """A checkpoint or state_dict that cannot be used; the message names the file and the key."""


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Checkpoint(NamedTuple):
    state: dict[str, torch.Tensor]
    entries: dict[str, Any]        # the other top-level scalar entries (epoch, metric, …)
    stored_args: dict[str, Any]    # the training arguments, when the script saved them (upstream's do not)


def load_checkpoint_file(path: str | Path) -> Checkpoint:
    """A seed `best.pt` / `last.pt` / `best_batch.pt` / GC `epoch_###.pt` ({'model': state_dict, …}) or a bare
    state_dict. Loads with weights_only=True: a checkpoint is data, never code."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        with torch.serialization.safe_globals(_SAFE_GLOBALS):
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError, OSError,
            AttributeError, KeyError, IndexError, TypeError) as exc:
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint (truncated or malformed?): "
                              f"{type(exc).__name__}: {_first_useful_line(exc)}") from None
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"{path}: top level is a {type(obj).__name__}, expected a dict")
    if "model" in obj:
        state, meta = obj["model"], {k: v for k, v in obj.items() if k != "model"}
        where = f"{path}['model']"
    else:
        state, meta, where = obj, {}, str(path)
    if not isinstance(state, Mapping) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        keys = list(obj.keys())[:10]
        raise CheckpointError(f"{where}: not a state_dict of tensors (top-level keys: {keys})")
    return Checkpoint({str(k): v for k, v in state.items()}, _scalar_entries(meta), _stored_args(meta))


def _stored_args(meta: Mapping[Any, Any]) -> dict[str, Any]:
    for key in STORED_ARGS_KEYS:
        value = meta.get(key)
        if isinstance(value, argparse.Namespace):
            value = vars(value)
        if isinstance(value, Mapping):
            return _scalar_entries(value)
    return {}


def _first_useful_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    for ln in lines:  # torch's weights-only refusal buries the reason below a long preamble
        if "Unsupported global" in ln:
            return ln
    return lines[0] if lines else ""


def _scalar_entries(meta: Mapping[Any, Any]) -> dict[str, Any]:
    """The JSON-safe scalar entries (epoch, metric, metric_name, val_acc, …); NaN/inf become strings
    because a seed run without sklearn stores metric = NaN and JSON has no NaN."""
    out: dict[str, Any] = {}
    for k, v in meta.items():
        if isinstance(v, torch.Tensor):
            if v.numel() != 1:
                continue
            v = v.item()
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            v = str(v)
        if isinstance(v, (int, float, str, bool)):
            out[str(k)] = v
    return out


def _shape(state: Mapping[str, torch.Tensor], key: str, source: str, ndim: int) -> tuple[int, ...]:
    if key not in state:
        raise CheckpointError(f"{source}: missing key '{key}'")
    shape = tuple(state[key].shape)
    if len(shape) != ndim:
        raise CheckpointError(f"{source}: key '{key}' has shape {shape}, expected {ndim} dimensions")
    return shape


def infer_config(state: Mapping[str, torch.Tensor], num_joints: int, source: str = "state_dict",
                 dilations: tuple[int, ...] = (1, 2, 3), heads: int = 4) -> ModelConfig:
    """Recover everything docs/signstgcn.md §6 says is recoverable from shapes; J, dilations and heads come from
    the caller."""
    channels, i = [], 0
    while f"backbone.layers.{i}.gc.lin.weight" in state:
        channels.append(_shape(state, f"backbone.layers.{i}.gc.lin.weight", source, 2)[0])
        i += 1
    if not channels:
        raise CheckpointError(f"{source}: missing key 'backbone.layers.0.gc.lin.weight' (not a SignSTGCN state_dict?)")
    if len(channels) != len(dilations):
        raise CheckpointError(f"{source}: {len(channels)} backbone blocks but {len(dilations)} dilations")
    c = _shape(state, "backbone.layers.0.gc.lin.weight", source, 2)[1]
    kernel = _shape(state, "backbone.layers.0.temporal.weight", source, 4)[2]
    s_dim = _shape(state, "signer_enc.net.0.weight", source, 1)[0]
    signer_hidden = _shape(state, "signer_enc.net.1.weight", source, 2)[0]
    signer_emb = _shape(state, "signer_enc.net.3.weight", source, 2)[0]
    gru_hidden = _shape(state, "temporal.gru.weight_hh_l0", source, 2)[1]
    nc = _shape(state, "cls_head.net.4.weight", source, 2)[0]
    film = any(k.startswith("attn.k_scale_net.") for k in state)
    k_signers = _shape(state, "signer_head.net.4.weight", source, 2)[0] if "signer_head.net.4.weight" in state else 0
    try:
        return ModelConfig(in_channels=c, num_joints=num_joints, num_classes=nc, signer_stats_dim=s_dim,
                           channels=tuple(channels), kernel=kernel, dilations=tuple(dilations),
                           gru_hidden=gru_hidden, signer_hidden=signer_hidden, signer_embedding=signer_emb,
                           heads=heads, use_film_attention=film, num_signers=k_signers)
    except ValueError as exc:
        raise CheckpointError(f"{source}: inconsistent shapes ({exc})") from None


def expected_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Keys and shapes of a state_dict for `cfg`, num_batches_tracked excluded."""
    with torch.device("meta"):
        model = _meta_model(cfg)
    return {k: tuple(v.shape) for k, v in model.state_dict().items() if not k.endswith(BN_COUNTER_SUFFIX)}


def _meta_model(cfg: ModelConfig) -> SignSTGCN:
    # Shapes do not depend on J; a 1-joint model avoids building a large adjacency.
    return SignSTGCN(cfg.with_(num_joints=1))


def validate_state_dict(state: Mapping[str, torch.Tensor], cfg: ModelConfig, source: str = "state_dict") -> None:
    """Every docs/signstgcn.md §6 key present with its shape, nothing else (num_batches_tracked allowed),
    floating, finite."""
    want = expected_shapes(cfg)
    problems: list[str] = []
    for key, shape in want.items():
        if key not in state:
            problems.append(f"missing key '{key}' {shape}")
        elif tuple(state[key].shape) != shape:
            problems.append(f"key '{key}' has shape {tuple(state[key].shape)}, expected {shape}")
        elif not state[key].is_floating_point():
            problems.append(f"key '{key}' has dtype {state[key].dtype}, expected floating point")
        elif not bool(torch.isfinite(state[key]).all()):
            problems.append(f"key '{key}' contains NaN or infinite values")
    for key in state:
        if key not in want and not key.endswith(BN_COUNTER_SUFFIX):
            problems.append(f"unexpected key '{key}' {tuple(state[key].shape)}")
    if problems:
        more = f" (and {len(problems) - MAX_LISTED_PROBLEMS} more)" if len(problems) > MAX_LISTED_PROBLEMS else ""
        raise CheckpointError(f"{source}: " + "; ".join(problems[:MAX_LISTED_PROBLEMS]) + more)


def inference_state(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """float32, contiguous, without the BN batch counters (what goes into a .safetensors)."""
    return {k: v.detach().to(torch.float32).contiguous() for k, v in state.items()
            if not k.endswith(BN_COUNTER_SUFFIX)}


def build_model(state: Mapping[str, torch.Tensor], cfg: ModelConfig, source: str = "state_dict") -> SignSTGCN:
    """A SignSTGCN in eval mode with `state` loaded (validated first)."""
    validate_state_dict(state, cfg, source)
    model = SignSTGCN(cfg)
    missing, unexpected = model.load_state_dict(dict(state), strict=False)
    bad = [k for k in missing if not k.endswith(BN_COUNTER_SUFFIX)] + list(unexpected)
    if bad:  # validate_state_dict should have caught these; keep the guard explicit
        raise CheckpointError(f"{source}: keys not matching the model: {bad[:MAX_LISTED_PROBLEMS]}")
    return model.eval()


def describe(cfg: ModelConfig) -> dict[str, Optional[object]]:
    return {"C": cfg.in_channels, "J": cfg.num_joints, "S": cfg.signer_stats_dim, "num_classes": cfg.num_classes,
            "attention": cfg.attention, "signer_head_K": cfg.num_signers or None}
