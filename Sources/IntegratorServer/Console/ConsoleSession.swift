import Crypto
import Foundation

/// The console's sign-in cookie: an expiry and its HMAC, keyed by the admin token's digest.
/// Nothing is kept on the server, so every hub process sharing a database accepts the same
/// cookie, and changing the admin token signs everyone out.
struct ConsoleSession: Sendable {
    static let cookieName = "integrator_console"
    /// Twelve hours: a working day at the console.
    static let lifetime: Double = 12 * 3600

    let adminTokenHash: String

    /// A new cookie value good until `now + lifetime`.
    func issue(now: Date) -> String {
        let expiry = String(Int64(now.timeIntervalSince1970 + Self.lifetime))
        return "\(expiry).\(signature(expiry))"
    }

    /// Whether `value` is a cookie this hub issued and it has not expired.
    func isValid(_ value: String?, now: Date) -> Bool {
        guard let value else { return false }
        let parts = value.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let expiry = Int64(parts[0]), Double(expiry) > now.timeIntervalSince1970 else { return false }
        return Tokens.equal(signature(parts[0]), parts[1])
    }

    private func signature(_ text: String) -> String {
        let key = SymmetricKey(data: Data(("integrator-console:" + adminTokenHash).utf8))
        return Tokens.hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
    }
}
