import Foundation
import IntegratorModel
import Testing

/// What a reply does (children, parameters, notifications, the depth limit) and what an attempt
/// sends (headers, bodies, signature, URL), as values.
@Suite struct ReplyEffectsAndRequestTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func delivery(depth: Int = 0, url: String? = nil, payload: JSONValue = ["order": ["number": "R100", "total": 20]]) -> ClaimedDelivery {
        ClaimedDelivery(
            id: "d1",
            messageID: "m1",
            storeID: "acme",
            mapping: "erp",
            attempts: 0,
            url: url,
            messageName: "order:new",
            payload: payload,
            depth: depth
        )
    }

    /// A delivery claimed from the store carries the payload as text; its request is built from
    /// those bytes and must be the request the parsed payload gives.
    @Test func aStoredPayloadIsSentAsTheParsedPayloadWouldBe() throws {
        let payload: JSONValue = ["order": ["number": "R100", "total": 20.5, "note": "a \"quoted\" {brace}"], "parameters": ["old"]]
        var stored = Self.delivery(payload: .null)
        stored = ClaimedDelivery(
            id: stored.id,
            messageID: stored.messageID,
            storeID: stored.storeID,
            mapping: stored.mapping,
            attempts: 0,
            url: nil,
            messageName: stored.messageName,
            payload: .null,
            storedPayload: payload.jsonString,
            depth: 0
        )
        let parameters = [Parameter(name: "erp.cursor", value: 7), Parameter(name: "store_id", value: "stolen")]
        #expect(stored.payload == payload)
        #expect(DeliveryRequest.body(stored, parameters: parameters) == DeliveryRequest.body(Self.delivery(payload: payload), parameters: parameters))
        // An unreadable stored payload is sent as an empty one, as before.
        let damaged = ClaimedDelivery(
            id: "d1",
            messageID: "m1",
            storeID: "acme",
            mapping: "erp",
            attempts: 0,
            url: nil,
            messageName: "order:new",
            payload: .null,
            storedPayload: "{not json",
            depth: 0
        )
        #expect(DeliveryRequest.body(damaged, parameters: []) == DeliveryRequest.body(Self.delivery(payload: [:]), parameters: []))
    }

    static func verdict(_ status: Int, _ body: String) -> AttemptVerdict {
        AttemptVerdict.judge(
            AttemptAnswer(status: status, reasonPhrase: "", body: Array(body.utf8)),
            url: "https://erp.example.com",
            mapping: Mapping(name: "erp", messages: ["order:new"], url: "https://erp.example.com"),
            attempt: 1,
            targets: .any,
            now: now,
            random: 0
        )
    }

    static let fullReply = """
        {"messages": [{"message": "order:updated", "payload": {"order": {"number": "R100"}}}],
         "notifications": [{"level": "info", "subject": "synced", "description": "R100 is in the ERP", "backtrace": "x"}],
         "parameters": [{"name": "erp.cursor", "value": 7}, {"name": "store_id", "value": "stolen"}],
         "order_id": 55}
        """

    @Test func aSuccessfulReplyMakesChildrenParametersAResultAndNotificationMessages() throws {
        let effects = ReplyEffects.of(Self.verdict(200, Self.fullReply), delivery: Self.delivery(depth: 2), mapping: "erp", maxDepth: 10)
        #expect(effects.depth == 3)
        #expect(effects.messages == [ReplyEffects.Message(name: "order:updated", payload: ["order": ["number": "R100"]])])
        #expect(effects.parameters == [Parameter(name: "erp.cursor", value: 7)])
        #expect(effects.result == ["order_id": 55])
        let kept = try #require(effects.notifications.first)
        #expect(effects.notifications.count == 1)
        #expect(kept.reference == "R100")
        #expect(kept.message?.name == "notification:info")
        #expect(
            kept.message?.payload == [
                "level": "info", "subject": "synced", "description": "R100 is in the ERP", "source": "erp", "message_id": "m1",
                "reference": "R100", "backtrace": "x",
            ]
        )
    }

    @Test func pastTheDepthLimitNoMessageIsMadeAndAnErrorNotificationSaysWhy() {
        let effects = ReplyEffects.of(Self.verdict(200, Self.fullReply), delivery: Self.delivery(depth: 10), mapping: "erp", maxDepth: 10)
        #expect(effects.messages.isEmpty)
        #expect(effects.notifications.map(\.notification.subject) == ["synced", "messages refused: chain too deep"])
        #expect(effects.notifications.allSatisfy { $0.message == nil })
        #expect(effects.notifications[1].notification.level == .error)
        #expect(effects.parameters.count == 1)
    }

    @Test func aFailedAttemptKeepsOnlyItsNotifications() {
        let effects = ReplyEffects.of(Self.verdict(500, Self.fullReply), delivery: Self.delivery(), mapping: "erp", maxDepth: 10)
        #expect(effects.messages.isEmpty && effects.parameters.isEmpty && effects.result == nil)
        #expect(effects.notifications.map(\.notification.subject) == ["synced"])
        #expect(effects.notifications[0].message?.name == "notification:info")
    }

    @Test func ignoredPartsOfAReplyBecomeAWarning() {
        let effects = ReplyEffects.of(
            Self.verdict(200, #"{"messages": [{"payload": {}}]}"#),
            delivery: Self.delivery(),
            mapping: "erp",
            maxDepth: 10
        )
        #expect(effects.notifications.map(\.notification.subject) == ["parts of the reply were ignored"])
        #expect(effects.notifications[0].notification.level == .warn)
    }

    @Test(
        arguments: [
            (["order": ["number": "R1"]] as JSONValue, "R1"), (["shipment": ["number": "H1"]], "H1"), (["shipment_number": "H2"], "H2"),
            (["product": ["sku": "SKU-9"]], "SKU-9"), (["user": ["email": "a@b.c"]], "a@b.c"), (["order_number": "R7"], "R7"),
            (["number": 42], "42"), (["order": ["number": nil]], nil), (["other": 1], nil),
        ] as [(JSONValue, String?)]
    )
    func aNotificationIsFoundByItsMessagesReference(payload: JSONValue, reference: String?) {
        #expect(ReplyEffects.reference(of: payload) == reference)
    }

    @Test func aV5RequestCarriesTheTokenTheHopAndTheStoreIDFirst() throws {
        var mapping = Mapping(name: "erp", messages: ["order:new"], url: "https://erp.example.com", token: "t0k")
        mapping.parameters = ["erp.key"]
        let request = try DeliveryRequest.make(
            Self.delivery(depth: 1),
            mapping: mapping,
            url: "https://erp.example.com",
            parameters: [Parameter(name: "erp.key", value: "k")],
            now: Self.now
        )
        #expect(
            request.headers.map(\.name) == [
                "Content-Type", "Accept", "X-Augury-Token", "X-Integrator-Delivery", DeliveryRequest.hopsHeader, "User-Agent",
            ]
        )
        #expect(request.header("x-augury-token") == "t0k")
        #expect(request.header(DeliveryRequest.hopsHeader) == "2")
        let body = try JSONValue.parse(Array(request.body))
        #expect(body["message"] == "order:new" && body["message_id"] == "m1" && body["store_id"] == "acme")
        #expect(body["payload"]?["parameters"] == [["name": "store_id", "value": "acme"], ["name": "erp.key", "value": "k"]])
        #expect(body["payload"]?["order"]?["number"] == "R100")
    }

    @Test func aV6RequestSendsTheObjectUnderItsTypeWithTheHubHeaders() throws {
        var mapping = Mapping(name: "erp", messages: ["order:new"], url: "https://erp.example.com", token: "t0k")
        mapping.wireProtocol = .v6
        let request = try DeliveryRequest.make(Self.delivery(), mapping: mapping, url: mapping.url, parameters: [], now: Self.now)
        #expect(request.header("X-Hub-Token") == "t0k" && request.header("X-Augury-Token") == "t0k" && request.header("X-Hub-Store") == "acme")
        let body = try JSONValue.parse(Array(request.body))
        #expect(body.objectValue.map { Set($0.keys) } == ["request_id", "parameters", "order"])
        #expect(body["parameters"] == ["store_id": "acme"])
    }

    @Test func theSignatureIsMadeAtTheHubsClockAndVerifies() throws {
        var mapping = Mapping(name: "erp", messages: ["order:new"], url: "https://erp.example.com")
        mapping.signingSecret = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
        let request = try DeliveryRequest.make(Self.delivery(), mapping: mapping, url: mapping.url, parameters: [], now: Self.now)
        #expect(request.header("webhook-id") == "d1")
        #expect(request.header("webhook-timestamp") == "1700000000")
        try WebhookSignature.verify(
            id: request.header("webhook-id"),
            timestamp: request.header("webhook-timestamp"),
            signature: request.header("webhook-signature"),
            body: request.body,
            secrets: mapping.signingSecrets,
            now: Self.now
        )
    }

    @Test(
        arguments: [
            (nil, "https://erp.example.com/orders"), ("https://erp.example.com/poll/9", "https://erp.example.com/poll/9"),
            ("ftp://erp.example.com/poll", "https://erp.example.com/orders"),
            ("https://erp.example.com/orders", "https://erp.example.com/orders"),
        ] as [(String?, String)]
    )
    func anAttemptCallsAStoredUpdateURLOnlyWhileItPassesTheRules(stored: String?, called: String) {
        let mapping = Mapping(name: "erp", messages: ["order:new"], url: "https://erp.example.com/orders")
        #expect(DeliveryRequest.target(stored: stored, mapping: mapping) == called)
    }
}
