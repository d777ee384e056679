"""The Python twin of the daemon's decision path on the cases Swift's DecisionCasesTests reads too."""

import json
import math

import pytest

from conftest import REPO
from signstgcn.decision import DecisionParams, reacted, segments

CASES = json.loads((REPO / "Tests" / "Fixtures" / "decision" / "cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_segments_match_shared_cases(case):
    p = case["params"]
    params = DecisionParams(p["smoothing_alpha"], p["enter_threshold"], p["exit_threshold"],
                            p["min_start_frames"], p["min_end_frames"], p.get("confirm_frames", 0))
    raw = [math.nan if x is None else x for x in case["raw"]]
    got = [{"start": s.start, "emitted": s.emitted, "last": s.last, "ended_by": s.ended_by}
           | ({"confirmed": s.confirmed} if "confirm_frames" in p else {})
           for s in segments(raw, params)]
    assert got == case["segments"]


def test_reacted_keeps_confirmed_segments_at_their_confirmation():
    raw = [0.1] + [0.9] * 8 + [0.1] * 3 + [0.9] * 4 + [0.1] * 3     # the shared case of that shape
    plain = DecisionParams(1.0, 0.6, 0.4, 3, 2)
    assert reacted(raw, plain) == segments(raw, plain)
    confirmed = DecisionParams(1.0, 0.6, 0.4, 3, 2, confirm=6)
    assert [(s.start, s.emitted, s.last) for s in reacted(raw, confirmed)] == [(1, 6, 8)]
    assert [(s.start, s.emitted, s.confirmed) for s in segments(raw, confirmed)] == [(1, 3, 6), (12, 14, None)]
    assert confirmed.with_enter(0.5).confirm == 6


def test_with_enter_keeps_the_gap():
    p = DecisionParams().with_enter(0.9)
    assert (p.enter, round(p.exit, 9), p.min_start) == (0.9, 0.7, 3)
    assert DecisionParams().with_enter(0.1).exit == 0.0
