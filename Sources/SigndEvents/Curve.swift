import Foundation
import CZmq

/// Why a CURVE key or setting was refused.
public enum CurveError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libzmq was built without CURVE (libsodium) support.
    case unavailable
    /// `name` (e.g. `curve.secret_key`, `curve.allowed_clients[2]`) is not a 40-character Z85 key.
    case invalidKey(name: String, reason: String)
    case generationFailed(ZmqError)

    public var description: String {
        switch self {
        case .unavailable: "CURVE is not available: libzmq was built without libsodium"
        case .invalidKey(let name, let reason): "invalid CURVE key \(name): \(reason)"
        case .generationFailed(let error): "CURVE key generation failed: \(error)"
        }
    }
}

/// A 32-byte CURVE key (public or secret), written as 40 Z85 characters in configs and docs.
public struct CurveKey: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]
    public let z85: String

    /// Parses a Z85 key; `name` is used in the error to say which key was wrong.
    public init(z85 text: String, name: String = "key") throws(CurveError) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard text.utf8.count == 40 else {
            throw .invalidKey(name: name, reason: "expected 40 Z85 characters, got \(text.utf8.count)")
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&bytes, text) != nil else {
            throw .invalidKey(name: name, reason: "not valid Z85 text")
        }
        self.bytes = bytes
        self.z85 = text
    }

    public init(bytes: [UInt8], name: String = "key") throws(CurveError) {
        guard bytes.count == 32 else {
            throw .invalidKey(name: name, reason: "expected 32 bytes, got \(bytes.count)")
        }
        var text = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&text, bytes, 32) != nil else {
            throw .invalidKey(name: name, reason: "cannot be Z85-encoded")
        }
        self.bytes = bytes
        self.z85 = String(decoding: text.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The public key that belongs to this secret key.
    public func derivedPublicKey() throws(CurveError) -> CurveKey {
        try CurveError.requireCurve()
        var out = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&out, z85) == 0 else {
            throw .invalidKey(name: "secret key", reason: ZmqError.last("zmq_curve_public").message)
        }
        let text = String(decoding: out.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return try CurveKey(z85: text, name: "derived public key")
    }

    /// Redacted (only the first 5 characters): string interpolation must not leak a secret key into logs.
    /// Use `z85` where the whole key is meant.
    public var description: String { "CurveKey(\(z85.prefix(5))…)" }
}

/// A freshly generated CURVE key pair (for `signd keygen`, docs and tests).
public struct CurveKeyPair: Sendable, Hashable {
    public let publicKey: CurveKey
    public let secretKey: CurveKey

    public static func generate() throws(CurveError) -> CurveKeyPair {
        try CurveError.requireCurve()
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else {
            throw .generationFailed(ZmqError.last("zmq_curve_keypair"))
        }
        func text(_ chars: [CChar]) -> String {
            String(decoding: chars.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return CurveKeyPair(
            publicKey: try CurveKey(z85: text(pub), name: "generated public key"),
            secretKey: try CurveKey(z85: text(sec), name: "generated secret key"))
    }
}

extension CurveError {
    static var isAvailable: Bool { zmq_has("curve") == 1 }

    static func requireCurve() throws(CurveError) {
        if !isAvailable { throw .unavailable }
    }
}
