import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import NIOHTTP1
import Testing

/// `--delivery-targets` over real loopback HTTP: refused at save where the URL tells, at
/// delivery on the addresses a name resolves to, and at integration registration before any
/// connection is made.
@Suite(.serialized) struct DeliveryTargetTests {
    /// A host name other than `localhost` that resolves to loopback here: the machine's own name
    /// (Debian and most containers map it in /etc/hosts).
    static func loopbackName() -> String? {
        let name = ProcessInfo.processInfo.hostName
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_INET
        var list: UnsafeMutablePointer<addrinfo>?
        guard !name.isEmpty, name != "localhost", getaddrinfo(name, nil, &hints, &list) == 0, let list else { return nil }
        defer { freeaddrinfo(list) }
        let address = list.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
        return address >> 24 == 127 ? name : nil
    }

    @Test func publicRefusesLoopbackPrivateAndMetadataTargetsAtSave() async throws {
        try await TestHub.run {
            $0.deliveryTargets = .publicOnly
        } body: { hub in
            for url in [
                "http://127.0.0.1:8080/x", "http://localhost/x", "http://169.254.169.254/latest/meta-data", "http://[::1]:9/x", "http://10.1.2.3/x",
                "http://[::ffff:127.0.0.1]/x", "http://2130706433/x", "http://0x7f.1/x",
            ] {
                let reply = try await call(
                    .POST,
                    "\(hub.url)/api/stores/acme/mappings",
                    json: ["name": "m", "messages": ["order:new"], "url": .string(url)],
                    headers: hub.admin
                )
                #expect(reply.status == 422, "\(url) was saved")
                #expect(reply.body["errors"]?[0]?["path"] == "url", "\(url): \(reply.body)")
                #expect(reply.body["errors"]?[0]?["problem"]?.stringValue?.contains("delivery-targets") == true)
            }
            // Registration is refused before any connection.
            let register = try await call(.POST, "\(hub.url)/api/stores/acme/integrations", json: ["url": "http://127.0.0.1:1"], headers: hub.admin)
            #expect(register.status == 422)
            #expect(register.body["errors"]?[0]?["path"] == "url")
            #expect(register.body["errors"]?[0]?["problem"]?.stringValue?.contains("delivery-targets") == true)
            // A public address is saved.
            let ok = try await call(
                .POST,
                "\(hub.url)/api/stores/acme/mappings",
                json: ["name": "m", "messages": ["order:new"], "url": "http://93.184.216.34/x"],
                headers: hub.admin
            )
            #expect(ok.status == 201)
        }
    }

    @Test func publicParksADeliveryToANameThatResolvesToLoopback() async throws {
        let name = try #require(Self.loopbackName(), "this machine's name does not resolve to loopback")
        let receiver = Receiver()
        try await receiver.run { endpoint in
            let port = try #require(URLComponents(string: endpoint)?.port)
            try await TestHub.run {
                $0.deliveryTargets = .publicOnly
            } body: { hub in
                // The name alone does not tell, so it is saved; the attempt checks where it goes.
                try await hub.addMapping(["name": "m", "messages": ["order:new"], "url": .string("http://\(name):\(port)/x")])
                let pushed = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]])
                let id = try #require(pushed.body["message_id"]?.stringValue)
                #expect(try await eventually { try await hub.message(id)["deliveries"]?[0]?["state"] == "parked" })
                let message = try await hub.message(id)
                let error = message["deliveries"]?[0]?["last_error"]?.stringValue ?? ""
                #expect(error.contains("delivery-targets") && error.contains("127.0.0.1"), "\(error)")
                #expect(message["deliveries"]?[0]?["attempts"] == 1)
                #expect(receiver.received.isEmpty)
                // Registration with that name is refused with no connection made.
                let register = try await call(
                    .POST,
                    "\(hub.url)/api/stores/acme/integrations",
                    json: ["url": .string("http://\(name):\(port)")],
                    headers: hub.admin
                )
                #expect(register.status == 422)
                #expect(register.body["errors"]?[0]?["problem"]?.stringValue?.contains("delivery-targets") == true)
                #expect(receiver.received.isEmpty)
            }
        }
    }

    @Test func anUpdateURLToARefusedTargetFailsTheAttempt() async throws {
        let receiver = Receiver { _, _ in (200, ["delay": 1, "update_url": "http://169.254.169.254/latest/meta-data"]) }
        try await receiver.run { endpoint in
            // 127.0.0.1 is allowed (the receiver), the metadata address is not.
            try await TestHub.run {
                $0.deliveryTargets = try! DeliveryTargets.parse("127.0.0.1").get()
            } body: { hub in
                try await hub.addMapping(["name": "m", "messages": ["order:new"], "url": .string("\(endpoint)/x")])
                let pushed = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]])
                let id = try #require(pushed.body["message_id"]?.stringValue)
                #expect(try await eventually { try await hub.message(id)["deliveries"]?[0]?["attempts"] == 1 })
                let error = try await hub.message(id)["deliveries"]?[0]?["last_error"]?.stringValue ?? ""
                #expect(error.contains("update_url") && error.contains("delivery-targets"), "\(error)")
                #expect(receiver.received.count == 1)
            }
        }
    }

    @Test func aListLetsExactlyWhatItNames() async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            let port = try #require(URLComponents(string: endpoint)?.port)
            let targets = try DeliveryTargets.parse("127.0.0.1/32, localhost").get()
            try await TestHub.run {
                $0.deliveryTargets = targets
            } body: { hub in
                for url in ["http://[::1]:\(port)/x", "http://10.1.2.3/x", "http://169.254.169.254/x", "http://127.0.0.2:\(port)/x"] {
                    let reply = try await call(
                        .POST,
                        "\(hub.url)/api/stores/acme/mappings",
                        json: ["name": "m", "messages": ["order:new"], "url": .string(url)],
                        headers: hub.admin
                    )
                    #expect(reply.status == 422, "\(url)")
                }
                try await hub.addMapping(["name": "byaddress", "messages": ["order:new"], "url": .string("http://127.0.0.1:\(port)/address")])
                try await hub.addMapping(["name": "byname", "messages": ["order:new"], "url": .string("http://localhost:\(port)/name")])
                if let name = Self.loopbackName() {
                    // Not named, and it resolves to 127.0.0.1, which the list names: allowed.
                    try await hub.addMapping(["name": "resolved", "messages": ["order:new"], "url": .string("http://\(name):\(port)/resolved")])
                }
                let pushed = try await hub.push(["message": "order:new", "payload": ["order": ["number": "R1"]]])
                let id = try #require(pushed.body["message_id"]?.stringValue)
                #expect(try await eventually { try await hub.message(id)["state"] == "completed" })
                #expect(receiver.received(path: "/address").count == 1)
                #expect(receiver.received(path: "/name").count == 1)
                if Self.loopbackName() != nil { #expect(receiver.received(path: "/resolved").count == 1) }
            }
        }
    }
}
