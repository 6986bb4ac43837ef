import Crypto
import Foundation

/// Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-id`,
/// `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
/// keyed by a `whsec_`-prefixed base64 secret. Several signatures, space-separated, let a
/// receiver accept both secrets while one is rotated.
public enum WebhookSignature {
    /// Why a signature was not accepted.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missingHeaders
        case badSecret
        case timestampOutOfTolerance
        case noMatchingSignature

        public var description: String {
            switch self {
            case .missingHeaders: return "the webhook-id, webhook-timestamp and webhook-signature headers are required"
            case .badSecret: return "the signing secret is not base64 (whsec_ followed by base64)"
            case .timestampOutOfTolerance: return "webhook-timestamp is more than 5 minutes from now"
            case .noMatchingSignature: return "no signature in webhook-signature matches the secret"
            }
        }
    }

    public static let tolerance: TimeInterval = 5 * 60

    /// The key bytes of a `whsec_…` secret (the prefix is optional).
    public static func key(_ secret: String) -> SymmetricKey? {
        let text = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let bytes = Data(base64Encoded: text), !bytes.isEmpty else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// `v1,<signature>` for each secret, space-separated.
    public static func sign(id: String, timestamp: Int64, body: some DataProtocol, secrets: [String]) throws -> String {
        let content = Data("\(id).\(timestamp).".utf8) + Data(body)
        return try secrets.map { secret in
            guard let key = key(secret) else { throw Failure.badSecret }
            return "v1," + Data(HMAC<SHA256>.authenticationCode(for: content, using: key)).base64EncodedString()
        }.joined(separator: " ")
    }

    /// Checks a delivery's headers against any of `secrets`, refusing timestamps more than five
    /// minutes from `now`.
    public static func verify(
        id: String?,
        timestamp: String?,
        signature: String?,
        body: some DataProtocol,
        secrets: [String],
        now: Date = Date()
    ) throws {
        guard let id, let timestamp, let signature, let seconds = Int64(timestamp) else { throw Failure.missingHeaders }
        guard abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else { throw Failure.timestampOutOfTolerance }
        let content = Data("\(id).\(seconds).".utf8) + Data(body)
        let offered = signature.split(separator: " ").compactMap { entry -> Data? in
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1" else { return nil }
            return Data(base64Encoded: String(parts[1]))
        }
        for secret in secrets {
            guard let key = key(secret) else { throw Failure.badSecret }
            for candidate in offered where HMAC<SHA256>.isValidAuthenticationCode(candidate, authenticating: content, using: key) {
                return
            }
        }
        throw Failure.noMatchingSignature
    }
}
