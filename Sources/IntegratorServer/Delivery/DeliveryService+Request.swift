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

    /// Throws when the client cannot make a request of the URL (one it cannot parse or whose
    /// scheme it does not speak).
    static func httpRequest(_ request: DeliveryRequest) throws -> HTTPClient.Request {
        var headers = HTTPHeaders()
        for header in request.headers { headers.add(name: header.name, value: header.value) }
        return try HTTPClient.Request(url: request.url, method: .POST, headers: headers, body: .byteBuffer(ByteBuffer(bytes: request.body)))
    }
}
