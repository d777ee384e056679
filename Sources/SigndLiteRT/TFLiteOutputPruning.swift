import Foundation

/// Keeps only the outputs of a .tflite model that signd reads, and the operators they need.
///
/// LiteRT runs every operator of a subgraph, whether or not anyone reads what it computes. MediaPipe's
/// pose_landmark_full also computes a 256×256 segmentation mask and world landmarks; Holistic (and signd)
/// never read them, yet their decoder is a third of the model's CPU time. Dropping operators changes no
/// arithmetic in the ones that remain (same kernels, same inputs, same order), so every kept output is
/// bit-identical to the whole model's; LiteRTTests checks that on this machine at test time.
///
/// The edit is made in place on the file's bytes: the subgraph's `outputs` and `operators` vectors are
/// rewritten shorter (a flatbuffer vector's length is its prefix, and each operator slot is an offset
/// relative to itself, so the kept slots are recomputed for their new places). Tensors and buffers stay,
/// unreferenced. The result passes `TFLiteStructureCheck` again before LiteRT sees it.
enum TFLiteOutputPruning {
    struct Result: Equatable {
        /// The subgraph's outputs afterwards, in the order asked for.
        let outputs: [String]
        let operatorsBefore: Int
        let operatorsAfter: Int
    }

    /// An output asked for that the model does not have.
    struct MissingOutput: Error, Equatable {
        let name: String
        let outputs: [String]
    }

    /// A model this edit does not handle: several subgraphs, or signature definitions.
    struct Unsupported: Error, Equatable {
        let subgraphs: Int
        let signatures: Int
    }

    /// Keeps the outputs named `keep`, in that order, and the operators they depend on (in their order).
    /// Throws `MissingOutput`, `Unsupported`, or `TFLiteStructureCheck.Failure` for a file whose structure is broken.
    static func prune(_ bytes: UnsafeMutableRawBufferPointer, keeping keep: [String]) throws -> Result {
        typealias Failure = TFLiteStructureCheck.Failure
        let reader = TFLiteStructureCheck(bytes: UnsafeRawBufferPointer(bytes))
        let model = try reader.table(at: try reader.u32(0), "model")
        // Model: 2 subgraphs, 7 signature_defs. With one subgraph and no signature, LiteRT's signature is the
        // subgraph's own outputs, which this edits. A signature lists outputs by tensor index and would still
        // name the dropped ones, and another subgraph may call this one: such a model is refused, not guessed at.
        let subgraphs = try reader.tables(model, 2, "subgraphs")
        let signatures = try reader.tables(model, 7, "signature_defs").count
        guard subgraphs.count == 1, signatures == 0 else {
            throw Unsupported(subgraphs: subgraphs.count, signatures: signatures)
        }
        let subgraph = subgraphs[0]
        // SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators. Tensor: 3 name. Operator: 1 inputs, 2 outputs.
        let tensors = try reader.tables(subgraph, 0, "tensors")
        func name(_ tensor: Int) throws -> String {
            guard tensors.indices.contains(tensor),
                  let (start, count) = try reader.vector(tensors[tensor], 3, elementSize: 1, "tensor \(tensor) name")
            else { return "" }
            return String(decoding: UnsafeRawBufferPointer(rebasing: reader.bytes[start..<(start + count)]), as: UTF8.self)
        }
        guard let (outputStart, outputCount) = try reader.vector(subgraph, 2, elementSize: 4, "subgraph outputs"),
              let (operatorStart, operatorCount) = try reader.vector(subgraph, 3, elementSize: 4, "subgraph operators")
        else { throw Failure(reason: "subgraph 0 has no outputs or no operators") }
        var outputByName: [String: Int] = [:]
        for i in 0..<outputCount {
            let tensor = try reader.i32(outputStart + 4 * i)
            outputByName[try name(tensor)] = tensor
        }
        var kept: [Int] = []
        for wanted in keep {
            guard let tensor = outputByName[wanted] else {
                throw MissingOutput(name: wanted, outputs: outputByName.keys.sorted())
            }
            kept.append(tensor)
        }

        // Which operator writes each tensor; then walk back from the kept outputs.
        var operators: [(position: Int, inputs: [Int])] = []
        var producer: [Int: Int] = [:]
        for k in 0..<operatorCount {
            let slot = operatorStart + 4 * k
            let op = try reader.table(at: slot + (try reader.u32(slot)), "operator \(k)")
            operators.append((op.position, try reader.ints(op, 1, "operator \(k) inputs")))
            for tensor in try reader.ints(op, 2, "operator \(k) outputs") { producer[tensor] = k }
        }
        var needed = Set<Int>()
        var pending = kept
        while let tensor = pending.popLast() {
            guard let k = producer[tensor], needed.insert(k).inserted else { continue }
            pending.append(contentsOf: operators[k].inputs.filter { $0 >= 0 })
        }

        func store(_ value: Int, at offset: Int) {
            bytes.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, toByteOffset: offset, as: UInt32.self)
        }
        for (i, tensor) in kept.enumerated() { store(tensor, at: outputStart + 4 * i) }
        store(kept.count, at: outputStart - 4)
        // A slot holds the distance from itself to its table; kept slots only move towards the vector's start,
        // so every distance stays positive.
        for (j, k) in needed.sorted().enumerated() {
            let slot = operatorStart + 4 * j
            store(operators[k].position - slot, at: slot)
        }
        store(needed.count, at: operatorStart - 4)

        let result = Result(outputs: keep, operatorsBefore: operatorCount, operatorsAfter: needed.count)
        try TFLiteStructureCheck.check(Data(bytesNoCopy: bytes.baseAddress!, count: bytes.count, deallocator: .none))
        return result
    }
}
