"""PyTorch side of SignSTGCN for signd: model, data rules, export/import and parity fixtures.

Written from `shared/specs/signstgcn-model.md`; state_dict keys and shapes follow its §8 exactly so that
upstream (Cyr-Ch/SCA-STGCN) checkpoints load and our exports load in the Swift engine.
"""

from .model import ModelConfig, SignSTGCN

__all__ = ["ModelConfig", "SignSTGCN"]
