import Foundation

/// Who sent a request and whether it came over HTTPS. `X-Forwarded-For` and
/// `X-Forwarded-Proto` are believed only from a peer in the operator's `--trusted-proxies`:
/// anyone else could write them.
public struct ForwardedClient: Sendable, Equatable {
    /// The client's address as text, or the peer's when no proxy is trusted.
    public var address: String
    public var secure: Bool

    public init(address: String, secure: Bool) {
        self.address = address
        self.secure = secure
    }

    /// `forwardedFor` is every `X-Forwarded-For` value in order; the client is the rightmost
    /// address that is not itself a trusted proxy (each proxy appends the address it saw).
    public static func resolve(peer: String?, forwardedFor: [String], forwardedProto: String?, trusted: [IPNetwork]) -> ForwardedClient {
        let peerText = peer ?? "unknown"
        guard let peer, let peerAddress = IPAddress(peer), trusted.contains(where: { $0.contains(peerAddress) }) else {
            return ForwardedClient(address: peerText, secure: false)
        }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var client = peerText
        for hop in hops.reversed().prefix(32) {
            guard let address = IPAddress(hop) else { break }
            client = address.description
            if !trusted.contains(where: { $0.contains(address) }) { break }
        }
        // The proxy nearest the hub wrote the last value.
        let proto = forwardedProto?.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return ForwardedClient(address: client, secure: proto == "https")
    }
}
