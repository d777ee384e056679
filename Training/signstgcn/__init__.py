"""PyTorch side of SignSTGCN for signd: model, data rules, export/import and parity fixtures.

Written from the model as `docs/signstgcn.md` describes it; state_dict keys and shapes follow its §6 exactly so that
upstream (Cyr-Ch/SCA-STGCN) checkpoints load and our exports load in the Swift engine.
"""

from .model import ModelConfig, SignSTGCN

__all__ = ["ModelConfig", "SignSTGCN"]
