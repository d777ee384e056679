import CSigndOpenCV
import Foundation

/// A PNG line plot drawn by OpenCV (`signd_plot_png`).
public struct LinePlot {
    public struct Series {
        public var x: [Double]
        public var y: [Double]
        public var color: (UInt8, UInt8, UInt8)
        public var thickness: Int32 = 2
        public var step = false
        public var name: String?
        public init(x: [Double], y: [Double], color: (UInt8, UInt8, UInt8), thickness: Int32 = 2, step: Bool = false, name: String? = nil) {
            self.x = x; self.y = y; self.color = color; self.thickness = thickness; self.step = step; self.name = name
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    public var logY = false
    public var width: Int32 = 1000
    public var height: Int32 = 400
    public var series: [Series] = []

    public init(title: String, xLabel: String, yLabel: String, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, logY: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.xRange = xRange; self.yRange = yRange; self.logY = logY
    }

    public func write(to url: URL) throws(EvalError) {
        var error = [CChar](repeating: 0, count: 512)
        // Keep every C string and array alive for the call.
        let names = series.map { $0.name.map { strdup($0) } ?? nil }
        defer { names.forEach { free($0) } }
        let xs = series.map { s -> UnsafeMutablePointer<Double> in
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, s.x.count)); p.initialize(from: s.x, count: s.x.count); return p
        }
        let ys = series.map { s -> UnsafeMutablePointer<Double> in
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, s.y.count)); p.initialize(from: s.y, count: s.y.count); return p
        }
        defer { xs.forEach { $0.deallocate() }; ys.forEach { $0.deallocate() } }
        let cSeries = series.indices.map { i -> signd_plot_series in
            let s = series[i]
            return signd_plot_series(x: xs[i], y: ys[i], count: Int32(min(s.x.count, s.y.count)), color: (s.color.0, s.color.1, s.color.2),
                                     thickness: s.thickness, step: s.step ? 1 : 0, name: names[i].map { UnsafePointer($0) })
        }
        let status: Int32 = title.withCString { t in xLabel.withCString { xl in yLabel.withCString { yl in
            var axes = signd_plot_axes(width: width, height: height, title: t, x_label: xl, y_label: yl,
                                       x_min: xRange.lowerBound, x_max: xRange.upperBound, y_min: yRange.lowerBound,
                                       y_max: yRange.upperBound, log_y: logY ? 1 : 0)
            return cSeries.withUnsafeBufferPointer { buf in
                signd_plot_png(url.path, &axes, buf.baseAddress, Int32(buf.count), &error, error.count)
            }
        } } }
        guard status == 0 else {
            throw .plot(file: url.path, reason: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
}

/// The evaluation plots: probability over time against the ground truth, and the PR curves.
public enum EvalPlots {
    public static let blue: (UInt8, UInt8, UInt8) = (31, 119, 180)
    public static let orange: (UInt8, UInt8, UInt8) = (255, 127, 14)
    public static let green: (UInt8, UInt8, UInt8) = (44, 160, 44)
    public static let gray: (UInt8, UInt8, UInt8) = (150, 150, 150)
    public static let red: (UInt8, UInt8, UInt8) = (214, 39, 40)

    /// Raw and smoothed P(signing) at each window's centre frame, ground truth (1 = signing) and the
    /// detected segments (drawn at 1.05).
    public static func timeline(_ run: VideoRun, groundTruth: GroundTruth, sets: LabelSets, threshold: Double, to url: URL) throws(EvalError) {
        var plot = LinePlot(title: "\(run.video): P(signing)", xLabel: "frame", yLabel: "probability",
                            xRange: 0...Double(max(run.frames - 1, 1)), yRange: -0.05...1.15)
        let labels = (groundTruth.labels[run.video] ?? [:]).filter { !sets.ignored.contains($0.value) }.sorted { $0.key < $1.key }
        plot.series.append(.init(x: labels.map { Double($0.key) }, y: labels.map { sets.positive.contains($0.value) ? 1 : 0 },
                                 color: gray, thickness: 3, step: true, name: "ground truth"))
        plot.series.append(.init(x: [0, Double(run.frames)], y: [threshold, threshold], color: red, thickness: 1, name: "threshold"))
        plot.series.append(.init(x: run.scores.map { Double($0.center.index) }, y: run.scores.map(\.raw), color: blue, thickness: 1, name: "raw (centre)"))
        plot.series.append(.init(x: run.scores.map { Double($0.center.index) }, y: run.scores.map(\.smoothed), color: orange, thickness: 2, name: "smoothed"))
        for (i, segment) in Evaluator.detected(run).enumerated() {
            plot.series.append(.init(x: [Double(segment.startFrame), Double(segment.lastFrame)], y: [1.05, 1.05], color: green, thickness: 4,
                                     name: i == 0 ? "detected segment" : nil))
        }
        try plot.write(to: url)
    }

    /// The per-window and per-frame PR curves; one line when they are the same curve (clips labelled as a whole
    /// give every window its centre frame's label). Returns the legend names drawn.
    @discardableResult
    public static func prCurves(window: [Sample], frame: [Sample], to url: URL) throws(EvalError) -> [String] {
        var plot = LinePlot(title: "Precision-recall", xLabel: "recall", yLabel: "precision", xRange: 0...1, yRange: 0...1.02)
        plot.width = 600; plot.height = 500
        let windowCurve = BinaryMetrics.prCurve(window), frameCurve = BinaryMetrics.prCurve(frame)
        let same = windowCurve.count == frameCurve.count
            && zip(windowCurve, frameCurve).allSatisfy { $0.recall == $1.recall && $0.precision == $1.precision }
        let lines: [([(recall: Double, precision: Double, threshold: Double)], (UInt8, UInt8, UInt8), String)] = same
            ? [(windowCurve, blue, "per window = per frame")]
            : [(windowCurve, blue, "per window"), (frameCurve, orange, "per frame")]
        var drawn: [String] = []
        for (curve, color, name) in lines where !curve.isEmpty {
            plot.series.append(.init(x: [0] + curve.map(\.recall), y: [curve[0].precision] + curve.map(\.precision), color: color,
                                     thickness: 2, name: name))
            drawn.append(name)
        }
        try plot.write(to: url)
        return drawn
    }
}
