import Foundation

/// What one attempt sends: the URL, the headers (with the Standard Webhooks signature) and the
/// body of either wire protocol. A value built from the delivery, its mapping, the store's
/// parameters and the hub's clock, so every header and body can be checked without a socket;
/// the delivery service only turns it into an HTTP request.
public struct DeliveryRequest: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var url: String
    public var headers: [Header]
    public var body: Data

    /// The hop header: how many deliveries deep the message this request carries is. The hub
    /// reads it on every push, so a mapping whose URL is the hub's own push API counts toward
    /// the same depth limit as reply chains and ends.
    public static let hopsHeader = "X-Integrator-Hops"

    /// The parameter every delivery carries with the store's id: endpoint_base's `store_id`
    /// helper reads it. No store parameter may take its name.
    public static let storeIDParameter = "store_id"

    /// The value of the first header called `name` (any case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The request of one attempt at `url`, signed at `now` (the hub's clock).
    public static func make(
        _ delivery: ClaimedDelivery,
        mapping: Mapping,
        url: String,
        parameters: [Parameter],
        now: Date
    ) throws -> DeliveryRequest {
        // A transform makes the payload from the message; the protocol's fields stay.
        var delivery = delivery
        if let transform = mapping.transform {
            delivery.payload = transform.apply(message: delivery.messageName, id: delivery.messageID, payload: delivery.payload)
        }
        let body =
            mapping.wireProtocol == .v6
            ? v6Body(delivery, parameters: parameters, transformed: mapping.transform != nil)
            : body(delivery, parameters: parameters)
        var headers = [Header("Content-Type", "application/json"), Header("Accept", "application/json")]
        if mapping.wireProtocol == .v6 {
            // As Wombat sent them; X-Augury-Token too, which endpoint_base checked in the first
            // weeks of v6 (February to March 2014).
            headers += [Header("X-Hub-Token", mapping.token), Header("X-Augury-Token", mapping.token), Header("X-Hub-Store", delivery.storeID)]
        } else {
            headers.append(Header("X-Augury-Token", mapping.token))
        }
        headers += [Header("X-Integrator-Delivery", delivery.id), Header(hopsHeader, String(delivery.depth + 1)), Header("User-Agent", "Integrator")]
        if !mapping.signingSecrets.isEmpty {
            // Standard Webhooks: the delivery id is stable across retries, so receivers can dedupe.
            let timestamp = Int64(Timestamp.clamped(now).timeIntervalSince1970)
            let signature = try WebhookSignature.sign(id: delivery.id, timestamp: timestamp, body: body, secrets: mapping.signingSecrets)
            headers += [Header("webhook-id", delivery.id), Header("webhook-timestamp", String(timestamp)), Header("webhook-signature", signature)]
        }
        return DeliveryRequest(url: url, headers: headers, body: body)
    }

    /// The request the original hub sent: the message, its id, the store's id, and the payload
    /// with the store parameters the mapping names as a `[{name, value}]` list, `store_id` first.
    public static func body(_ delivery: ClaimedDelivery, parameters: [Parameter]) -> Data {
        let listed = [Parameter(name: storeIDParameter, value: .string(delivery.storeID))] + parameters.filter { $0.name != storeIDParameter }
        let parameterList = JSONValue.array(listed.map { .object(["name": .string($0.name), "value": $0.value]) })
        if let stored = delivery.storedPayload,
            let payload = JSONSplice.settingField("parameters", to: Array(parameterList.encoded()), in: Array(stored.utf8))
        {
            // The same bytes as encoding the object below (keys in order), from the stored text.
            var out: [UInt8] = []
            out.reserveCapacity(payload.count + 128)
            out += Array(#"{"message":"#.utf8)
            JSONWriter.writeString(delivery.messageName, into: &out)
            out += Array(#","message_id":"#.utf8)
            JSONWriter.writeString(delivery.messageID, into: &out)
            out += Array(#","payload":"#.utf8)
            out += payload
            out += Array(#","store_id":"#.utf8)
            JSONWriter.writeString(delivery.storeID, into: &out)
            out.append(UInt8(ascii: "}"))
            return Data(out)
        }
        var payload = delivery.payload.objectValue ?? [:]
        payload["parameters"] = parameterList
        return JSONValue.object([
            "message": .string(delivery.messageName), "message_id": .string(delivery.messageID), "store_id": .string(delivery.storeID),
            "payload": .object(payload),
        ]).encoded()
    }

    /// The v6 request as Wombat sent it: `{request_id, parameters: {name: value}, <type>: {...}}`.
    /// A message that carries an object (`order` for `order:new`) sends exactly that object under
    /// its type: `original`, `previous` and `diff` belong to the v5 payload only. A message with
    /// no object (a poll), or whose mapping transforms it, sends its payload's fields at the top level.
    public static func v6Body(_ delivery: ClaimedDelivery, parameters: [Parameter], transformed: Bool = false) -> Data {
        let payload = delivery.payload.objectValue ?? [:]
        let type = String(delivery.messageName.prefix { $0 != ":" })
        var fields: JSONObject
        if !transformed, let object = payload[type], case .object = object {
            fields = [type: object]
        } else {
            fields = payload
            fields["v6"] = nil
        }
        fields["request_id"] = .string(delivery.id)
        var named = Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        named[storeIDParameter] = .string(delivery.storeID)
        fields["parameters"] = .object(JSONObject(named))
        return JSONValue.object(fields).encoded()
    }

    /// A relative `update_url` inherits the original base URL. (The reply reader has already
    /// refused one that is not http or https; the stored URL is checked again before it is called.)
    public static func resolve(_ updateURL: String?, against base: String) -> String {
        guard let updateURL, !updateURL.isEmpty else { return base }
        if let absolute = URL(string: updateURL), absolute.scheme != nil { return updateURL }
        return URL(string: updateURL, relativeTo: URL(string: base))?.absoluteString ?? base
    }

    /// The URL an attempt calls: a stored `update_url` when it still passes the URL rules, else
    /// the mapping's (one stored before a rule, or that no longer passes it, is not followed).
    /// Only a stored URL other than the mapping's is checked: the answer is the mapping's
    /// either way otherwise (checking it cost every delivery 1 % of its CPU).
    public static func target(stored: String?, mapping: Mapping) -> String {
        guard let stored, stored != mapping.url else { return mapping.url }
        return DeliveryURL.problem(stored) == nil ? stored : mapping.url
    }
}
