import Foundation

/// Where the hub may deliver: the operator's `--delivery-targets` (`INTEGRATOR_DELIVERY_TARGETS`).
///
/// Self-hosted endpoints often live on private addresses, so `any` is the default. `public`
/// refuses loopback, private, link-local (the cloud metadata address 169.254.169.254 included),
/// shared and unspecified addresses however they are written. A list names the host names and
/// networks allowed, and nothing else is.
///
/// A URL is checked when it is saved, where its host tells (an address, `localhost`), and on
/// every attempt on the addresses its name resolves to, which are the addresses connected to.
public enum DeliveryTargets: Sendable, Equatable {
    case any
    case publicOnly
    case allowList(names: Set<String>, networks: [IPNetwork])

    /// The networks `public` refuses.
    public static let nonPublic: [IPNetwork] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
        "::/128", "::1/128", "fc00::/7", "fe80::/10",
    ].compactMap(IPNetwork.init)

    /// Reads a setting: `any`, `public`, or a comma-separated list of host names and CIDRs.
    public static func parse(_ text: String) -> Result<DeliveryTargets, ValidationError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed.isEmpty || trimmed == "any" { return .success(.any) }
        if trimmed == "public" { return .success(.publicOnly) }
        var names: Set<String> = []
        var networks: [IPNetwork] = []
        for item in trimmed.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            if let network = IPNetwork(item) {
                networks.append(network)
            } else if item.contains("/") || item.utf8.count > 253 || !item.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) {
                return .failure(
                    ValidationError(
                        "--delivery-targets is not valid",
                        problems: [
                            Problem(path: "delivery-targets", problem: "'\(item.prefix(64))' is neither a host name nor a network such as 10.0.0.0/8")
                        ]
                    )
                )
            } else {
                names.insert(item)
            }
        }
        return .success(.allowList(names: names, networks: networks))
    }

    /// Why a URL is refused when it is saved or followed, where its host alone tells; nil otherwise.
    public func refusal(url: String) -> String? {
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else { return nil }
        return refusal(host: host)
    }

    /// Why a URL with this host is refused, when the host alone tells (an address in any of its
    /// spellings, or `localhost`); nil when it is allowed or only its resolved addresses can tell.
    public func refusal(host: String) -> String? {
        let host = Self.bare(host)
        switch self {
        case .any:
            return nil
        case .publicOnly:
            if host == "localhost" || host.hasSuffix(".localhost") {
                return "\(host) is a loopback name, and delivery-targets is public"
            }
            if let address = IPAddress.reading(host: host) { return refusal(host: host, address: address) }
            return nil
        case .allowList(let names, _):
            if names.contains(host) { return nil }
            if let address = IPAddress.reading(host: host) { return refusal(host: host, address: address) }
            return nil
        }
    }

    /// Whether an attempt must resolve `host` and check each address before connecting.
    public func mustResolve(host: String) -> Bool {
        let host = Self.bare(host)
        switch self {
        case .any: return false
        case .publicOnly: return true
        case .allowList(let names, _): return !names.contains(host)
        }
    }

    /// Why connecting to `address` (which `host` resolved to, or is) is refused; nil when allowed.
    public func refusal(host: String, address: IPAddress) -> String? {
        let host = Self.bare(host)
        let shown = host == address.description ? host : "\(host) (\(address))"
        switch self {
        case .any:
            return nil
        case .publicOnly:
            guard let network = Self.nonPublic.first(where: { $0.contains(address) }) else { return nil }
            return "\(shown) is in \(network), which is not a public address, and delivery-targets is public"
        case .allowList(let names, let networks):
            if names.contains(host) || networks.contains(where: { $0.contains(address) }) { return nil }
            return "\(shown) is not among the delivery-targets the operator allows"
        }
    }

    /// A URL's host without brackets, a trailing dot or upper case.
    public static func bare(_ host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        while host.hasSuffix(".") { host.removeLast() }
        return host
    }
}
