"""The JSON manifest next to each exported head (docs/model-format.md): what the state_dict cannot carry."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from .data import WINDOW, STRIDE, DataError, HandFrame, HeadInput, JointLayout
from .model import ModelConfig

FORMAT = "signd-stgcn"
FORMAT_VERSION = 1
COORD_NAMES = ("x", "y", "z", "visibility")
POSE_STATS_DEFINITION = "per-channel mean, then population std + 1e-6, over the zero-filled window"
OUTPUT_TIMESTAMPS = ("window_last", "window_center")
OPEN_SET_SCORE = "max_mean_probability"   # the largest class probability of the mean over windows
OPEN_SET_LABEL = "unknown"                # the answer below the threshold (no class may be called so)
BACKGROUND_LABEL = "other"                # a class trained on out-of-vocabulary signing; never an answer
CHAIN_GRAPH = {"kind": "chain", "self_loops": True, "normalization": "symmetric", "degree_epsilon": 1e-6}


class ManifestError(ValueError):
    """A manifest that is missing a field, has a wrong type or contradicts itself; names the file and field."""


@dataclass(frozen=True)
class LabelSpec:
    """Class semantics: id → label, and for binary heads which index means signing."""

    labels: tuple[str, ...]
    binary: bool
    signing_index: Optional[int] = None
    signing_labels: tuple[str, ...] = ()
    class0_is_signing: bool = False

    @staticmethod
    def binary_head(signing_labels: tuple[str, ...], class0_is_signing: bool = False) -> "LabelSpec":
        labels = ("signing", "not_signing") if class0_is_signing else ("not_signing", "signing")
        return LabelSpec(labels, True, 0 if class0_is_signing else 1, tuple(sorted(signing_labels)),
                         class0_is_signing)

    @staticmethod
    def multiclass(labels: tuple[str, ...]) -> "LabelSpec":
        return LabelSpec(tuple(labels), False)


@dataclass(frozen=True)
class Manifest:
    layout: JointLayout
    coords: tuple[str, ...]
    config: ModelConfig
    labels: LabelSpec
    window: int = WINDOW
    stride: int = STRIDE
    output_timestamp: str = "window_last"
    coordinate_convention: str = "mediapipe-normalized-image"
    provenance: Mapping[str, Any] = field(default_factory=dict)
    # Flat joint indices set to 0 before anything else (with NaN → 0, before pose_stats). Written only when
    # non-empty, so seed imports and older heads keep their exact manifests.
    zeroed_joints: tuple[int, ...] = ()
    # Two flat joint indices whose midpoint and distance normalise x, y per frame (data.normalize_frames); also
    # written only when set.
    normalize_joints: tuple[int, ...] = ()
    # Hands seen in their own frame (data.HandFrame: joints around the wrist in wrist-to-knuckle lengths); also
    # written only when set.
    hand_local: tuple[HandFrame, ...] = ()
    # Multi-class heads: when the answer is `unknown` ({"score": "max_mean_probability", "unknown_below": t,
    # ...}, set by signstgcn.open_set); written only when set.
    open_set: Mapping[str, Any] = field(default_factory=dict)
    # Binary heads: the calibrated decision thresholds ({"enter_threshold": e, "exit_threshold": x,
    # "calibration": "how they were chosen"}), which the daemon uses unless its config sets heads.*_threshold;
    # written only when set.
    operating_point: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.layout.num_joints != self.config.num_joints:
            raise ManifestError(f"joint_layout sums to {self.layout.num_joints} joints, model has "
                                f"{self.config.num_joints}")
        if len(self.coords) != self.config.in_channels:
            raise ManifestError(f"coords {list(self.coords)} do not match C = {self.config.in_channels}")
        if len(self.labels.labels) != self.config.num_classes:
            raise ManifestError(f"{len(self.labels.labels)} labels for num_classes = {self.config.num_classes}")
        if self.labels.binary and self.config.num_classes != 2:
            raise ManifestError(f"binary head needs num_classes = 2, got {self.config.num_classes}")
        bad = [j for j in self.zeroed_joints if not 0 <= j < self.layout.num_joints]
        if bad or len(set(self.zeroed_joints)) != len(self.zeroed_joints):
            raise ManifestError(f"zeroed_joints must be distinct indices in 0..{self.layout.num_joints - 1}, "
                                f"got {list(self.zeroed_joints)}")
        bad = [j for j in self.normalize_joints if not 0 <= j < self.layout.num_joints]
        if bad:
            raise ManifestError(f"normalize_joints must be indices in 0..{self.layout.num_joints - 1}, "
                                f"got {list(self.normalize_joints)}")
        try:
            self.head_input.check_joints(self.layout.num_joints)
        except DataError as exc:
            raise ManifestError(str(exc)) from None
        if not self.labels.binary and OPEN_SET_LABEL in self.labels.labels:
            raise ManifestError(f"labels: {OPEN_SET_LABEL!r} is the open-set answer and cannot name a class")
        if self.open_set:
            if self.labels.binary:
                raise ManifestError("open_set is for multi-class heads; a binary head has no `unknown` answer")
            t = self.open_set.get("unknown_below")
            bg = self.open_set.get("background_label")
            if bg is not None and bg not in self.labels.labels:
                raise ManifestError(f"open_set.background_label {bg!r} is not one of the labels")
            if self.open_set.get("score") != OPEN_SET_SCORE or isinstance(t, bool) or not isinstance(t, (int, float)) \
                    or not 0 <= t <= 1:
                raise ManifestError(f"open_set must hold score {OPEN_SET_SCORE!r} and unknown_below in [0, 1], "
                                    f"got {dict(self.open_set)}")
        if self.operating_point:
            self._check_operating_point()
        if self.output_timestamp not in OUTPUT_TIMESTAMPS:
            raise ManifestError(f"output_timestamp must be one of {OUTPUT_TIMESTAMPS}, got {self.output_timestamp!r}")

    def _check_operating_point(self) -> None:
        op = self.operating_point
        if not self.labels.binary:
            raise ManifestError("operating_point is for binary heads: it sets when a segment starts and ends")
        values = {}
        for key in ("enter_threshold", "exit_threshold"):
            v = op.get(key)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ManifestError(f"operating_point.{key} must be a number in [0, 1], got {v!r}")
            values[key] = v
        if values["exit_threshold"] > values["enter_threshold"]:
            raise ManifestError(f"operating_point.exit_threshold must be ≤ enter_threshold "
                                f"({values['enter_threshold']}), got {values['exit_threshold']}")
        unknown = sorted(set(op) - {"enter_threshold", "exit_threshold", "calibration"})
        if unknown or not isinstance(op.get("calibration", ""), str):
            raise ManifestError(f"operating_point holds enter_threshold, exit_threshold and a calibration text, "
                                f"got {dict(op)}")

    @property
    def head_input(self) -> HeadInput:
        return HeadInput(self.zeroed_joints, self.normalize_joints, self.hand_local)

    @staticmethod
    def default_coords(c: int) -> tuple[str, ...]:
        if not 1 <= c <= len(COORD_NAMES):
            raise ManifestError(f"coords: C must be 1..{len(COORD_NAMES)}, got {c}")
        return COORD_NAMES[:c]

    def to_json(self) -> dict[str, Any]:
        cfg, lab = self.config, self.labels
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "architecture": "SignSTGCN",
            "joint_layout": self.layout.to_json(),
            "num_joints": self.layout.num_joints,
            "coords": list(self.coords),
            "coordinate_convention": self.coordinate_convention,
            "nan_policy": "zero",
            **({"zeroed_joints": list(self.zeroed_joints)} if self.zeroed_joints else {}),
            **({"normalize_joints": list(self.normalize_joints)} if self.normalize_joints else {}),
            **({"hand_local": [h.to_json() for h in self.hand_local]} if self.hand_local else {}),
            "window": self.window,
            "stride": self.stride,
            "channels": list(cfg.channels),
            "kernel": cfg.kernel,
            "dilations": list(cfg.dilations),
            "gru_hidden": cfg.gru_hidden,
            "signer_embedding": cfg.signer_embedding,
            "heads": cfg.heads,
            "attention": cfg.attention,
            "graph": dict(CHAIN_GRAPH),
            "pose_stats": {"definition": POSE_STATS_DEFINITION, "dim": cfg.signer_stats_dim},
            "num_classes": cfg.num_classes,
            "labels": list(lab.labels),
            "binary": lab.binary,
            "signing_index": lab.signing_index,
            "signing_labels": list(lab.signing_labels),
            "class0_is_signing": lab.class0_is_signing,
            "output_timestamp": self.output_timestamp,
            **({"open_set": dict(self.open_set)} if self.open_set else {}),
            **({"operating_point": dict(self.operating_point)} if self.operating_point else {}),
            "provenance": dict(self.provenance),
        }

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")

    @staticmethod
    def read(path: str | Path) -> "Manifest":
        path = Path(path)
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ManifestError(f"{path}: manifest not found") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ManifestError(f"{path}: not valid JSON ({exc})") from None
        return Manifest.from_json(obj, str(path))

    @staticmethod
    def from_json(obj: Any, source: str = "manifest") -> "Manifest":
        def get(key: str, kind: type | tuple[type, ...]):
            if not isinstance(obj, dict) or key not in obj:
                raise ManifestError(f"{source}: missing field '{key}'")
            val = obj[key]
            # bool is an int subclass; reject it where a number is wanted.
            if not isinstance(val, kind) or (kind is int and isinstance(val, bool)):
                raise ManifestError(f"{source}: field '{key}' has the wrong type ({type(val).__name__})")
            return val

        if get("format", str) != FORMAT:
            raise ManifestError(f"{source}: field 'format' must be '{FORMAT}'")
        if get("format_version", int) != FORMAT_VERSION:
            raise ManifestError(f"{source}: unsupported format_version {obj['format_version']}")
        if get("architecture", str) != "SignSTGCN":
            raise ManifestError(f"{source}: field 'architecture' must be 'SignSTGCN'")
        try:
            layout = JointLayout.from_json(get("joint_layout", list))
        except ValueError as exc:
            raise ManifestError(f"{source}: {exc}") from None
        if get("num_joints", int) != layout.num_joints:
            raise ManifestError(f"{source}: num_joints {obj['num_joints']} != sum of joint_layout "
                                f"({layout.num_joints})")
        coords = tuple(str(c) for c in get("coords", list))
        if get("nan_policy", str) != "zero":
            raise ManifestError(f"{source}: field 'nan_policy' must be 'zero'")
        graph = get("graph", dict)
        if graph.get("kind") != "chain":
            raise ManifestError(f"{source}: field 'graph.kind' must be 'chain' (no other graph is defined yet)")
        attention = get("attention", str)
        if attention not in ("additive", "film"):
            raise ManifestError(f"{source}: field 'attention' must be 'additive' or 'film', got {attention!r}")
        stats_dim = get("pose_stats", dict).get("dim")
        if not isinstance(stats_dim, int) or stats_dim != 2 * len(coords):
            raise ManifestError(f"{source}: field 'pose_stats.dim' must be 2·C = {2 * len(coords)}, got {stats_dim}")
        binary = get("binary", bool)
        signing_index = obj.get("signing_index")
        if binary and signing_index not in (0, 1):
            raise ManifestError(f"{source}: binary head needs 'signing_index' 0 or 1, got {signing_index!r}")
        if get("kernel", int) != 3:  # the only temporal kernel of the seed and of the Swift engine
            raise ManifestError(f"{source}: field 'kernel' must be 3 (padding = dilation), got {obj['kernel']}")
        try:
            cfg = ModelConfig(
                in_channels=len(coords), num_joints=layout.num_joints, num_classes=get("num_classes", int),
                signer_stats_dim=stats_dim, channels=tuple(int(c) for c in get("channels", list)),
                kernel=get("kernel", int), dilations=tuple(int(d) for d in get("dilations", list)),
                gru_hidden=get("gru_hidden", int), signer_embedding=get("signer_embedding", int),
                heads=get("heads", int), use_film_attention=attention == "film")
        except ValueError as exc:
            raise ManifestError(f"{source}: {exc}") from None
        labels = LabelSpec(tuple(str(x) for x in get("labels", list)), binary,
                           signing_index if binary else None,
                           tuple(str(x) for x in obj.get("signing_labels", []) or []),
                           bool(obj.get("class0_is_signing", False)))
        zeroed = obj.get("zeroed_joints", [])
        if not isinstance(zeroed, list) or not all(isinstance(j, int) and not isinstance(j, bool) for j in zeroed):
            raise ManifestError(f"{source}: field 'zeroed_joints' must be a list of joint indices")
        normalize = obj.get("normalize_joints", [])
        if not isinstance(normalize, list) or not all(isinstance(j, int) and not isinstance(j, bool)
                                                      for j in normalize):
            raise ManifestError(f"{source}: field 'normalize_joints' must be a list of two joint indices")
        hands = obj.get("hand_local", [])
        if not isinstance(hands, list):
            raise ManifestError(f"{source}: field 'hand_local' must be a list of hands")
        try:
            hand_local = tuple(HandFrame.from_json(h) for h in hands)
        except DataError as exc:
            raise ManifestError(f"{source}: {exc}") from None
        try:
            return Manifest(layout, coords, cfg, labels, window=get("window", int), stride=get("stride", int),
                            zeroed_joints=tuple(zeroed), normalize_joints=tuple(normalize), hand_local=hand_local,
                            output_timestamp=get("output_timestamp", str),
                            coordinate_convention=str(obj.get("coordinate_convention", "")),
                            provenance=dict(obj.get("provenance") or {}),
                            open_set=dict(obj.get("open_set") or {}),
                            operating_point=_mapping(obj, "operating_point", source))
        except ManifestError as exc:
            raise ManifestError(f"{source}: {exc}") from None


def _mapping(obj: Mapping[str, Any], key: str, source: str) -> dict:
    """An optional object field; absent or null is empty."""
    v = obj.get(key)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ManifestError(f"{source}: field {key!r} must be an object, got {v!r}")
    return dict(v)
