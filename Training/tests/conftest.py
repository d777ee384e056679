import sys
from pathlib import Path

import pytest
import torch

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent.parent
FIXTURES = REPO / "Tests" / "Fixtures" / "stgcn"
DATA = Path("/work/shared/data")

sys.path.insert(0, str(TESTS))     # numpy_reference
torch.set_num_threads(1)           # fixed reduction order: fixture outputs reproduce to ≤ 1e-6


@pytest.fixture
def small_seed_state():
    """A seed-format state_dict (binary, C = 2, S = 4) from a deterministic model."""
    from signstgcn.model import ModelConfig, SignSTGCN
    torch.manual_seed(7)
    return SignSTGCN(ModelConfig()).state_dict()
