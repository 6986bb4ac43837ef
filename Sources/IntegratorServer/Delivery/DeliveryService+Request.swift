import AsyncHTTPClient
import Foundation
import IntegratorModel
import NIOCore
import NIOHTTP1
import Synchronization

/// The HTTP request of one attempt: `DeliveryRequest` (the model's value, with its headers,
/// signature and body) handed to the HTTP client.
extension DeliveryService {

    /// The largest response body read; past it the attempt fails (its reply is not applied).
    static let responseLimit = 4 << 20

    /// Throws when the client cannot make a request of the URL (one it cannot parse or whose
    /// scheme it does not speak).
    static func httpRequest(_ request: DeliveryRequest, templates: RequestTemplates) throws -> HTTPClient.Request {
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headers.count)
        for header in request.headers { headers.add(name: header.name, value: header.value) }
        var made = try templates.request(for: request.url)
        made.headers = headers
        made.body = .byteBuffer(ByteBuffer(bytes: request.body))
        return made
    }
}

/// A POST to each URL the hub delivers to, its URL parsed once: making AsyncHTTPClient's
/// request parses the URL with Foundation and takes it apart again, 1.5 % of a delivery's CPU
/// (perf, `integrator-bench` row 5) for the same few URLs every time. An attempt copies the
/// template and sets its own headers and body.
final class RequestTemplates: Sendable {
    /// Past this many URLs the cache starts over, so a store that makes up URLs (`update_url`
    /// replies) cannot grow it without end.
    static let capacity = 1024

    private let made = Mutex<[String: HTTPClient.Request]>([:])

    func request(for url: String) throws -> HTTPClient.Request {
        if let known = made.withLock({ $0[url] }) { return known }
        // Parsed outside the lock; a URL the client refuses is not kept, and throws every time.
        let request = try HTTPClient.Request(url: url, method: .POST)
        made.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[url] = request
        }
        return request
    }
}
