// SigndLiteRT — runs the original MediaPipe .tflite files through LiteRT's C API (libLiteRt.so from the
// ai-edge-litert 2.3.0 wheel, opened with dlopen; see Sources/CLiteRt) on the XNNPACK CPU path. Outputs
// are bit-identical to Python's ai_edge_litert interpreter (Tests/SigndLiteRTTests/LiteRTTests.swift).
//
// Typical use:
//
//     let models = try HolisticModelSet(directory: HolisticModelSet.defaultDirectory())  // sizes + sha256
//     let runtime = try models.makeRuntime()                     // resolves every LiteRT symbol
//     let hand = try models.makeModel(.handLandmarkFull, runtime: runtime, threads: 1)
//     try hand.withInput(0) { tensor in /* write 224×224×3 floats in [0,1], NHWC */ }
//     try hand.run()
//     let presence = try hand.withOutput(1) { $0[0] }          // outputs in .tflite order (docs/holistic.md §4)
//
// Buffers are created once per model instance and reused; the per-frame calls do not allocate.
// One instance per thread: create a second instance for work that runs concurrently (e.g. each hand).
// Files: `<models>/litert/libLiteRt.so` and `<models>/mediapipe/<model>.tflite`, laid out and verified by
// `scripts/fetch-models <models>`.
