"""Which sequences a run uses: language, gloss list, signing-only, minimum length."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Iterable, Optional

from .sequences import SequenceInfo


@dataclass(frozen=True)
class SequenceFilter:
    language: Optional[str] = None          # keep signing rows of this language (non-signing rows: see below)
    glosses: Optional[tuple[str, ...]] = None
    signing_only: bool = False
    min_frames: int = 1

    @staticmethod
    def add_arguments(ap: argparse.ArgumentParser) -> None:
        ap.add_argument("--language", default=None, help="keep signing sequences of this language only")
        ap.add_argument("--glosses", default=None, help="comma list of glosses to keep (multi-class)")
        ap.add_argument("--signing-only", action="store_true", help="drop non-signing sequences")
        ap.add_argument("--min-frames", type=int, default=5,
                        help="drop sequences shorter than this (shorter than the window ones are padded)")

    @staticmethod
    def from_args(args: argparse.Namespace) -> "SequenceFilter":
        glosses = tuple(g.strip() for g in args.glosses.split(",") if g.strip()) if args.glosses else None
        return SequenceFilter(args.language, glosses, bool(args.signing_only), int(args.min_frames))

    def keep(self, r: SequenceInfo) -> bool:
        if r.frames < self.min_frames:
            return False
        if self.signing_only and not r.signing:
            return False
        if r.signing and self.language is not None and r.language != self.language:
            return False
        if self.glosses is not None and r.gloss not in self.glosses:
            return False
        return True

    def apply(self, rows: Iterable[SequenceInfo]) -> list[SequenceInfo]:
        return [r for r in rows if self.keep(r)]

    def describe(self) -> dict:
        return {"language": self.language, "glosses": list(self.glosses) if self.glosses else None,
                "signing_only": self.signing_only, "min_frames": self.min_frames}
