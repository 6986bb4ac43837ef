import AsyncHTTPClient
import Foundation
import IntegratorModel
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A delivery target the operator's `--delivery-targets` refuses.
struct TargetRefused: Error, CustomStringConvertible {
    var description: String
}

/// A name that could not be resolved now: a failed attempt, retried like any other.
struct ResolutionFailed: Error, CustomStringConvertible {
    var description: String
}

/// Applies `--delivery-targets` where the hub connects out (attempts and integration
/// registration). The name is resolved here, every address it gives is checked, and the
/// connection is pinned to the checked address (the client's DNS override, which keeps the
/// name for TLS and the Host header), so a name cannot pass the check with one address and
/// connect to another.
final class TargetGuard: Sendable {
    let policy: DeliveryTargets
    /// Clients pinned to one checked address per host, the least recently used dropped past
    /// `capacity`. Only used when the policy is not `any`.
    private let pinned = Mutex<[String: (client: HTTPClient, used: UInt64)]>([:])
    private let tick = Mutex<UInt64>(0)
    private let configuration: HTTPClient.Configuration
    static let capacity = 64

    init(policy: DeliveryTargets, configuration: HTTPClient.Configuration = TargetGuard.clientConfiguration(deliveryConcurrency: 64)) {
        self.policy = policy
        self.configuration = configuration
    }

    /// The delivery client's settings: no redirects, and a refused connection fails the attempt
    /// at once (the retry schedule, not the client, decides when to try again).
    static func clientConfiguration(deliveryConcurrency: Int) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, deliveryConcurrency)
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        // The hub exports no traces; without this the client still built a span and its
        // attributes for every delivery (4 % of the drain's CPU, perf).
        configuration.tracing.tracer = nil
        return configuration
    }

    /// Why a URL is refused when it is saved, where its host alone tells; nil otherwise.
    func refusal(url: String) -> String? { policy.refusal(url: url) }

    /// The client to send a request for `url` with: `standard` when the policy allows the host
    /// without looking further, or one pinned to the checked address. Throws `TargetRefused`
    /// when the host, or any address it resolves to, is refused, and
    /// `HTTPClientError.deadlineExceeded` when the name is not resolved by `deadline`.
    func client(for url: String, standard: HTTPClient, deadline: NIODeadline) async throws -> HTTPClient {
        guard policy != .any else { return standard }
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else { throw TargetRefused(description: "\(url) names no host") }
        if let why = policy.refusal(host: host) { throw TargetRefused(description: why) }
        guard policy.mustResolve(host: host) else { return standard }
        let name = DeliveryTargets.bare(host)
        // An address in its standard form is connected to as written, and was checked above.
        if IPAddress(name) != nil { return standard }
        let addresses = try await Self.resolve(name, by: deadline)
        guard let first = addresses.first else { throw ResolutionFailed(description: "\(name) does not resolve to any address") }
        for address in addresses {
            if let why = policy.refusal(host: name, address: address) { throw TargetRefused(description: why) }
        }
        return pinnedClient(host: host, address: first)
    }

    private func pinnedClient(host: String, address: IPAddress) -> HTTPClient {
        let key = "\(host)|\(address)"
        let now = tick.withLock { value in
            value &+= 1
            return value
        }
        let (client, evicted) = pinned.withLock { table -> (HTTPClient, HTTPClient?) in
            if let entry = table[key] {
                table[key] = (entry.client, now)
                return (entry.client, nil)
            }
            var evicted: HTTPClient?
            if table.count >= Self.capacity, let oldest = table.min(by: { $0.value.used < $1.value.used }) {
                evicted = oldest.value.client
                table[oldest.key] = nil
            }
            var configuration = self.configuration
            configuration.dnsOverride = [host: address.description]
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            table[key] = (client, now)
            return (client, evicted)
        }
        if let evicted { _ = evicted.shutdown() as EventLoopFuture<Void> }
        return client
    }

    /// Shuts every pinned client down, at the end of the hub's life.
    func shutdown() async {
        let clients = pinned.withLock { table in
            defer { table = [:] }
            return table.values.map(\.client)
        }
        for client in clients { try? await client.shutdown() }
    }

    /// Every address `name` resolves to, read on a thread of the blocking pool, or
    /// `HTTPClientError.deadlineExceeded` at `deadline`: `getaddrinfo` cannot be cancelled and
    /// a resolver that does not answer would hold the attempt past its timeout (and its lease).
    /// The lookup, once started, finishes on its thread; its answer is then dropped.
    static func resolve(
        _ name: String,
        by deadline: NIODeadline,
        lookup: @escaping @Sendable (String) throws -> [IPAddress] = lookUp
    ) async throws -> [IPAddress] {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let answer = eventLoop.makePromise(of: [IPAddress].self)
        // Both complete the promise on its event loop, where the second completion is ignored.
        let timeout = eventLoop.scheduleTask(deadline: deadline) { answer.fail(HTTPClientError.deadlineExceeded) }
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) { try lookup(name) }.whenComplete { result in
            timeout.cancel()
            answer.completeWith(result)
        }
        return try await answer.futureResult.get()
    }

    /// `getaddrinfo`: every address `name` resolves to, without repeats.
    static func lookUp(_ name: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0, let list else {
            throw ResolutionFailed(description: "\(name) could not be resolved: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = list
        while let entry = next {
            if let address = IPAddress(socketAddress: entry.pointee.ai_addr), !addresses.contains(address) { addresses.append(address) }
            next = entry.pointee.ai_next
        }
        return addresses
    }
}
