"""The daemon's decision path in Python: the EMA smoother and the hysteresis segment tracker of
`Sources/SigndHeads` (Smoother.swift, SegmentTracker.swift), frame for frame.

Used by the detector evaluation (`detector_cv`) to sweep thresholds over per-frame probabilities without
rerunning the heads. Both implementations are checked against the same cases
(`Tests/Fixtures/decision/cases.json`: Swift `DecisionCasesTests`, Python `tests/test_decision.py`), and
`detector_cv` checks this twin against the segments `signd replay` publishes at the default parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Sequence

import math


@dataclass(frozen=True)
class DecisionParams:
    """heads.* defaults of the daemon (docs/configuration.md)."""
    alpha: float = 0.5            # smoothing_alpha
    enter: float = 0.6            # enter_threshold
    exit: float = 0.4             # exit_threshold
    min_start: int = 3            # min_start_frames
    min_end: int = 10             # min_end_frames
    confirm: int = 0              # confirm_frames (0: no confirmation)

    def with_enter(self, enter: float, gap: float = 0.2) -> "DecisionParams":
        """The same parameters at another enter threshold, exit `gap` below it (as the defaults)."""
        return DecisionParams(self.alpha, enter, max(0.0, enter - gap), self.min_start, self.min_end, self.confirm)


@dataclass(frozen=True)
class Segment:
    start: int                    # first frame of the segment (first of the min_start frames above enter)
    emitted: int                  # frame whose probability caused the `start` event
    last: int                     # last frame of the segment
    ended_by: str                 # "exit" (min_end frames below exit) or "close" (end of input)
    confirmed: Optional[int] = None  # frame of the `confirm` event (confirm > 0 and the segment was confirmed)


def smooth(raw: Sequence[float], alpha: float) -> list[float]:
    """EMASmoother.step over the scored frames (NaN = frame not scored: skipped, as the daemon never steps it)."""
    out: list[float] = []
    value: Optional[float] = None
    for p in raw:
        if p is None or math.isnan(p):
            out.append(math.nan)
            continue
        value = p if value is None else alpha * p + (1 - alpha) * value
        out.append(value)
    return out


def segments(raw: Sequence[float], params: DecisionParams = DecisionParams()) -> list[Segment]:
    """Segments the daemon publishes for per-frame raw probabilities (NaN where no window ended)."""
    out: list[Segment] = []
    candidate: Optional[int] = None
    run = 0
    active: Optional[tuple[int, int]] = None          # (start, emitted)
    above = 0                                         # frames >= enter in a row inside the open segment
    confirmed: Optional[int] = None
    below = 0
    below_first_previous: Optional[int] = None
    previous: Optional[int] = None
    for frame, p in enumerate(smooth(raw, params.alpha)):
        if math.isnan(p):
            continue
        if active is not None:
            above = above + 1 if p >= params.enter else 0
            if params.confirm > 0 and confirmed is None and above >= params.confirm:
                confirmed = frame
            if p < params.exit:
                if below == 0:
                    below_first_previous = previous if previous is not None else frame
                below += 1
                if below >= params.min_end:
                    out.append(Segment(active[0], active[1], below_first_previous, "exit", confirmed))
                    active, below = None, 0
            else:
                below = 0
        elif p >= params.enter:
            if candidate is None:
                candidate = frame
            run += 1
            if run >= params.min_start:
                active, above, confirmed = (candidate, frame), run, None
                candidate, run, below = None, 0, 0
        else:
            candidate, run = None, 0
        previous = frame
    if active is not None and previous is not None:
        last = below_first_previous if below > 0 and below_first_previous is not None else previous
        out.append(Segment(active[0], active[1], last, "close", confirmed))
    return out


def reacted(raw: Sequence[float], params: DecisionParams = DecisionParams()) -> list[Segment]:
    """The segments a subscriber reacts to: every published one, or with confirmation (`params.confirm` > 0)
    only the confirmed ones, each `emitted` on its `confirm` event."""
    if params.confirm <= 0:
        return segments(raw, params)
    return [replace(s, emitted=s.confirmed) for s in segments(raw, params) if s.confirmed is not None]
