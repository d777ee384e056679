import Foundation

/// A bounds check of a .tflite flatbuffer's structure, run before LiteRT sees the file.
///
/// LiteRT 2.3.0 does not verify flatbuffers: a truncated model makes it read past the end of the file
/// and crash (observed with a half-length hand_recrop.tflite). This walk follows every table and vector
/// that LiteRT dereferences when building a model — Model, operator codes, subgraphs with their tensors
/// and operators, buffers — and checks that each lies inside the file and that tensor, buffer and
/// operator-code indices are in range. It is not a full flatbuffer verifier; pinned files are also
/// checked by size and sha256.
struct TFLiteStructureCheck {
    struct Failure: Error {
        let reason: String
    }

    let bytes: UnsafeRawBufferPointer

    static func check(_ data: Data) throws(Failure) {
        let result: Failure? = data.withUnsafeBytes { (raw) -> Failure? in
            do throws(Failure) {
                try TFLiteStructureCheck(bytes: raw).walk()
                return nil
            } catch {
                return error
            }
        }
        if let result { throw result }
    }

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// A custom operator code: its name, the byte offset of its stored `version` field (nil when the field is
    /// absent, i.e. version 1) and that version.
    struct CustomOpCode: Equatable {
        let name: String
        let versionOffset: Int?
        let version: Int
    }

    /// The custom operator codes of a model whose structure `check` accepted.
    static func customOpCodes(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> [CustomOpCode] {
        let reader = TFLiteStructureCheck(bytes: bytes)
        let model = try reader.table(at: try reader.u32(0), "model")
        // OperatorCode: 0 deprecated_builtin_code, 1 custom_code, 2 version (int32, default 1), 3 builtin_code.
        var codes: [CustomOpCode] = []
        for code in try reader.tables(model, 1, "operator_codes") {
            guard let (start, count) = try reader.vector(code, 1, elementSize: 1, "custom_code") else { continue }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]), as: UTF8.self)
            let offset = code.field(2)
            codes.append(CustomOpCode(name: name, versionOffset: offset, version: try offset.map { (o) throws(Failure) in try reader.i32(o) } ?? 1))
        }
        return codes
    }

    // MARK: Bounds-checked primitives (also used by TFLiteOutputPruning)

    private func need(_ offset: Int, _ count: Int, _ what: @autoclosure () -> String) throws(Failure) {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw Failure(reason: "\(what()) at byte \(offset) (+\(count)) lies beyond the file end (\(bytes.count) bytes)")
        }
    }

    private func u16(_ at: Int) throws(Failure) -> Int {
        try need(at, 2, "field")
        return Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
    }

    func u32(_ at: Int) throws(Failure) -> Int {
        try need(at, 4, "field")
        return Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
    }

    func i32(_ at: Int) throws(Failure) -> Int {
        try need(at, 4, "field")
        return Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int32.self)))
    }

    private func u64(_ at: Int) throws(Failure) -> UInt64 {
        try need(at, 8, "field")
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    /// A table at `position`: its vtable gives each field's offset (0 = absent).
    struct Table {
        let position: Int
        let fieldOffsets: [Int]
        func field(_ id: Int) -> Int? {
            id < fieldOffsets.count && fieldOffsets[id] != 0 ? position + fieldOffsets[id] : nil
        }
    }

    func table(at position: Int, _ what: String) throws(Failure) -> Table {
        try need(position, 4, what)
        let vtable = position - (try i32(position))
        try need(vtable, 4, "\(what) vtable")
        let vtableSize = try u16(vtable)
        let tableSize = try u16(vtable + 2)
        guard vtableSize >= 4, vtableSize % 2 == 0 else { throw Failure(reason: "\(what) has a malformed vtable") }
        try need(vtable, vtableSize, "\(what) vtable")
        try need(position, tableSize, what)
        var offsets: [Int] = []
        for i in 0..<(vtableSize - 4) / 2 {
            let offset = try u16(vtable + 4 + 2 * i)
            guard offset < max(tableSize, 1) else { throw Failure(reason: "\(what) field \(i) lies outside its table") }
            offsets.append(offset)
        }
        return Table(position: position, fieldOffsets: offsets)
    }

    /// The vector referenced by field `id` of `t`: (position of element 0, count); nil when absent.
    func vector(_ t: Table, _ id: Int, elementSize: Int, _ what: String) throws(Failure) -> (Int, Int)? {
        guard let field = t.field(id) else { return nil }
        let start = field + (try u32(field))
        let count = try u32(start)
        guard count <= bytes.count / max(elementSize, 1) else {
            throw Failure(reason: "\(what) claims \(count) elements, more than the file can hold")
        }
        try need(start + 4, count * elementSize, what)
        return (start + 4, count)
    }

    func tables(_ t: Table, _ id: Int, _ what: String) throws(Failure) -> [Table] {
        guard let (start, count) = try vector(t, id, elementSize: 4, what) else { return [] }
        var result: [Table] = []
        for i in 0..<count {
            let slot = start + 4 * i
            result.append(try table(at: slot + (try u32(slot)), "\(what)[\(i)]"))
        }
        return result
    }

    func ints(_ t: Table, _ id: Int, _ what: String) throws(Failure) -> [Int] {
        guard let (start, count) = try vector(t, id, elementSize: 4, what) else { return [] }
        var result: [Int] = []
        for i in 0..<count { result.append(try i32(start + 4 * i)) }
        return result
    }

    private func string(_ t: Table, _ id: Int, _ what: String) throws(Failure) {
        guard let (start, count) = try vector(t, id, elementSize: 1, what) else { return }
        try need(start, count + 1, what)  // NUL terminator
    }

    // MARK: The TFLite schema parts LiteRT reads

    private func walk() throws(Failure) {
        guard bytes.count >= 8 else { throw Failure(reason: "\(bytes.count) bytes is too short for a TFLite model") }
        guard bytes[4] == UInt8(ascii: "T"), bytes[5] == UInt8(ascii: "F"), bytes[6] == UInt8(ascii: "L"),
            bytes[7] == UInt8(ascii: "3")
        else { throw Failure(reason: "not a TFLite flatbuffer (no TFL3 identifier)") }

        // Model: 1 operator_codes, 2 subgraphs, 3 description, 4 buffers, 5 metadata_buffer, 6 metadata,
        // 7 signature_defs.
        let model = try table(at: try u32(0), "model")
        let operatorCodes = try tables(model, 1, "operator_codes")
        let subgraphs = try tables(model, 2, "subgraphs")
        try string(model, 3, "description")
        let buffers = try tables(model, 4, "buffers")
        _ = try ints(model, 5, "metadata_buffer")
        for m in try tables(model, 6, "metadata") { try string(m, 0, "metadata name") }
        _ = try tables(model, 7, "signature_defs")
        guard !subgraphs.isEmpty else { throw Failure(reason: "model has no subgraphs") }

        // Buffer: 0 data [ubyte], 1 offset (u64, from file start), 2 size (u64).
        for (i, buffer) in buffers.enumerated() {
            _ = try vector(buffer, 0, elementSize: 1, "buffers[\(i)].data")
            if let o = buffer.field(1), let s = buffer.field(2) {
                let offset = try u64(o)
                let size = try u64(s)
                if offset > 1 {
                    guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else {
                        throw Failure(reason: "buffers[\(i)] (offset \(offset), \(size) bytes) lies beyond the file end")
                    }
                }
            }
        }

        // SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name.
        for (g, subgraph) in subgraphs.enumerated() {
            let tensors = try tables(subgraph, 0, "subgraphs[\(g)].tensors")
            // Tensor: 0 shape [int], 2 buffer (u32), 3 name, 7 shape_signature [int].
            for (i, tensor) in tensors.enumerated() {
                _ = try ints(tensor, 0, "tensor \(i) shape")
                try string(tensor, 3, "tensor \(i) name")
                _ = try ints(tensor, 7, "tensor \(i) shape_signature")
                if let b = tensor.field(2) {
                    let index = try u32(b)
                    guard index < max(buffers.count, 1) else {
                        throw Failure(reason: "tensor \(i) refers to buffer \(index) of \(buffers.count)")
                    }
                }
            }
            func checkTensorIndices(_ list: [Int], _ what: String) throws(Failure) {
                for index in list where index < -1 || index >= tensors.count {
                    throw Failure(reason: "\(what) refers to tensor \(index) of \(tensors.count)")
                }
            }
            try checkTensorIndices(try ints(subgraph, 1, "subgraph inputs"), "subgraph \(g) inputs")
            try checkTensorIndices(try ints(subgraph, 2, "subgraph outputs"), "subgraph \(g) outputs")
            // Operator: 0 opcode_index (u32), 1 inputs, 2 outputs, 5 custom_options [ubyte], 6 mutating inputs,
            // 8 intermediates.
            for (i, op) in try tables(subgraph, 3, "subgraphs[\(g)].operators").enumerated() {
                let opcode = try op.field(0).map { (f) throws(Failure) in try u32(f) } ?? 0
                guard opcode < operatorCodes.count else {
                    throw Failure(reason: "operator \(i) uses operator code \(opcode) of \(operatorCodes.count)")
                }
                try checkTensorIndices(try ints(op, 1, "operator \(i) inputs"), "operator \(i) inputs")
                try checkTensorIndices(try ints(op, 2, "operator \(i) outputs"), "operator \(i) outputs")
                _ = try vector(op, 5, elementSize: 1, "operator \(i) custom_options")
                try checkTensorIndices(try ints(op, 8, "operator \(i) intermediates"), "operator \(i) intermediates")
            }
            try string(subgraph, 4, "subgraph name")
        }
    }
}
