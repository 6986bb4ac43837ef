import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// Deliveries to one mapping that share identifier values go out one at a time, in the order
/// received; other values go out in parallel.
@Suite(.serialized) struct OrderingTests {
    @Test(arguments: TestBackend.all) func interleavedOrdersArriveInOrderPerOrderNumber(backend: TestBackend) async throws {
        let receiver = Receiver { request, _ -> (Int, JSONValue) in
            // Answer slowly and unevenly, so that parallel deliveries would overtake each other.
            usleep(UInt32.random(in: 0...4000))
            return (200, ["message_id": request.body["message_id"]!])
        }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "erp", "messages": ["order:new", "order:updated"], "url": .string("\(endpoint)/erp"),
                    "identifiers": ["order_number": "payload.order.number"],
                ])
                let orders = ["R1", "R2", "R3", "R4"]
                var batch: [JSONValue] = []
                for version in 0..<8 {
                    for order in orders {
                        batch.append([
                            "message": version == 0 ? "order:new" : "order:updated",
                            "payload": ["order": ["number": .string(order), "version": .int(Int64(version))]],
                        ])
                    }
                }
                #expect(try await hub.push(.array(batch)).status == 202)
                #expect(try await eventually(60) { receiver.received.count == batch.count })
                for order in orders {
                    let versions = receiver.received.filter { $0.body["payload"]?["order"]?["number"]?.stringValue == order }
                        .compactMap { $0.body["payload"]?["order"]?["version"]?.numberValue }
                    #expect(versions == (0..<8).map(Double.init), "order \(order) arrived as \(versions)")
                }
            }
        }
    }

    @Test(arguments: TestBackend.all) func aParkedHeadBlocksOnlyItsOwnIdentifierAndSaysSo(backend: TestBackend) async throws {
        let receiver = Receiver { request, _ -> (Int, JSONValue) in
            let order = request.body["payload"]?["order"]
            if order?["number"] == "R1", order?["version"] == 0 { return (500, ["error": "R1 refused"]) }
            return (200, ["message_id": request.body["message_id"]!])
        }
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "erp", "messages": ["order:new", "order:updated"], "url": .string("\(endpoint)/erp"),
                    "identifiers": ["order_number": "payload.order.number"], "options": ["retries_allowed": false],
                ])
                let head = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1", "version": 0]]])
                #expect(try await eventually { try await hub.message(head.body["message_id"]!.stringValue!)["state"] == "parked" })
                let behind = try await hub.push(["message": "order:updated", "payload": ["order": ["number": "R1", "version": 1]]])
                let other = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R2", "version": 0]]])
                #expect(try await eventually { try await hub.message(other.body["message_id"]!.stringValue!)["state"] == "completed" })
                let waiting = try await hub.message(behind.body["message_id"]!.stringValue!)
                #expect(waiting["state"] == "pending")
                let headDelivery = try await hub.message(head.body["message_id"]!.stringValue!)["deliveries"]?[0]?["id"]
                #expect(waiting["deliveries"]?[0]?["waiting_for"] == headDelivery)
                // Archiving the head lets the rest go.
                _ = try await call(
                    .PUT,
                    "\(hub.url)/api/stores/acme/messages/\(head.body["message_id"]!.stringValue!)",
                    json: ["archive": true],
                    headers: hub.admin
                )
                hub.hub.wakeWorkers()
                #expect(try await eventually { try await hub.message(behind.body["message_id"]!.stringValue!)["state"] == "completed" })
            }
        }
    }

    @Test(arguments: TestBackend.all) func aChangedPayloadWithTheSameIdentifiersIsNotADuplicate(backend: TestBackend) async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.run(backend: backend) { hub in
                try await hub.addMapping([
                    "name": "erp", "messages": ["order:updated"], "url": .string("\(endpoint)/erp"),
                    "identifiers": ["order_number": "payload.order.number"],
                ])
                _ = try await hub.push(["message": "order:updated", "payload": ["order": ["number": "R1", "status": "complete"]]])
                _ = try await hub.push(["message": "order:updated", "payload": ["order": ["number": "R1", "status": "canceled"]]])
                _ = try await hub.push(["message": "order:updated", "payload": ["order": ["number": "R1", "status": "canceled"]]])
                #expect(try await eventually { receiver.received.count == 2 })
                try await Task.sleep(for: .milliseconds(200))
                #expect(receiver.received.count == 2)
            }
        }
    }
}
