"""The average-precision cases the Swift twin (SigndEval) is tested on too: Tests/Fixtures/metrics/average_precision.json."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from signstgcn.metrics import average_precision

CASES = json.loads((Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "metrics" / "average_precision.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_average_precision_matches_shared_cases(case):
    ap = average_precision(np.array(case["labels"]), np.array(case["scores"]))
    if case["expected"] is None:
        assert math.isnan(ap)
    else:
        assert ap == pytest.approx(case["expected"], abs=1e-12)


WINDOW_CASES = json.loads((Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "metrics" / "window_labels.json")
                          .read_text())["cases"]


@pytest.mark.parametrize("case", WINDOW_CASES, ids=[c["name"] for c in WINDOW_CASES])
def test_window_label_matches_shared_cases(case):
    from signstgcn.data import UNKNOWN_LABEL, window_label
    labels = {int(frame): label for frame, label in case["labels"].items()}
    expected = case["expected"] if case["expected"] is not None else UNKNOWN_LABEL
    assert window_label(labels, case["start"], case["window"]) == expected
