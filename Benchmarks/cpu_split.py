"""CPU split of a signd run by stage and by what the CPU was doing, from `perf script` output (sampled call
chains). Each sample is charged to the stage of the nearest signd function on its call chain (pose detector,
pose landmarks, hands, face, smoothing, heads, publishing, capture) and to the kind of code at its leaf (the
networks in LiteRT/XNNPACK, OpenBLAS, FFmpeg decoding, colour conversion, OpenCV warps and resizes, ZeroMQ,
the kernel, Swift's runtime, signd's own code). Usage: perf script -i perf.data | python3 cpu_split.py"""

from __future__ import annotations

import re
import sys
from collections import Counter

# First match wins; searched from the leaf towards the root. Names are matched inside (mangled) symbols.
STAGES = (
    ("smoothing", re.compile(r"LandmarksSmoother|VisibilitySmoother|OneEuro|LowPass")),
    ("letterbox", re.compile(r"Letterbox")),
    ("pose detector", re.compile(r"PoseStage.*detect|PoseStageC6detect")),
    ("pose landmarks", re.compile(r"PoseStage")),
    ("hands", re.compile(r"HandStage")),
    ("face", re.compile(r"FaceStage")),
    ("heads", re.compile(r"HeadPipeline|HeadsStage|STGCN|SigndSTGCN")),
    ("publish", re.compile(r"EventPublisher|EventMessage|JSONEncoder|zmq_")),
    ("capture", re.compile(r"VideoReader|LiveCapture|signd_capture|FrameFeed")),
)

KINDS = (
    ("network (LiteRT/XNNPACK)", lambda dso, sym: "libLiteRt" in dso),
    ("BLAS (OpenBLAS)", lambda dso, sym: "openblas" in dso.lower()),
    ("colour conversion", lambda dso, sym: "swscale" in dso or "cvtColor" in sym or "CvtColor" in sym),
    ("video decoding (FFmpeg)", lambda dso, sym: any(x in dso for x in ("libavcodec", "libavformat", "libavutil", "libdav1d", "libx26"))),
    ("warps and resizes (OpenCV)", lambda dso, sym: "libopencv_imgproc" in dso),
    ("other OpenCV (copies, core)", lambda dso, sym: "libopencv" in dso),
    ("ZeroMQ", lambda dso, sym: "libzmq" in dso),
    ("kernel", lambda dso, sym: "kernel" in dso),
    ("memory and libc", lambda dso, sym: "libc.so" in dso or "ld-linux" in dso or "libm.so" in dso),
    ("Swift runtime and Foundation", lambda dso, sym: "libswift" in dso or "libFoundation" in dso or "libdispatch" in dso),
    ("signd code", lambda dso, sym: True),
)

FRAME = re.compile(r"^\s+[0-9a-f]+\s+(?P<sym>.*?)\s+\((?P<dso>[^)]*)\)\s*$")


def samples(lines):
    """Yields each sample's call chain as [(symbol, dso)], leaf first."""
    chain: list[tuple[str, str]] = []
    for line in lines:
        if not line.strip():
            if chain:
                yield chain
            chain = []
            continue
        m = FRAME.match(line)
        if m:
            chain.append((m["sym"], m["dso"]))
    if chain:
        yield chain


# Where the call chain does not reach a signd function (DWARF unwinding stops in some libraries), the
# library says which stage it serves.
STAGE_OF_KIND = {"video decoding (FFmpeg)": "capture", "colour conversion": "capture", "BLAS (OpenBLAS)": "heads",
                 "ZeroMQ": "publish"}


def classify(chain):
    sym, dso = chain[0]
    kind = next(name for name, test in KINDS if test(dso, sym))
    stage = next((name for sym, _ in chain for name, rx in STAGES if rx.search(sym)), None)
    return stage or STAGE_OF_KIND.get(kind, "other"), kind


def main() -> int:
    by_stage, by_kind, both = Counter(), Counter(), Counter()
    for chain in samples(sys.stdin):
        stage, kind = classify(chain)
        by_stage[stage] += 1
        by_kind[kind] += 1
        both[(stage, kind)] += 1
    total = sum(by_stage.values())
    if not total:
        print("cpu_split: no samples (is perf recording with call graphs?)", file=sys.stderr)
        return 1
    pct = lambda n: 100.0 * n / total
    print(f"{total} samples")
    print("\nby stage (nearest signd function on the call chain)")
    for stage, n in by_stage.most_common():
        kinds = ", ".join(f"{k} {pct(c):.1f}" for (s, k), c in both.most_common() if s == stage and pct(c) >= 0.5)
        print(f"  {stage:<16} {pct(n):5.1f} %   ({kinds})")
    print("\nby kind of code (the sampled instruction's library)")
    for kind, n in by_kind.most_common():
        print(f"  {kind:<30} {pct(n):5.1f} %")
    inference = by_kind["network (LiteRT/XNNPACK)"] + by_kind["BLAS (OpenBLAS)"]
    print(f"\nnot inference (everything but LiteRT and OpenBLAS): {pct(total - inference):.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
