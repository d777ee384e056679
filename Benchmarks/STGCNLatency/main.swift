// signd-bench-stgcn: per-window latency of the SignSTGCN forward pass (batch 1), full recompute vs
// streaming with frame reuse. Run with OPENBLAS_NUM_THREADS=1 for the single-core figure.
import Foundation
import SigndSTGCN

struct Options {
    var stem = "Tests/Fixtures/stgcn/additive_binary_j75_c2/model"
    var iterations = 200
    var warmup = 20
    var json = false
    /// Profiling aid: run only one of the measurements.
    var only: String?
}

func parse() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let v = args.popFirst() else { fail("\(flag) needs a value") }
        return v
    }
    while let a = args.popFirst() {
        switch a {
        case "--model": o.stem = value(a)
        case "--iterations": o.iterations = Int(value(a)) ?? -1
        case "--warmup": o.warmup = Int(value(a)) ?? -1
        case "--json": o.json = true
        case "--only": o.only = value(a)
        case "-h", "--help":
            print("usage: signd-bench-stgcn [--model STEM] [--iterations N] [--warmup N] [--json] [--only full|stream|stream-no-reuse]")
            exit(0)
        default: fail("unknown argument \(a)")
        }
    }
    guard o.iterations > 0, o.warmup >= 0 else { fail("--iterations must be > 0 and --warmup >= 0") }
    return o
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("signd-bench-stgcn: \(message)\n".utf8))
    exit(2)
}

/// Deterministic landmark-like frames: smooth motion in [0,1], a hand missing (NaN) now and then.
struct FrameSource {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    let joints: Int, coords: Int, handRange: Range<Int>
    var index = 0

    mutating func uniform() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24)
    }

    mutating func next() -> [Float] {
        var frame = [Float](repeating: 0, count: joints * coords)
        let phase = Float(index) * 0.1
        for j in 0..<joints {
            for c in 0..<coords {
                frame[j * coords + c] = 0.5 + 0.3 * sinf(phase + Float(j * coords + c) * 0.37) + 0.01 * uniform()
            }
        }
        if index % 40 >= 30 { for j in handRange { for c in 0..<coords { frame[j * coords + c] = .nan } } }
        index += 1
        return frame
    }
}

struct Summary {
    let median, p90, mean, fastest: Double

    init(_ samples: [Double]) {
        let s = samples.sorted()
        median = s[s.count / 2]
        p90 = s[Swift.min(s.count - 1, Int((Double(s.count) * 0.9).rounded(.up)) - 1)]
        mean = s.reduce(0, +) / Double(s.count)
        fastest = s[0]
    }

    var json: String {
        String(format: "{\"median_ms\": %.4f, \"p90_ms\": %.4f, \"mean_ms\": %.4f, \"min_ms\": %.4f}", median, p90, mean, fastest)
    }
}

func milliseconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

let options = parse()
let model: STGCNModel
do {
    model = try STGCNModel.load(stem: URL(fileURLWithPath: options.stem))
} catch {
    fail("\(error)")
}
let m = model.manifest
var source = FrameSource(joints: m.numJoints, coords: m.coordCount, handRange: 33..<min(54, m.numJoints))
let total = options.warmup + options.iterations
let frames = (0..<(total + m.window)).map { _ in source.next() }

// Full recompute: one window per call, sliding by one frame like the daemon.
var full: [Double] = []
var sink: Float = 0
for i in 0..<(options.only == nil || options.only == "full" ? total : options.warmup + 1) {
    let window = Array(frames[i ..< i + m.window].joined())
    let ms = milliseconds { sink += model.logits(window: window)[0] }
    if i >= options.warmup { full.append(ms) }
}

// Streaming: time only the pushes that complete a window.
func stream(reuse: Bool, sink: inout Float) -> [Double] {
    let s = STGCNStream(model: model, reuse: reuse)
    var samples: [Double] = []
    var emitted = 0
    for frame in frames {
        var out: [Float]?
        let ms = milliseconds { out = s.push(frame: frame) }
        if let out {
            sink += out[0]
            if emitted >= options.warmup { samples.append(ms) }
            emitted += 1
        }
    }
    return samples
}
let streaming = options.only == nil || options.only == "stream" ? stream(reuse: true, sink: &sink) : [0]
let noReuse = options.only == nil || options.only == "stream-no-reuse" ? stream(reuse: false, sink: &sink) : [0]
if full.isEmpty { full = [0] }

let f = Summary(full), s = Summary(streaming), n = Summary(noReuse)
let threads = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "default"
if options.json {
    print("{\"model\": \"\(options.stem)\", \"joints\": \(m.numJoints), \"coords\": \(m.coordCount), "
        + "\"attention\": \"\(m.attention.rawValue)\", \"iterations\": \(options.iterations), "
        + "\"openblas_threads\": \"\(threads)\", \"blas\": \"\(openBLASDescription())\", "
        + "\"swift_full\": \(f.json), \"swift_stream\": \(s.json), \"swift_stream_no_reuse\": \(n.json), "
        + "\"checksum\": \(sink)}")
} else {
    print("model \(options.stem)  J=\(m.numJoints) C=\(m.coordCount) attention=\(m.attention.rawValue)")
    print("OpenBLAS: \(openBLASDescription())  OPENBLAS_NUM_THREADS=\(threads)")
    print("per-window latency over \(options.iterations) windows (\(options.warmup) warm-up), ms:")
    print(String(format: "  %-26@ median %7.3f  p90 %7.3f  mean %7.3f", "full recompute" as NSString, f.median, f.p90, f.mean))
    print(String(format: "  %-26@ median %7.3f  p90 %7.3f  mean %7.3f", "streaming (reuse)" as NSString, s.median, s.p90, s.mean))
    print(String(format: "  %-26@ median %7.3f  p90 %7.3f  mean %7.3f", "streaming (no reuse)" as NSString, n.median, n.p90, n.mean))
}
