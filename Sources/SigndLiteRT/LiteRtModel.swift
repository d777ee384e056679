import CLiteRt
import Foundation

/// Shape and size of one model input or output (float32, NHWC as stored in the .tflite file).
public struct TensorInfo: Sendable, Equatable, CustomStringConvertible {
    /// Position in the model's signature (the .tflite input/output order).
    public let index: Int
    /// Tensor name in the .tflite file (e.g. `Identity_1`, `output_crop`, `conv2d_21`).
    public let name: String
    public let shape: [Int]
    public let elementCount: Int

    public var byteCount: Int { elementCount * MemoryLayout<Float>.size }
    public var description: String { "\(name)\(shape)" }
}

/// One compiled .tflite model on LiteRT's XNNPACK CPU path, with input and output tensor buffers
/// created once and reused for every `run()`.
///
/// Threading: an instance is meant for one thread at a time (calls are serialized by an internal lock,
/// so misuse cannot corrupt memory, but interleaving fill/run/read from two threads mixes frames); users
/// that share one instance wrap each fill/run/read in `exclusively`.
/// Instances are fully independent — each has its own LiteRT environment, compiled model and buffers —
/// so two instances of the same file (e.g. left and right hand) can run concurrently on two threads.
/// Do not call methods of the same model from inside a `withInput`/`withOutput` closure.
public final class LiteRtModel: @unchecked Sendable {
    public let runtime: LiteRtRuntime
    public let url: URL
    /// File name used in error messages.
    public let name: String
    public let threads: Int
    public let inputs: [TensorInfo]
    public let outputs: [TensorInfo]
    /// Operators in the file and operators run, when `keepingOutputs` dropped some outputs; nil otherwise.
    public let operatorCounts: (whole: Int, run: Int)?

    private let handles: Handles
    private let lock = NSLock()
    /// Held across one use (fill, run, read) by `exclusively`: `lock` guards each call, this the sequence.
    private let useLock = NSLock()

    /// Loads and compiles `file` for XNNPACK with `threads` threads.
    /// - Parameters:
    ///   - expectedSHA256: when given, the file's digest must match (checked before LiteRT sees it).
    ///   - expectedByteCount: when given, a shorter file is reported as truncated, a longer one as corrupt.
    ///   - mediaPipeOps: register MediaPipe's custom ops (Landmarks2TransformMatrix, TransformTensorBilinear,
    ///     TransformLandmarks: CLiteRt/mediapipe_ops.c), which face_landmark_with_attention needs.
    ///   - keepingOutputs: run only these outputs (in this order) and the operators they need
    ///     (`TFLiteOutputPruning`; the kept outputs are bit-identical to the whole model's). nil: every output.
    public init(
        runtime: LiteRtRuntime, file: URL, expectedSHA256: String? = nil, expectedByteCount: Int? = nil,
        threads: Int = 1, mediaPipeOps: Bool = false, keepingOutputs: [String]? = nil
    ) throws {
        guard threads >= 1 else { throw LiteRtError.invalidThreadCount(threads) }
        let name = file.lastPathComponent
        try ModelFileCheck.validate(file, expectedByteCount: expectedByteCount)
        if let expectedSHA256 { try FileDigest.verify(file, sha256: expectedSHA256) }

        let api = runtime.api.pointee
        let h = Handles(runtime: runtime)
        func check(_ status: LiteRtStatus, _ call: String) throws {
            guard status == SigndLiteRtStatusOk else {
                throw LiteRtError.callFailed(call: call, status: status, model: name)
            }
        }

        try check(
            signd_litert_create_cpu_environment(runtime.api, runtime.logSeverity.rawValue, &h.environment),
            "LiteRtCreateEnvironment")
        let status: LiteRtStatus
        var pruning: TFLiteOutputPruning.Result?
        if mediaPipeOps || keepingOutputs != nil {
            let bytes = try Self.editedBytes(of: file, mediaPipeOps: mediaPipeOps, keepingOutputs: keepingOutputs)
            h.modelBytes = bytes.bytes
            pruning = bytes.pruning
            status = api.CreateModelFromBuffer(h.environment, h.modelBytes?.baseAddress, h.modelBytes?.count ?? 0, &h.model)
        } else {
            status = file.path.withCString { api.CreateModelFromFile(h.environment, $0, &h.model) }
        }
        guard status == SigndLiteRtStatusOk else {
            throw LiteRtError.modelFileCorrupt(
                path: file.path,
                reason: "LiteRtCreateModelFromFile failed with status \(status) (\(LiteRtStatusName.name(status)))")
        }
        try check(api.CreateOptions(&h.options), "LiteRtCreateOptions")
        try check(
            api.SetOptionsHardwareAccelerators(h.options, LiteRtHwAcceleratorSet(SigndLiteRtHwAcceleratorCpu)),
            "LiteRtSetOptionsHardwareAccelerators")
        guard let options = h.options else {
            throw LiteRtError.callFailed(call: "LiteRtCreateOptions", status: -1, model: name)
        }
        try check(
            signd_litert_add_xnnpack_threads(runtime.api, options, Int32(clamping: threads)), "LiteRtAddOpaqueOptions")
        if mediaPipeOps {
            try check(signd_mediapipe_ops_register(runtime.api, options, &h.mediaPipeOps), "LiteRtAddCustomOpKernelOption")
        }
        try check(api.CreateCompiledModel(h.environment, h.model, h.options, &h.compiled), "LiteRtCreateCompiledModel")
        if let ops = h.mediaPipeOps { try Self.checkCustomOps(ops, model: name) }

        var signature: LiteRtSignature?
        try check(api.GetModelSignature(h.model, 0, &signature), "LiteRtGetModelSignature")
        var inputCount: LiteRtParamIndex = 0
        var outputCount: LiteRtParamIndex = 0
        try check(api.GetNumSignatureInputs(signature, &inputCount), "LiteRtGetNumSignatureInputs")
        try check(api.GetNumSignatureOutputs(signature, &outputCount), "LiteRtGetNumSignatureOutputs")

        h.allocateBufferLists(inputs: Int(inputCount), outputs: Int(outputCount))
        var inputInfos: [TensorInfo] = []
        var outputInfos: [TensorInfo] = []
        for isInput in [true, false] {
            let count = isInput ? Int(inputCount) : Int(outputCount)
            for i in 0..<count {
                let kind = isInput ? "Input" : "Output"
                var tensor: LiteRtTensor?
                try check(
                    isInput
                        ? api.GetSignatureInputTensorByIndex(signature, LiteRtParamIndex(i), &tensor)
                        : api.GetSignatureOutputTensorByIndex(signature, LiteRtParamIndex(i), &tensor),
                    "LiteRtGetSignature\(kind)TensorByIndex")
                var cName: UnsafePointer<CChar>?
                try check(api.GetTensorName(tensor, &cName), "LiteRtGetTensorName")
                let tensorName = cName.map { String(cString: $0) } ?? "\(kind.lowercased())\(i)"
                var type = LiteRtRankedTensorType()
                try check(api.GetRankedTensorType(tensor, &type), "LiteRtGetRankedTensorType")
                let info = try Self.tensorInfo(type, index: i, name: tensorName, model: name)

                var requirements: LiteRtTensorBufferRequirements?
                try check(
                    isInput
                        ? api.GetCompiledModelInputBufferRequirements(h.compiled, 0, LiteRtParamIndex(i), &requirements)
                        : api.GetCompiledModelOutputBufferRequirements(h.compiled, 0, LiteRtParamIndex(i), &requirements),
                    "LiteRtGetCompiledModel\(kind)BufferRequirements")
                var buffer: LiteRtTensorBuffer?
                try check(
                    api.CreateManagedTensorBufferFromRequirements(h.environment, &type, requirements, &buffer),
                    "LiteRtCreateManagedTensorBufferFromRequirements")
                (isInput ? h.inputBuffers : h.outputBuffers)[i] = buffer
                var packed = 0
                try check(api.GetTensorBufferPackedSize(buffer, &packed), "LiteRtGetTensorBufferPackedSize")
                guard packed == info.byteCount else {
                    throw LiteRtError.unsupportedTensor(
                        model: name, tensor: tensorName,
                        reason: "buffer holds \(packed) bytes, shape \(info.shape) needs \(info.byteCount)")
                }
                if isInput { inputInfos.append(info) } else { outputInfos.append(info) }
            }
        }

        self.runtime = runtime
        self.url = file
        self.name = name
        self.threads = threads
        self.inputs = inputInfos
        self.outputs = outputInfos
        self.operatorCounts = pruning.map { (whole: $0.operatorsBefore, run: $0.operatorsAfter) }
        self.handles = h
    }

    private static func tensorInfo(
        _ type: LiteRtRankedTensorType, index: Int, name: String, model: String
    ) throws -> TensorInfo {
        guard type.element_type == SigndLiteRtElementTypeFloat32 else {
            throw LiteRtError.unsupportedTensor(
                model: model, tensor: name, reason: "element type \(type.element_type) is not float32")
        }
        let rank = Int(type.layout.rank)
        let shape = withUnsafeBytes(of: type.layout.dimensions) { raw in
            Array(raw.bindMemory(to: Int32.self).prefix(rank)).map(Int.init)
        }
        guard shape.allSatisfy({ $0 > 0 }) else {
            throw LiteRtError.unsupportedTensor(model: model, tensor: name, reason: "dynamic shape \(shape)")
        }
        return TensorInfo(index: index, name: name, shape: shape, elementCount: shape.reduce(1, *))
    }

    // MARK: Lookup

    public func inputIndex(named tensorName: String) -> Int? { inputs.firstIndex { $0.name == tensorName } }
    public func outputIndex(named tensorName: String) -> Int? { outputs.firstIndex { $0.name == tensorName } }

    // MARK: Per-frame use (no allocation)

    /// Runs `body`, which fills, runs and reads this model, with the model to itself: a model shared by
    /// several users on several threads (the cameras of one process) then never mixes two frames. Do not
    /// nest calls on the same model.
    public func exclusively<R>(_ body: () throws -> R) rethrows -> R {
        useLock.lock()
        defer { useLock.unlock() }
        return try body()
    }

    /// Gives `body` the input tensor's float32 storage (NHWC) to fill in place, e.g. by warping a crop
    /// straight into it. Write every element: the contents on entry are unspecified (in practice the
    /// previous frame's).
    public func withInput<R>(_ index: Int = 0, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        let info = try tensor(inputs, index, "input")
        let buffer = handles.inputBuffers[index]
        let pointer = try lockBuffer(buffer, mode: SigndLiteRtLockModeWrite, tensor: info)
        defer { _ = runtime.api.pointee.UnlockTensorBuffer(buffer) }
        return try body(UnsafeMutableBufferPointer(start: pointer.assumingMemoryBound(to: Float.self), count: info.elementCount))
    }

    /// Copies `values` (exactly the tensor's element count) into input `index`.
    public func setInput(_ index: Int = 0, _ values: UnsafeBufferPointer<Float>) throws {
        try withInput(index) { destination in
            guard values.count == destination.count else {
                throw LiteRtError.elementCountMismatch(
                    model: name, tensor: inputs[index].name, expected: destination.count, actual: values.count)
            }
            guard let source = values.baseAddress, let target = destination.baseAddress else { return }
            target.update(from: source, count: values.count)
        }
    }

    public func setInput(_ index: Int = 0, _ values: [Float]) throws {
        try values.withUnsafeBufferPointer { try setInput(index, $0) }
    }

    /// One inference on a mid-grey input, whose outputs nobody reads: LiteRT and XNNPACK finish setting up on
    /// a model's first run (tens of milliseconds over all of Holistic's models), which would otherwise land on
    /// the first camera frame. Outputs of later runs do not depend on it (the models keep no state).
    public func warmUp() throws {
        try exclusively {
            for i in inputs.indices { try withInput(i) { $0.update(repeating: 0.5) } }
            try run()
        }
    }

    /// Runs the model on the current input buffers; outputs stay in the output buffers until the next run.
    public func run() throws {
        lock.lock()
        defer { lock.unlock() }
        let h = handles
        if let ops = h.mediaPipeOps { signd_mediapipe_ops_rewind(ops) }
        let status = runtime.api.pointee.RunCompiledModel(
            h.compiled, 0, h.inputCount, h.inputBuffers, h.outputCount, h.outputBuffers)
        guard status == SigndLiteRtStatusOk else {
            throw LiteRtError.callFailed(call: "LiteRtRunCompiledModel", status: status, model: name)
        }
        if let ops = h.mediaPipeOps { try Self.checkCustomOps(ops, model: name) }
    }

    /// Nodes of each MediaPipe custom op that LiteRT initialised (Landmarks2TransformMatrix,
    /// TransformTensorBilinear, TransformLandmarks); nil without `mediaPipeOps`.
    public var mediaPipeOpNodeCounts: [Int]? {
        guard let ops = handles.mediaPipeOps else { return nil }
        var counts: [Int32] = [0, 0, 0]
        signd_mediapipe_ops_node_counts(ops, &counts)
        return counts.map(Int.init)
    }

    /// The ops CLiteRt/mediapipe_ops.c implements, with the version the model files use.
    static let mediaPipeOps = ["Landmarks2TransformMatrix", "TransformTensorBilinear", "TransformLandmarks"]

    /// The file's bytes, edited in memory (the file on disk is untouched):
    /// * `mediaPipeOps`: MediaPipe's custom op codes marked version 1. LiteRT 2.3.0 registers a custom kernel
    ///   for version 1 only (its op resolver's AddCustom default), whatever version the kernel is given, and
    ///   MediaPipe's model asks for version 2 of each: "unresolved custom op". The kernels registered are the
    ///   version-2 ones, so only the number changes.
    /// * `keepingOutputs`: the outputs nobody reads, and the operators only they need, dropped
    ///   (`TFLiteOutputPruning`).
    private static func editedBytes(of file: URL, mediaPipeOps: Bool, keepingOutputs: [String]?) throws
        -> (bytes: UnsafeMutableRawBufferPointer, pruning: TFLiteOutputPruning.Result?)
    {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw LiteRtError.fileUnreadable(path: file.path, reason: error.localizedDescription)
        }
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 16)
        data.copyBytes(to: bytes)
        do {
            if mediaPipeOps {
                for code in try TFLiteStructureCheck.customOpCodes(UnsafeRawBufferPointer(bytes))
                where Self.mediaPipeOps.contains(code.name) {
                    guard code.version == 2, let offset = code.versionOffset else {
                        throw LiteRtError.unsupportedCustomOpVersion(model: file.lastPathComponent, op: code.name,
                                                                     version: code.version, implemented: 2)
                    }
                    bytes.storeBytes(of: Int32(1).littleEndian, toByteOffset: offset, as: Int32.self)
                }
            }
            let pruning = try keepingOutputs.map { try TFLiteOutputPruning.prune(bytes, keeping: $0) }
            return (bytes, pruning)
        } catch let unsupported as TFLiteOutputPruning.Unsupported {
            bytes.deallocate()
            throw LiteRtError.outputsNotSeparable(
                model: file.lastPathComponent,
                reason: "it has \(unsupported.subgraphs) subgraph(s) and \(unsupported.signatures) signature definition(s); "
                    + "only a model with one subgraph and none can run a subset of its outputs")
        } catch let missing as TFLiteOutputPruning.MissingOutput {
            bytes.deallocate()
            throw LiteRtError.outputMissing(model: file.lastPathComponent, tensor: missing.name,
                                            reason: "its outputs are \(missing.outputs.joined(separator: ", "))")
        } catch let error as TFLiteStructureCheck.Failure {
            bytes.deallocate()
            throw LiteRtError.modelFileCorrupt(path: file.path, reason: error.reason)
        } catch {
            bytes.deallocate()
            throw error
        }
    }

    /// LiteRT ignores a custom kernel's status, so the kernels keep their first failure for us to read.
    private static func checkCustomOps(_ ops: OpaquePointer, model: String) throws {
        var message = [CChar](repeating: 0, count: 256)
        if signd_mediapipe_ops_error(ops, &message, message.count) != 0 {
            throw LiteRtError.customOpFailed(model: model, reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    /// Gives `body` read access to output `index` (float32, the tensor's shape flattened row-major).
    public func withOutput<R>(_ index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        let info = try tensor(outputs, index, "output")
        let buffer = handles.outputBuffers[index]
        let pointer = try lockBuffer(buffer, mode: SigndLiteRtLockModeRead, tensor: info)
        defer { _ = runtime.api.pointee.UnlockTensorBuffer(buffer) }
        return try body(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: Float.self), count: info.elementCount))
    }

    /// Copies output `index` into `destination` (exactly the tensor's element count).
    public func copyOutput(_ index: Int, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try withOutput(index) { source in
            guard source.count == destination.count else {
                throw LiteRtError.elementCountMismatch(
                    model: name, tensor: outputs[index].name, expected: source.count, actual: destination.count)
            }
            guard let from = source.baseAddress, let to = destination.baseAddress else { return }
            to.update(from: from, count: source.count)
        }
    }

    /// Output `index` as a new array (allocates; for tests and tools, not the per-frame path).
    public func output(_ index: Int) throws -> [Float] {
        try withOutput(index) { Array($0) }
    }

    // MARK: Helpers

    private func tensor(_ list: [TensorInfo], _ index: Int, _ kind: String) throws -> TensorInfo {
        guard list.indices.contains(index) else {
            throw LiteRtError.tensorIndexOutOfRange(model: name, kind: kind, index: index, count: list.count)
        }
        return list[index]
    }

    private func lockBuffer(_ buffer: LiteRtTensorBuffer?, mode: SigndLiteRtLockMode, tensor: TensorInfo) throws
        -> UnsafeMutableRawPointer
    {
        var pointer: UnsafeMutableRawPointer?
        let status = runtime.api.pointee.LockTensorBuffer(buffer, &pointer, mode)
        guard status == SigndLiteRtStatusOk, let pointer else {
            throw LiteRtError.callFailed(call: "LiteRtLockTensorBuffer", status: status, model: "\(name) \(tensor.name)")
        }
        return pointer
    }
}

/// Owns the LiteRT objects of one model and destroys them in dependency order, including after a
/// failure half-way through `LiteRtModel.init`.
private final class Handles {
    /// Held here, not only by the model, so the function table outlives every destroy call below: a
    /// model's stored properties are released in an unspecified order, and the runtime's deinit frees it.
    let runtime: LiteRtRuntime
    var api: UnsafePointer<SigndLiteRtApi> { runtime.api }
    var environment: LiteRtEnvironment?
    var model: LiteRtModel_?
    var options: LiteRtOptions?
    var compiled: LiteRtCompiledModel?
    /// The custom kernels' state; LiteRT holds pointers into it until the compiled model is gone.
    var mediaPipeOps: OpaquePointer?
    /// The model's bytes when LiteRT reads it from memory (it does not copy them).
    var modelBytes: UnsafeMutableRawBufferPointer?
    private(set) var inputCount = 0
    private(set) var outputCount = 0
    /// Contiguous arrays handed to LiteRtRunCompiledModel as they are.
    private(set) var inputBuffers = UnsafeMutablePointer<LiteRtTensorBuffer?>.allocate(capacity: 1)
    private(set) var outputBuffers = UnsafeMutablePointer<LiteRtTensorBuffer?>.allocate(capacity: 1)

    init(runtime: LiteRtRuntime) {
        self.runtime = runtime
        inputBuffers.initialize(to: nil)
        outputBuffers.initialize(to: nil)
    }

    func allocateBufferLists(inputs: Int, outputs: Int) {
        inputBuffers.deallocate()
        outputBuffers.deallocate()
        inputBuffers = .allocate(capacity: max(inputs, 1))
        inputBuffers.initialize(repeating: nil, count: max(inputs, 1))
        outputBuffers = .allocate(capacity: max(outputs, 1))
        outputBuffers.initialize(repeating: nil, count: max(outputs, 1))
        inputCount = inputs
        outputCount = outputs
    }

    deinit {
        let api = api.pointee
        for i in 0..<inputCount { if let b = inputBuffers[i] { api.DestroyTensorBuffer(b) } }
        for i in 0..<outputCount { if let b = outputBuffers[i] { api.DestroyTensorBuffer(b) } }
        inputBuffers.deallocate()
        outputBuffers.deallocate()
        if let compiled { api.DestroyCompiledModel(compiled) }
        if let options { api.DestroyOptions(options) }
        signd_mediapipe_ops_free(mediaPipeOps)
        if let model { api.DestroyModel(model) }
        modelBytes?.deallocate()
        if let environment { api.DestroyEnvironment(environment) }
    }
}

/// The C handle type `LiteRtModel` clashes with the Swift class name; this alias keeps both readable.
typealias LiteRtModel_ = CLiteRt.LiteRtModel

/// Checks that turn file problems into clear errors before LiteRT, which does not verify its input, parses the file.
enum ModelFileCheck {
    static func validate(_ url: URL, expectedByteCount: Int?) throws {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw LiteRtError.modelFileMissing(path: path)
        }
        let size: Int
        do {
            size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw LiteRtError.fileUnreadable(path: path, reason: error.localizedDescription)
        }
        if let expectedByteCount {
            if size < expectedByteCount {
                throw LiteRtError.modelFileTruncated(path: path, expectedBytes: expectedByteCount, actualBytes: size)
            }
            if size > expectedByteCount {
                throw LiteRtError.modelFileCorrupt(
                    path: path, reason: "\(size) bytes, expected \(expectedByteCount)")
            }
        }
        // An empty file cannot be a model. Said here rather than after reading it: on Linux,
        // Foundation's Data(contentsOf:) leaks the 4 KiB buffer it mallocs for a zero-sized file.
        guard size > 0 else { throw LiteRtError.modelFileCorrupt(path: path, reason: "empty file") }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw LiteRtError.fileUnreadable(path: path, reason: error.localizedDescription)
        }
        do {
            try TFLiteStructureCheck.check(data)
        } catch {
            throw LiteRtError.modelFileCorrupt(path: path, reason: error.reason)
        }
    }
}
