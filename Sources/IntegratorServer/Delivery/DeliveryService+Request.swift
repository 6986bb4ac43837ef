import AsyncHTTPClient
import Foundation
import IntegratorModel
import NIOCore
import NIOHTTP1

/// The HTTP request of one attempt: `DeliveryRequest` (the model's value, with its headers,
/// signature and body) handed to the HTTP client.
extension DeliveryService {

    /// The largest response body read; past it the attempt fails (its reply is not applied).
    static let responseLimit = 4 << 20

    static func httpRequest(_ request: DeliveryRequest) -> HTTPClientRequest {
        var http = HTTPClientRequest(url: request.url)
        http.method = .POST
        for header in request.headers { http.headers.add(name: header.name, value: header.value) }
        http.body = .bytes(ByteBuffer(bytes: request.body))
        return http
    }
}
