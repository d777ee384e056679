// swift-tools-version:6.0
// signd — real-time sign-language detector daemon.
// Pipeline (one direction): capture → landmarks → windows → heads → events.
import PackageDescription

// OpenCV 4.6 from Debian: link only the modules we use (linking all of them loads ~120 more shared
// objects and costs ~40 MB more RSS at start).
let openCVLibraries: [LinkerSetting] = [
    .linkedLibrary("opencv_core"),
    .linkedLibrary("opencv_imgproc"),
    .linkedLibrary("opencv_imgcodecs"),
    .linkedLibrary("opencv_videoio"),
]

let package = Package(
    name: "signd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "signd", targets: ["signd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // MARK: C/C++ bridges (thin; all logic lives in Swift)
        .target(
            name: "CSigndOpenCV",
            path: "Sources/CSigndOpenCV",
            cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4", "-O2"])],
            linkerSettings: openCVLibraries
        ),
        .systemLibrary(name: "CZmq", path: "Sources/CZmq"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CMosquitto", path: "Sources/CMosquitto"),
        .target(
            name: "CLiteRt",
            path: "Sources/CLiteRt",
            linkerSettings: [.linkedLibrary("dl")]
        ),

        // MARK: Swift modules, in pipeline order
        .target(name: "SigndCore", path: "Sources/SigndCore"),
        .target(name: "SigndNpz", dependencies: ["SigndCore", "ZIPFoundation"], path: "Sources/SigndNpz"),
        .target(name: "SigndConfig", dependencies: ["SigndCore", "Yams"], path: "Sources/SigndConfig"),
        .target(name: "SigndCapture", dependencies: ["SigndCore", "CSigndOpenCV"], path: "Sources/SigndCapture"),
        .target(
            name: "SigndLiteRT",
            dependencies: ["CLiteRt", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/SigndLiteRT",
            // The pins, compiled in: the installed binary checks its models without any file beside it.
            resources: [.embedInCode("pins.tsv")]
        ),
        .target(
            name: "SigndLandmarks",
            dependencies: ["SigndCore", "SigndLiteRT", "SigndCapture", "CSigndOpenCV"],
            path: "Sources/SigndLandmarks"
        ),
        .target(name: "SigndWindows", dependencies: ["SigndCore"], path: "Sources/SigndWindows"),
        .target(name: "SigndSTGCN", dependencies: ["SigndCore", "COpenBLAS"], path: "Sources/SigndSTGCN"),
        .target(name: "SigndHeads", dependencies: ["SigndCore", "SigndWindows", "SigndSTGCN"], path: "Sources/SigndHeads"),
        .target(
            name: "SigndEval",
            dependencies: ["SigndCore", "SigndHeads", "SigndNpz", "CSigndOpenCV", .product(name: "SwiftCSV", package: "SwiftCSV")],
            path: "Sources/SigndEval"
        ),
        .target(name: "SigndEvents", dependencies: ["SigndCore", "CZmq"], path: "Sources/SigndEvents"),
        .target(name: "SigndSystemd", path: "Sources/SigndSystemd"),
        // Optional local HTTP endpoints (metrics, live view): one small server wrapper over Hummingbird.
        .target(
            name: "SigndHTTP",
            dependencies: [
                "SigndCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/SigndHTTP"
        ),
        .target(
            name: "SigndMetrics",
            dependencies: ["SigndCore", "SigndEvents", "SigndHTTP", .product(name: "Prometheus", package: "swift-prometheus")],
            path: "Sources/SigndMetrics"
        ),
        .target(
            name: "SigndLiveView",
            dependencies: [
                "SigndCore", "SigndEvents", "SigndCapture", "SigndLandmarks", "SigndHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/SigndLiveView"
        ),
        .target(
            name: "SigndMQTT",
            dependencies: ["SigndCore", "SigndEvents", "CMosquitto", .product(name: "Logging", package: "swift-log")],
            path: "Sources/SigndMQTT"
        ),
        .target(
            name: "SigndDaemon",
            dependencies: [
                "SigndCore", "SigndConfig", "SigndCapture", "SigndLandmarks", "SigndLiteRT", "SigndSTGCN",
                "SigndHeads", "SigndEvents", "SigndSystemd", "SigndNpz", "SigndHTTP", "SigndMetrics", "SigndMQTT", "SigndLiveView",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Sources/SigndDaemon"
        ),
        // `signd bench`: the daemon's loop on a video, per-stage HdrHistograms; apart from the daemon it measures.
        .target(
            name: "SigndBench",
            dependencies: [
                "SigndCore", "SigndConfig", "SigndCapture", "SigndDaemon",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Sources/SigndBench"
        ),
        .executableTarget(
            name: "signd",
            dependencies: [
                // Every module the command files import, declared (not reached through another's dependencies).
                "SigndBench", "SigndCore", "SigndDaemon", "SigndLandmarks", "SigndLiteRT", "SigndNpz", "SigndCapture", "SigndConfig",
                "SigndEval", "SigndEvents", "SigndHeads", "SigndSTGCN",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/signd"
        ),

        // MARK: Benchmarks (executables; run by the scripts in Benchmarks/)
        .executableTarget(
            name: "signd-bench-stgcn",
            dependencies: ["SigndSTGCN"],
            path: "Benchmarks/STGCNLatency"
        ),

        // MARK: Tests (real parts: OpenCV decoding, ZeroMQ sockets, LiteRT models, OpenBLAS)
        .target(name: "SigndTestSupport", dependencies: ["SigndCore", "SigndEvents"], path: "Tests/SigndTestSupport"),
        .testTarget(name: "SigndNpzTests", dependencies: ["SigndCore", "SigndNpz", "SigndTestSupport"]),
        .testTarget(name: "SigndConfigTests", dependencies: ["SigndConfig", "SigndTestSupport"]),
        .testTarget(name: "SigndCaptureTests", dependencies: ["SigndCapture", "SigndTestSupport"]),
        .testTarget(name: "SigndWindowsTests", dependencies: ["SigndWindows", "SigndTestSupport"]),
        .testTarget(name: "SigndLiteRTTests", dependencies: ["SigndLiteRT", "SigndTestSupport"]),
        .testTarget(name: "SigndLandmarksTests", dependencies: ["SigndLandmarks", "SigndLiteRT", "SigndNpz", "SigndCapture", "SigndTestSupport"]),
        .testTarget(name: "SigndSTGCNTests", dependencies: ["SigndSTGCN", "SigndTestSupport"]),
        .testTarget(name: "SigndHeadsTests", dependencies: ["SigndHeads", "SigndSTGCN", "SigndTestSupport"]),
        .testTarget(name: "SigndEvalTests", dependencies: ["SigndEval", "SigndHeads", "SigndTestSupport"]),
        .testTarget(name: "SigndEventsTests", dependencies: ["SigndEvents", "SigndTestSupport"]),
        .testTarget(name: "SigndSystemdTests", dependencies: ["SigndSystemd", "SigndTestSupport"]),
        .testTarget(name: "SigndDaemonTests", dependencies: [
            "SigndDaemon", "SigndBench", "SigndCore", "SigndConfig", "SigndEvents", "SigndHeads", "SigndMQTT", "SigndNpz", "SigndSTGCN", "SigndTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "SigndMetricsTests", dependencies: ["SigndMetrics", "SigndEvents", "SigndTestSupport"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
