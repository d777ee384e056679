import Foundation

/// Element types a safetensors header may name. Only `F32` (weights) and `I64` (BatchNorm's
/// `num_batches_tracked`) occur in SignSTGCN files; the others are recognised so that a file using
/// them gets a "wrong dtype" error rather than a parse error.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"
    case u16 = "U16", u32 = "U32", u64 = "U64", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }
}

/// One tensor's header entry, validated against the file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Byte range inside the data section (after the header).
    public let begin: Int
    public let end: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A parsed safetensors file: 8-byte little-endian header length, a JSON header, then the data.
/// The file is memory-mapped once; every header value is checked before any tensor is touched, so
/// a truncated or hostile file ends in an `STGCNError` naming the file and the field, never a crash
/// or an allocation sized by the file's claims.
public struct SafetensorsFile: Sendable {
    public let path: String
    public let tensors: [String: SafetensorsTensorInfo]
    public let metadata: [String: String]
    private let bytes: Data
    private let dataStart: Int

    /// Header sizes above this are refused before parsing (real headers are a few KiB).
    static let maxHeaderBytes = 64 << 20

    public init(url: URL) throws(STGCNError) {
        let path = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .unreadable(file: path, reason: error.localizedDescription)
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String) throws(STGCNError) {
        self.path = path
        self.bytes = data
        let fileSize = data.count
        guard fileSize >= 8 else {
            throw .safetensors(file: path, field: "header length",
                               problem: "file has \(fileSize) bytes, fewer than the 8-byte header length")
        }
        var rawLength: UInt64 = 0
        data.withUnsafeBytes { raw in
            for i in 0..<8 { rawLength |= UInt64(raw[i]) << (8 * UInt64(i)) }
        }
        guard rawLength > 0, rawLength <= UInt64(fileSize - 8), rawLength <= UInt64(Self.maxHeaderBytes) else {
            throw .safetensors(file: path, field: "header length",
                               problem: "header claims \(rawLength) bytes but the file has \(fileSize - 8) after the length")
        }
        let headerLength = Int(rawLength)
        dataStart = 8 + headerLength
        let dataSize = fileSize - dataStart
        let header = data.subdata(in: data.startIndex + 8 ..< data.startIndex + dataStart)

        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: header)
        } catch let error as RawHeaderError {
            throw .safetensors(file: path, field: error.field, problem: error.problem)
        } catch {
            throw .safetensors(file: path, field: "header", problem: "invalid JSON: \(Self.describe(error))")
        }

        var infos: [String: SafetensorsTensorInfo] = [:]
        for (name, entry) in raw.tensors {
            guard let dtype = SafetensorsDType(rawValue: entry.dtype) else {
                throw .safetensors(file: path, field: "\(name).dtype", problem: "unknown dtype '\(entry.dtype)'")
            }
            var count = 1
            for d in entry.shape {
                guard d >= 0 else {
                    throw .safetensors(file: path, field: "\(name).shape", problem: "negative dimension in \(entry.shape)")
                }
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow else {
                    throw .safetensors(file: path, field: "\(name).shape", problem: "element count of \(entry.shape) overflows")
                }
                count = p
            }
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow else {
                throw .safetensors(file: path, field: "\(name).shape", problem: "byte size of \(entry.shape) overflows")
            }
            guard entry.offsets.count == 2 else {
                throw .safetensors(file: path, field: "\(name).data_offsets",
                                   problem: "expected [begin, end], got \(entry.offsets.count) values")
            }
            let begin = entry.offsets[0], end = entry.offsets[1]
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw .safetensors(file: path, field: "\(name).data_offsets",
                                   problem: "[\(begin), \(end)] is outside the data section of \(dataSize) bytes")
            }
            guard end - begin == byteCount else {
                throw .safetensors(file: path, field: "\(name).data_offsets",
                                   problem: "span of \(end - begin) bytes does not match shape \(entry.shape) × \(dtype.rawValue) = \(byteCount) bytes")
            }
            infos[name] = SafetensorsTensorInfo(name: name, dtype: dtype, shape: entry.shape, begin: begin, end: end)
        }
        // Tensors must not share bytes (empty tensors occupy nothing and cannot overlap).
        let ordered = infos.values.filter { $0.end > $0.begin }.sorted { ($0.begin, $0.name) < ($1.begin, $1.name) }
        for (a, b) in zip(ordered, ordered.dropFirst()) where b.begin < a.end {
            throw .safetensors(file: path, field: "\(b.name).data_offsets",
                               problem: "overlaps tensor '\(a.name)' ([\(b.begin), \(b.end)] vs [\(a.begin), \(a.end)])")
        }
        tensors = infos
        metadata = raw.metadata
    }

    /// The tensor's values as float32 (copied out, so the result is aligned and independent of the map).
    public func floats(_ name: String) throws(STGCNError) -> [Float] {
        guard let info = tensors[name] else { throw .missingTensor(file: path, tensor: name) }
        guard info.dtype == .f32 else {
            throw .wrongDtype(file: path, tensor: name, dtype: info.dtype.rawValue, expected: "F32")
        }
        let count = info.elementCount
        var out = [Float](repeating: 0, count: count)
        let start = dataStart + info.begin
        out.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                if count > 0 {
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start ..< start + count * 4]))
                }
            }
        }
        #if _endian(big)
        for i in out.indices { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
        #endif
        return out
    }

    /// The tensor's bytes as stored (any dtype), e.g. to rewrite a file.
    public func rawBytes(_ name: String) throws(STGCNError) -> Data {
        guard let info = tensors[name] else { throw .missingTensor(file: path, tensor: name) }
        let start = bytes.startIndex + dataStart + info.begin
        return bytes.subdata(in: start ..< start + (info.end - info.begin))
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? DecodingError {
            switch e {
            case let .dataCorrupted(c): return c.underlyingError.map { "\($0)" } ?? c.debugDescription
            case let .keyNotFound(k, _): return "missing '\(k.stringValue)'"
            case let .typeMismatch(_, c), let .valueNotFound(_, c): return c.debugDescription
            @unknown default: return "\(e)"
            }
        }
        return "\(error)"
    }
}

// MARK: - Header decoding

private struct RawHeaderError: Error {
    let field: String
    let problem: String
}

private struct DynamicKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

private struct RawTensor: Decodable {
    let dtype: String
    let shape: [Int]
    let offsets: [Int]
    enum CodingKeys: String, CodingKey { case dtype, shape, offsets = "data_offsets" }
}

/// The header object: tensor name → entry, plus an optional `__metadata__` string map.
private struct RawHeader: Decodable {
    var tensors: [String: RawTensor] = [:]
    var metadata: [String: String] = [:]

    init(from decoder: Decoder) throws {
        let container: KeyedDecodingContainer<DynamicKey>
        do {
            container = try decoder.container(keyedBy: DynamicKey.self)
        } catch {
            throw RawHeaderError(field: "header", problem: "the JSON header is not an object")
        }
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                do {
                    metadata = try container.decode([String: String].self, forKey: key)
                } catch {
                    throw RawHeaderError(field: "__metadata__", problem: "must map strings to strings")
                }
                continue
            }
            do {
                tensors[key.stringValue] = try container.decode(RawTensor.self, forKey: key)
            } catch {
                throw RawHeaderError(field: key.stringValue,
                                     problem: "bad tensor entry (need dtype, shape, data_offsets): \(SafetensorsFile.describe(error))")
            }
        }
    }
}
