import Foundation

/// A float32 n-dimensional array in C order, as stored in one `.npy` member of a seed `.npz` file.
public struct NpyArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// Element count.
    public var count: Int { values.count }
}

/// Errors reading or writing `.npy` / `.npz` data; each names the file and member.
public enum NpyError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case notAnArchive(path: String, reason: String)
    case missingMember(path: String, member: String)
    case badHeader(member: String, reason: String)
    case unsupportedDType(member: String, dtype: String)
    case truncated(member: String, expectedBytes: Int, actualBytes: Int)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "npz file '\(path)' does not exist"
        case .notAnArchive(let path, let reason): return "'\(path)' is not a readable .npz archive: \(reason)"
        case .missingMember(let path, let member): return "'\(path)' has no array '\(member)'"
        case .badHeader(let member, let reason): return "array '\(member)': malformed .npy header: \(reason)"
        case .unsupportedDType(let member, let dtype):
            return "array '\(member)': unsupported dtype '\(dtype)' (float32, float64 and little-endian ints are read)"
        case .truncated(let member, let expected, let actual):
            return "array '\(member)': data is truncated (\(actual) of \(expected) bytes)"
        case .writeFailed(let path, let reason): return "cannot write '\(path)': \(reason)"
        }
    }
}

/// The `.npy` v1/v2 format: magic, version, little-endian header length, a Python-dict header, raw data.
enum NpyFormat {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    static func encode(_ array: NpyArray) -> Data {
        let shapeText = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad so that magic(6) + version(2) + length(2) + header is a multiple of 64, ending with '\n'.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic)
        data.append(contentsOf: [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        array.values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        return data
    }

    static func decode(_ data: Data, member: String) throws(NpyError) -> NpyArray {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw .badHeader(member: member, reason: "missing \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .badHeader(member: member, reason: "file too short") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw .badHeader(member: member, reason: "unsupported format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<headerStart + headerLength], encoding: .utf8)
        else { throw .badHeader(member: member, reason: "header length \(headerLength) exceeds the file") }
        let dtype = try field("descr", in: header, member: member)
        let fortran = try field("fortran_order", in: header, member: member)
        guard fortran == "False" else { throw .badHeader(member: member, reason: "Fortran-ordered arrays are not supported") }
        let shape = try parseShape(try field("shape", in: header, member: member), member: member)
        // Checked: a hostile header's shape must not overflow (it trapped before).
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw .badHeader(member: member, reason: "shape \(shape) has too many elements") }
            count = product
        }
        let dataStart = headerStart + headerLength
        let elementSize: Int
        switch dtype {
        case "<f4", "|f4": elementSize = 4
        case "<f8", "<i8", "<u8": elementSize = 8
        case "<i4", "<u4": elementSize = 4
        case "|u1", "|i1", "|b1": elementSize = 1
        default: throw .unsupportedDType(member: member, dtype: dtype)
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow else { throw .badHeader(member: member, reason: "shape \(shape) has too many bytes") }
        guard bytes.count - dataStart >= expected else {
            throw .truncated(member: member, expectedBytes: expected, actualBytes: bytes.count - dataStart)
        }
        let values: [Float] = bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!.advanced(by: dataStart)
            switch dtype {
            case "<f4", "|f4": return (0..<count).map { Float(bitPattern: base.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian) }
            case "<f8": return (0..<count).map { Float(Double(bitPattern: base.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self).littleEndian)) }
            case "<i8": return (0..<count).map { Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
            case "<u8": return (0..<count).map { Float(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
            case "<i4": return (0..<count).map { Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
            case "<u4": return (0..<count).map { Float(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            case "|i1": return (0..<count).map { Float(Int8(bitPattern: base.load(fromByteOffset: $0, as: UInt8.self))) }
            default: return (0..<count).map { Float(base.load(fromByteOffset: $0, as: UInt8.self)) }
            }
        }
        return NpyArray(shape: shape, values: values)
    }

    /// The text after `'key':` up to the matching separator, e.g. `'<f4'`, `False`, `(3, 4)`.
    private static func field(_ key: String, in header: String, member: String) throws(NpyError) -> String {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\""),
              let colon = header[keyRange.upperBound...].firstIndex(of: ":")
        else { throw .badHeader(member: member, reason: "no '\(key)' entry") }
        var rest = header[header.index(after: colon)...].drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { throw .badHeader(member: member, reason: "unterminated shape") }
            return String(rest[...close])
        }
        if rest.first == "'" || rest.first == "\"" {
            let quote = rest.removeFirst()
            guard let end = rest.firstIndex(of: quote) else { throw .badHeader(member: member, reason: "unterminated '\(key)'") }
            return String(rest[..<end])
        }
        return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: .whitespaces)
    }

    private static func parseShape(_ text: String, member: String) throws(NpyError) -> [Int] {
        let inner = text.dropFirst().dropLast()
        var dims: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let dim = Int(trimmed), dim >= 0 else { throw .badHeader(member: member, reason: "bad shape \(text)") }
            dims.append(dim)
        }
        return dims
    }
}
