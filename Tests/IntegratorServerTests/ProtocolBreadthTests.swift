import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// Wombat v6 both ways, change detection end to end, and signed deliveries.
@Suite(.serialized) struct ProtocolBreadthTests {
    /// An order as the spree_wombat extension serialised it (v6: `id` is the number).
    static func wombatOrder(status: String = "complete") -> JSONValue {
        [
            "id": "R154085346", "status": .string(status), "channel": "spree", "email": "spree@example.com", "currency": "USD",
            "placed_on": "2014-02-03T17:29:15.219Z", "updated_at": "2014-02-03T17:29:15.219Z",
            "totals": ["item": 200, "adjustment": 20, "tax": 10, "shipping": 10, "payment": 220, "order": 220],
            "line_items": [["product_id": "SPREE-T-SHIRT", "name": "Spree T-Shirt", "quantity": 2, "price": 100]],
            "adjustments": [["name": "Tax", "value": 10], ["name": "Shipping", "value": 5]],
            "shipping_address": [
                "firstname": "Joe", "lastname": "Smith", "address1": "1234 Awesome Street", "address2": "", "zipcode": "90210",
                "city": "Hollywood", "state": "California", "country": "US", "phone": "0000000000",
            ],
            "billing_address": [
                "firstname": "Joe", "lastname": "Smith", "address1": "1234 Awesome Street", "address2": "", "zipcode": "90210",
                "city": "Hollywood", "state": "California", "country": "US", "phone": "0000000000",
            ],
            "payments": [["number": 63, "status": "completed", "amount": 220, "payment_method": "Credit Card"]],
        ]
    }

    @Test(arguments: TestBackend.all)
    func aV6PushGoesThroughChangeDetectionAndIsDelivered(backend: TestBackend) async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "erp", "messages": ["order:new", "order:updated", "order:canceled"], "url": .string("\(endpoint)/erp"),
                ])
                let first = try await hub.push(["request_id": "12e12341523e449c3000001", "orders": [Self.wombatOrder()]])
                #expect(first.status == 202)
                #expect(first.body == ["orders": 1])
                #expect(try await eventually { receiver.received.count == 1 })
                #expect(receiver.received[0].body["message"] == "order:new")
                #expect(receiver.received[0].body["payload"]?["order"]?["id"] == "R154085346")
                // The same object again: nothing new.
                _ = try await hub.push(["orders": [Self.wombatOrder()]])
                let persisted = try await hub.messages("message=order:persist")
                #expect(persisted["count"] == 2)
                let second = try await hub.message(persisted["messages"]![0]!["message_id"]!.stringValue!)
                #expect(second["note"]?.stringValue?.contains("has not changed") == true)
                #expect(second["children"]?.arrayValue?.isEmpty == true)
                // Canceled: order:canceled, with the diff.
                _ = try await hub.push(["orders": [Self.wombatOrder(status: "canceled")]])
                #expect(try await eventually { receiver.received.count == 2 })
                try await Task.sleep(for: .milliseconds(200))
                #expect(receiver.received.count == 2)
                #expect(receiver.received[1].body["message"] == "order:canceled")
                #expect(receiver.received[1].body["payload"]?["diff"]?["status"] == ["complete", "canceled"])
                let bad = try await hub.push(["orders": [["name": "no id"]], "Shipments": [["id": "H1"]]])
                #expect(bad.status == 422)
                #expect(Set(bad.body["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []) == ["orders.0.id", "Shipments"])
            }
        }
    }

    @Test func aV6EndpointGetsWombatsFormAndItsObjectsComeBack() async throws {
        let receiver = Receiver { request, _ -> (Int, JSONValue) in
            if request.path == "/v6" {
                return (
                    202,
                    [
                        "request_id": request.body["request_id"]!, "summary": "shipment created",
                        "shipments": [["id": "H438105731", "order_id": "R154085346", "status": "ready", "tracking": "12345"]],
                    ]
                )
            }
            return (200, ["message_id": request.body["message_id"]!])
        }
        try await receiver.run { endpoint in
            try await TestHub.run { hub in
                _ = try await call(.PUT, "\(hub.url)/api/stores/acme/parameters/wombat.key", json: ["value": "k1"], headers: hub.admin)
                try await hub.addMapping([
                    "name": "wombat", "messages": ["order:new"], "url": .string("\(endpoint)/v6"), "token": "hub-token",
                    "protocol": "v6", "parameters": ["wombat.*"],
                ])
                try await hub.addMapping(["name": "warehouse", "messages": ["shipment:ready"], "url": .string("\(endpoint)/warehouse")])
                let pushed = try await hub.push([
                    "message": "order:new", "payload": ["order": ["number": "R154085346", "email": "spree@example.com"]],
                ])
                let id = try #require(pushed.body["message_id"]?.stringValue)
                #expect(try await eventually { receiver.received(path: "/warehouse").count == 1 })
                let sent = try #require(receiver.received(path: "/v6").first)
                #expect(sent.headers["x-hub-token"] == "hub-token")
                #expect(sent.body["request_id"]?.stringValue?.count == 24)
                #expect(sent.body["parameters"] == ["wombat.key": "k1", "store_id": "acme"])
                #expect(sent.body["order"]?["number"] == "R154085346")
                #expect(sent.body["message"] == nil)
                let ready = try #require(receiver.received(path: "/warehouse").first)
                #expect(ready.body["payload"]?["shipment"]?["id"] == "H438105731")
                let detail = try await hub.message(id)
                #expect(detail["state"] == "completed")
                #expect(detail["result"]?["wombat"]?["summary"] == "shipment created")
            }
        }
    }

    @Test func aSigningSecretSignsDeliveriesAsStandardWebhooks() async throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let previous = "whsec_" + Data(repeating: 9, count: 32).base64EncodedString()
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run { hub in
                let bad = try await call(
                    .POST,
                    "\(hub.url)/api/stores/acme/mappings",
                    json: ["name": "x", "messages": ["order:new"], "url": "http://h/x", "signing_secret": "plain"],
                    headers: hub.admin
                )
                #expect(bad.status == 422)
                try await hub.addMapping([
                    "name": "signed", "messages": ["order:new"], "url": .string("\(endpoint)/signed"),
                    "signing_secret": .string(secret), "previous_signing_secret": .string(previous),
                ])
                _ = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]])
                #expect(try await eventually { receiver.received.count == 1 })
                let request = receiver.received[0]
                #expect(request.headers["webhook-id"] == request.headers["x-integrator-delivery"])
                #expect(request.headers["webhook-signature"]?.split(separator: " ").count == 2)
                // The receiver checks it with either secret, over the exact bytes it received.
                for key in [secret, previous] {
                    try WebhookSignature.verify(
                        id: request.headers["webhook-id"],
                        timestamp: request.headers["webhook-timestamp"],
                        signature: request.headers["webhook-signature"],
                        body: request.rawBody,
                        secrets: [key]
                    )
                }
            }
        }
    }
}
