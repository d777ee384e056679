"""The Python twin of the daemon's decision path on the cases Swift's DecisionCasesTests reads too."""

import json
import math

import pytest

from conftest import REPO
from signstgcn.decision import DecisionParams, segments

CASES = json.loads((REPO / "Tests" / "Fixtures" / "decision" / "cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_segments_match_shared_cases(case):
    p = case["params"]
    params = DecisionParams(p["smoothing_alpha"], p["enter_threshold"], p["exit_threshold"],
                            p["min_start_frames"], p["min_end_frames"])
    raw = [math.nan if x is None else x for x in case["raw"]]
    got = [{"start": s.start, "emitted": s.emitted, "last": s.last, "ended_by": s.ended_by}
           for s in segments(raw, params)]
    assert got == case["segments"]


def test_with_enter_keeps_the_gap():
    p = DecisionParams().with_enter(0.9)
    assert (p.enter, round(p.exit, 9), p.min_start) == (0.9, 0.7, 3)
    assert DecisionParams().with_enter(0.1).exit == 0.0
