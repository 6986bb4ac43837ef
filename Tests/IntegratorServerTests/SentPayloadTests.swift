import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// A pushed payload is stored and delivered as the client sent it (its key order, spacing and
/// number forms), unless an object in the push repeats a key: then the hub's reading of it (the
/// last value) is what is stored, so the endpoint cannot read it another way than routing did.
@Suite(.serialized) struct SentPayloadTests {
    @Test(arguments: TestBackend.all) func aPushedPayloadIsDeliveredInTheBytesItWasSentIn(backend: TestBackend) async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping(["name": "erp", "messages": ["order:new"], "url": .string("\(endpoint)/erp")])
                let sent = #"{"message":"order:new","payload":{"order":{"number":"R9","total":1.0,"channel":"spree","items":[ ]},"zeta":"ü"}}"#
                let reply = try await call(.POST, "\(hub.url)/events", raw: Array(sent.utf8), headers: hub.pusher)
                #expect(reply.status == 202)
                let id = try #require(reply.body["message_id"]?.stringValue)
                #expect(try await eventually { receiver.received(path: "/erp").count == 1 })
                let delivered = try #require(receiver.received(path: "/erp").first)
                let text = String(decoding: delivered.rawBody, as: UTF8.self)
                #expect(text.contains(#""order":{"number":"R9","total":1.0,"channel":"spree","items":[ ]}"#), "\(text)")
                #expect(delivered.body["payload"]?["zeta"] == "ü")
                #expect(delivered.body["payload"]?["parameters"] != nil)
                let stored = try await hub.message(id)
                #expect(stored["payload"]?["order"]?["total"] == .double(1.0) || stored["payload"]?["order"]?["total"] == .int(1))
            }
        }
    }

    @Test(arguments: TestBackend.all) func aPushThatRepeatsAKeyIsStoredAsTheHubReadIt(backend: TestBackend) async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "erp", "messages": ["order:new"], "url": .string("\(endpoint)/erp"),
                    "filters": [["path": "payload.order.channel", "operator": "eq", "value": "spree"]],
                ])
                let sent = #"{"message":"order:new","payload":{"order":{"number":"R10","channel":"amazon","channel":"spree"}}}"#
                let reply = try await call(.POST, "\(hub.url)/events", raw: Array(sent.utf8), headers: hub.pusher)
                #expect(reply.status == 202)
                #expect(try await eventually { receiver.received(path: "/erp").count == 1 })
                let text = String(decoding: try #require(receiver.received(path: "/erp").first).rawBody, as: UTF8.self)
                #expect(text.contains(#""channel":"spree""#), "\(text)")
                #expect(!text.contains("amazon"), "\(text)")
            }
        }
    }
}
