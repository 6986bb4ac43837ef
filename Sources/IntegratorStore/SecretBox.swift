import Crypto
import Foundation
import IntegratorModel

/// Encrypts the secrets a store keeps (mapping definitions, which hold tokens and signing
/// secrets, and parameters whose names mark them secret) with the operator's key: AES-GCM
/// (AEAD), a fresh nonce per value, written as `enc:v1:<base64 of nonce, text and tag>`.
/// Without a key, values are kept as they are and the hub says so at start.
public struct SecretBox: Sendable {
    static let prefix = "enc:v1:"
    /// A value sealed at start and opened on every later start: a wrong key fails there, before
    /// anything sealed with the right one is read, and never sends garbage to an endpoint.
    public static let checkSetting = "secret_key_check"
    static let checkText = "integrator secret key check"

    public let key: SymmetricKey?

    /// No key: values stay in clear.
    public static let clear = SecretBox(key: nil)

    public init(key: SymmetricKey?) {
        self.key = key
    }

    /// Reads a key file: 32 random bytes in base64, whitespace around them ignored.
    public static func readKey(path: String) throws(SecretKeyError) -> SymmetricKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretKeyError("cannot read the secret key file \(path)")
        }
        let text = String(decoding: data.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: text), bytes.count == 32 else {
            throw SecretKeyError(
                "the secret key file \(path) must hold 32 random bytes in base64 (for example from `openssl rand -base64 32`)"
            )
        }
        return SymmetricKey(data: bytes)
    }

    public var isEncrypting: Bool { key != nil }

    /// `text` sealed, or as it is without a key.
    public func seal(_ text: String) -> String {
        guard let key, let box = try? AES.GCM.seal(Data(text.utf8), using: key), let combined = box.combined else { return text }
        return Self.prefix + combined.base64EncodedString()
    }

    /// A stored value opened: sealed ones need the key they were sealed with; others are clear.
    public func open(_ stored: String) throws(SecretKeyError) -> String {
        guard stored.hasPrefix(Self.prefix) else { return stored }
        guard let key else { throw SecretKeyError("a secret in the database is encrypted, and the hub was started without a secret key") }
        guard let data = Data(base64Encoded: String(stored.dropFirst(Self.prefix.count))),
            let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key)
        else { throw SecretKeyError("a secret in the database cannot be opened with this secret key") }
        return String(decoding: plain, as: UTF8.self)
    }

    public static func isSealed(_ stored: String) -> Bool { stored.hasPrefix(prefix) }

    /// The check value for this key.
    public func check() -> String { seal(Self.checkText) }

    /// Whether a stored check value was sealed with this key.
    public func opens(check stored: String) -> Bool {
        (try? open(stored)) == Self.checkText && Self.isSealed(stored)
    }

    /// A parameter's stored text: sealed when the name marks it secret.
    public func sealParameter(name: String, json: String) -> String {
        SecretNames.isSecret(name) ? seal(json) : json
    }
}

/// A secret key that cannot be read or does not fit the database.
public struct SecretKeyError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
