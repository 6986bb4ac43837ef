import AsyncHTTPClient
import Foundation
import HTTPTypes
import IntegratorModel
import IntegratorStore
import NIOCore
import NIOHTTP1

/// What one attempt sends: the request, its headers and signature, and the bodies of both
/// wire protocols. Pure: built from the delivery, the mapping and the clock.
extension DeliveryService {

    /// The largest response body read; past it the attempt fails (its reply is not applied).
    static let responseLimit = 4 << 20

    /// The hop header: how many deliveries deep the message this request carries is. The hub
    /// reads it on every push, so a mapping whose URL is the hub's own push API counts toward
    /// the same depth limit as reply chains and ends.
    static let hopsHeader = "X-Integrator-Hops"

    /// The HTTP request of one attempt, signed with the hub's clock.
    static func request(_ delivery: ClaimedDelivery, mapping: Mapping, url: String, parameters: [Parameter], now: Date) throws -> HTTPClientRequest {
        // A transform makes the payload from the message; the protocol's fields stay.
        var delivery = delivery
        if let transform = mapping.transform {
            delivery.payload = transform.apply(message: delivery.messageName, id: delivery.messageID, payload: delivery.payload)
        }
        let body =
            mapping.wireProtocol == .v6
            ? v6RequestBody(delivery, parameters: parameters, transformed: mapping.transform != nil)
            : requestBody(delivery, parameters: parameters)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if mapping.wireProtocol == .v6 {
            // As Wombat sent them; X-Augury-Token too, which endpoint_base checked in the first
            // weeks of v6 (February to March 2014).
            request.headers.add(name: "X-Hub-Token", value: mapping.token)
            request.headers.add(name: "X-Augury-Token", value: mapping.token)
            request.headers.add(name: "X-Hub-Store", value: delivery.storeID)
        } else {
            request.headers.add(name: "X-Augury-Token", value: mapping.token)
        }
        request.headers.add(name: "X-Integrator-Delivery", value: delivery.id)
        request.headers.add(name: hopsHeader, value: String(delivery.depth + 1))
        request.headers.add(name: "User-Agent", value: "Integrator")
        if !mapping.signingSecrets.isEmpty {
            // Standard Webhooks: the delivery id is stable across retries, so receivers can dedupe.
            let timestamp = Int64(Timestamp.clamped(now).timeIntervalSince1970)
            request.headers.add(name: "webhook-id", value: delivery.id)
            request.headers.add(name: "webhook-timestamp", value: String(timestamp))
            request.headers.add(
                name: "webhook-signature",
                value: try WebhookSignature.sign(id: delivery.id, timestamp: timestamp, body: body, secrets: mapping.signingSecrets))
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    /// The parameter every delivery carries with the store's id: endpoint_base's `store_id`
    /// helper reads it. No store parameter may take its name.
    static let storeIDParameter = "store_id"

    /// The request the original hub sent: the message, its id, the store's id, and the payload
    /// with the store parameters the mapping names as a `[{name, value}]` list, `store_id` first.
    static func requestBody(_ delivery: ClaimedDelivery, parameters: [Parameter]) -> Data {
        var payload = delivery.payload.objectValue ?? [:]
        let listed = [Parameter(name: storeIDParameter, value: .string(delivery.storeID))] + parameters.filter { $0.name != storeIDParameter }
        payload["parameters"] = .array(listed.map { .object(["name": .string($0.name), "value": $0.value]) })
        return JSONValue.object([
            "message": .string(delivery.messageName), "message_id": .string(delivery.messageID), "store_id": .string(delivery.storeID),
            "payload": .object(payload),
        ]).encoded()
    }

    /// The v6 request as Wombat sent it: `{request_id, parameters: {name: value}, <type>: {...}}`.
    /// A message that carries an object (`order` for `order:new`) sends exactly that object under
    /// its type: `original`, `previous` and `diff` belong to the v5 payload only. A message with
    /// no object (a poll), or whose mapping transforms it, sends its payload's fields at the top level.
    static func v6RequestBody(_ delivery: ClaimedDelivery, parameters: [Parameter], transformed: Bool = false) -> Data {
        let payload = delivery.payload.objectValue ?? [:]
        let type = String(delivery.messageName.prefix { $0 != ":" })
        var fields: [String: JSONValue]
        if !transformed, let object = payload[type], case .object = object {
            fields = [type: object]
        } else {
            fields = payload
            fields["v6"] = nil
        }
        fields["request_id"] = .string(delivery.id)
        var named = Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        named[storeIDParameter] = .string(delivery.storeID)
        fields["parameters"] = .object(named)
        return JSONValue.object(fields).encoded()
    }

    /// A relative `update_url` inherits the original base URL. (The reply reader has already
    /// refused one that is not http or https; `deliver` checks the stored URL again.)
    static func resolve(_ updateURL: String?, against base: String) -> String {
        guard let updateURL, !updateURL.isEmpty else { return base }
        if let absolute = URL(string: updateURL), absolute.scheme != nil { return updateURL }
        return URL(string: updateURL, relativeTo: URL(string: base))?.absoluteString ?? base
    }

    /// What to search a message's notifications by: its order, shipment, product or user.
    static func reference(of payload: JSONValue) -> String? {
        let candidates = [
            payload["order"]?["number"], payload["shipment"]?["number"], payload["shipment_number"], payload["product"]?["sku"],
            payload["user"]?["email"], payload["order_number"], payload["number"],
        ]
        return candidates.compactMap { $0 }.first { $0 != .null }.map(\.comparableText)
    }
}
