import Crypto
import Foundation
import IntegratorModel
import Synchronization

/// The console's sign-in cookie: a random session id, an expiry and an HMAC over both and the
/// admin token's digest. The HMAC key comes from the admin token itself or from the operator's
/// secret key, never from anything the database holds, so a copy of the database cannot forge
/// a cookie. Processes given the same admin token (or key) accept each other's cookies;
/// changing the admin token signs everyone out; sign-out is written to the database so that it
/// ends the session on every process.
struct ConsoleSession: Sendable {
    static let cookieName = "integrator_console"
    /// Twelve hours: a working day at the console.
    static let lifetime: Double = 12 * 3600
    /// Where sign-outs are kept (`<prefix><session id>` → expiry), until the cookie would have expired.
    static let signedOutPrefix = "console_signed_out:"

    let key: SymmetricKey
    let adminTokenHash: String

    /// What a valid cookie says.
    struct Claims: Sendable, Equatable {
        var id: String
        var expiry: Int64
    }

    /// A new cookie value good until `now + lifetime`, and its session id.
    func issue(now: Date) -> (value: String, claims: Claims) {
        let id = Tokens.generate().prefix(32)
        let expiry = Int64(Timestamp.clamped(now).timeIntervalSince1970 + Self.lifetime)
        let body = "\(id).\(expiry)"
        return ("\(body).\(mac(body))", Claims(id: String(id), expiry: expiry))
    }

    /// What `value` says when this hub issued it and it has not expired; nil otherwise.
    func claims(_ value: String?, now: Date) -> Claims? {
        guard let value, value.utf8.count <= 256 else { return nil }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0].count == 32, parts[1].count <= 12, let expiry = Int64(parts[1]),
            Double(expiry) > Timestamp.clamped(now).timeIntervalSince1970,
            Tokens.equal(mac("\(parts[0]).\(parts[1])"), parts[2])
        else { return nil }
        return Claims(id: parts[0], expiry: expiry)
    }

    /// The token every state-changing form of this session carries.
    func formToken(for claims: Claims) -> String {
        mac("form:\(claims.id)")
    }

    private func mac(_ text: String) -> String {
        Tokens.hex(HMAC<SHA256>.authenticationCode(for: Data("\(text)|\(adminTokenHash)".utf8), using: key))
    }

    /// The cookie key from the admin token, or from the operator's secret key.
    static func key(adminToken: String) -> SymmetricKey {
        derive(SymmetricKey(data: Data(adminToken.utf8)))
    }

    static func key(secretKey: SymmetricKey) -> SymmetricKey {
        derive(secretKey)
    }

    private static func derive(_ material: SymmetricKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: material,
            salt: Data("integrator-console".utf8),
            info: Data("cookie signing".utf8),
            outputByteCount: 32
        )
    }
}

/// The console's cookie key in this process: known from the start when the admin token or a
/// secret key was given, or from the first sign-in with the admin token otherwise.
final class ConsoleKey: Sendable {
    private let key: Mutex<SymmetricKey?>

    init(_ key: SymmetricKey?) {
        self.key = Mutex(key)
    }

    var current: SymmetricKey? { key.withLock { $0 } }

    /// Learns the key from a correct admin token, unless one is known already.
    func learn(adminToken: String) -> SymmetricKey {
        key.withLock { key in
            if let known = key { return known }
            let derived = ConsoleSession.key(adminToken: adminToken)
            key = derived
            return derived
        }
    }
}
