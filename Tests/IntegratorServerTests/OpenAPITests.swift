import EndpointKit
import Foundation
import Hummingbird
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import Logging
import NIOHTTP1
import SpreeEndpoint
import Testing

/// docs/openapi.yaml against a running hub: every documented operation is called, each answer's
/// status is one the document lists for it, and each JSON body has the documented shape.
@Suite struct OpenAPITests {
    static let documentURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/openapi.yaml")

    /// One call: the documented operation it exercises, the concrete request, and the status expected.
    struct Case: Sendable {
        var method: NIOHTTP1.HTTPMethod
        var template: String
        var path: String
        var body: JSONValue?
        var status: Int
        var headers: [String: String]?
    }

    @Test func everyDocumentedOperationAnswersInItsDocumentedShape() async throws {
        let document = OpenAPIDocument(try ConfigFile.parse(String(contentsOf: Self.documentURL, encoding: .utf8), source: "docs/openapi.yaml"))
        #expect(document.root["openapi"] == "3.1.0")
        var logger = Logger(label: "endpoint")
        logger.logLevel = .warning
        let endpoint = SpreeEndpoint.make(key: "ep-key-0123456789", http: testClient)
        try await withServer { onRunning in
            Application(
                router: endpoint.router(),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: onRunning,
                logger: logger
            )
        } body: { endpointPort in
            try await Receiver().run { receiver in
                try await TestHub.run { hub in
                    let order = SampleMessages.message("order:new")!
                    let mapping: JSONValue = [
                        "name": "erp", "messages": ["order:new"], "url": .string("\(receiver)/orders"),
                        "identifiers": ["order_number": "payload.order.number"],
                    ]
                    let scheduler: JSONValue = ["id": "poll", "message": "hub:poll", "payload": [:], "interval": 60]
                    let s = "/api/stores/{store_id}"
                    var cases: [Case] = [
                        Case(method: .GET, template: "/health", path: "/health", status: 200),
                        Case(method: .POST, template: "/events", path: "/events", body: order, status: 202, headers: hub.pusher),
                        Case(
                            method: .POST,
                            template: "/events",
                            path: "/events",
                            body: [order, SampleMessages.message("user:new")!],
                            status: 202,
                            headers: hub.pusher
                        ),
                        Case(
                            method: .POST,
                            template: "/events",
                            path: "/events",
                            body: ["orders": [["id": "R1", "status": "complete"]]],
                            status: 202,
                            headers: hub.pusher
                        ),
                        Case(
                            method: .POST,
                            template: "/events",
                            path: "/events",
                            body: ["message": "order:new", "payload": ["order": 7]],
                            status: 422,
                            headers: hub.pusher
                        ),
                        Case(method: .POST, template: "/events", path: "/events", body: order, status: 401, headers: [:]),
                        Case(method: .GET, template: "/api/stores", path: "/api/stores", status: 200),
                        Case(
                            method: .POST,
                            template: "/api/apply",
                            path: "/api/apply",
                            body: ["stores": [["id": "applied", "parameters": ["erp.key": "k"], "mappings": [mapping]]]],
                            status: 200
                        ),
                        Case(method: .POST, template: "/api/apply", path: "/api/apply", body: ["stores": 7], status: 422),
                        Case(method: .POST, template: "/api/apply", path: "/api/apply", body: [nil, nil], status: 422),
                        Case(method: .POST, template: "/api/apply", path: "/api/apply", body: .null, status: 422),
                        Case(
                            method: .POST,
                            template: "/api/apply",
                            path: "/api/apply",
                            body: ["stores": []],
                            status: 403,
                            headers: ["X-Augury-Token": TestHub.storeToken]
                        ),
                        Case(
                            method: .GET,
                            template: "/api/stores",
                            path: "/api/stores",
                            status: 403,
                            headers: ["X-Augury-Token": TestHub.storeToken]
                        ),
                        Case(method: .POST, template: "/api/stores", path: "/api/stores", body: ["id": "other", "name": "Other"], status: 201),
                        Case(method: .POST, template: "/api/stores", path: "/api/stores", body: ["id": "other", "name": "Other"], status: 409),
                        Case(method: .POST, template: "/api/stores", path: "/api/stores", body: ["id": "Bad Id!"], status: 422),
                        Case(method: .GET, template: s, path: "/api/stores/acme", status: 200),
                        Case(method: .GET, template: s, path: "/api/stores/nowhere", status: 404),
                        Case(method: .GET, template: s, path: "/api/stores/other", status: 403, headers: ["X-Augury-Token": TestHub.storeToken]),
                        Case(method: .PUT, template: s, path: "/api/stores/other", body: ["retention": "90d"], status: 200),
                        Case(method: .PUT, template: s, path: "/api/stores/other", body: ["retention": "-3d"], status: 422),
                        Case(method: .PUT, template: s, path: "/api/stores/nowhere", body: ["retention": "1d"], status: 404),
                        Case(method: .GET, template: "\(s)/health", path: "/api/stores/acme/health", status: 200),
                        Case(method: .GET, template: "\(s)/health", path: "/api/stores/nowhere/health", status: 404),
                        Case(
                            method: .PUT,
                            template: "\(s)/parameters/{name}",
                            path: "/api/stores/acme/parameters/erp.key",
                            body: ["value": "abc"],
                            status: 200
                        ),
                        Case(
                            method: .PUT,
                            template: "\(s)/parameters/{name}",
                            path: "/api/stores/acme/parameters/erp.key",
                            body: ["nothing": 1],
                            status: 422
                        ),
                        Case(method: .GET, template: "\(s)/parameters", path: "/api/stores/acme/parameters", status: 200),
                        Case(method: .GET, template: "\(s)/parameters/{name}", path: "/api/stores/acme/parameters/erp.key", status: 200),
                        Case(method: .DELETE, template: "\(s)/parameters/{name}", path: "/api/stores/acme/parameters/erp.key", status: 204),
                        Case(method: .GET, template: "\(s)/parameters/{name}", path: "/api/stores/acme/parameters/erp.key", status: 404),
                        Case(
                            method: .POST,
                            template: "\(s)/mappings",
                            path: "/api/stores/acme/mappings",
                            body: ["name": "erp-copy", "messages": ["order:new"], "url": .string("\(receiver)/copy")],
                            status: 201
                        ),
                        Case(
                            method: .POST,
                            template: "\(s)/mappings",
                            path: "/api/stores/acme/mappings",
                            body: ["name": "bad", "messages": [], "url": "ftp://x"],
                            status: 422
                        ),
                        Case(method: .GET, template: "\(s)/mappings", path: "/api/stores/acme/mappings", status: 200),
                        Case(
                            method: .POST,
                            template: "\(s)/mappings/{name}/test",
                            path: "/api/stores/acme/mappings/erp/test",
                            body: ["message": "order:new", "payload": ["order": ["number": "R1"]]],
                            status: 200
                        ),
                        Case(
                            method: .POST,
                            template: "\(s)/mappings/{name}/test",
                            path: "/api/stores/acme/mappings/erp/test",
                            body: ["message": 3],
                            status: 422
                        ),
                        Case(
                            method: .POST,
                            template: "\(s)/route-test",
                            path: "/api/stores/acme/route-test",
                            body: ["message": "order:new", "payload": ["order": ["number": "R1"]]],
                            status: 200
                        ),
                        Case(
                            method: .POST,
                            template: "\(s)/route-test",
                            path: "/api/stores/acme/route-test",
                            body: ["message_id": "none"],
                            status: 404
                        ),
                        Case(method: .GET, template: "\(s)/mappings/{name}", path: "/api/stores/acme/mappings/erp", status: 200),
                        Case(method: .POST, template: "\(s)/mappings/{name}/pause", path: "/api/stores/acme/mappings/erp-copy/pause", status: 200),
                        Case(method: .POST, template: "\(s)/mappings/{name}/pause", path: "/api/stores/acme/mappings/nothing/pause", status: 404),
                        Case(method: .POST, template: "\(s)/mappings/{name}/resume", path: "/api/stores/acme/mappings/erp-copy/resume", status: 200),
                        Case(method: .POST, template: "\(s)/mappings/{name}/resume", path: "/api/stores/acme/mappings/nothing/resume", status: 404),
                        Case(method: .PUT, template: "\(s)/mappings/{name}", path: "/api/stores/acme/mappings/erp", body: mapping, status: 200),
                        Case(
                            method: .PUT,
                            template: "\(s)/mappings/{name}",
                            path: "/api/stores/acme/mappings/spare",
                            body: ["messages": ["user:new"], "url": .string("\(receiver)/users")],
                            status: 201
                        ),
                        Case(method: .DELETE, template: "\(s)/mappings/{name}", path: "/api/stores/acme/mappings/spare", status: 204),
                        Case(method: .GET, template: "\(s)/mappings/{name}", path: "/api/stores/acme/mappings/spare", status: 404),
                        Case(method: .POST, template: "\(s)/schedulers", path: "/api/stores/acme/schedulers", body: scheduler, status: 201),
                        Case(
                            method: .POST,
                            template: "\(s)/schedulers",
                            path: "/api/stores/acme/schedulers",
                            body: ["id": "x", "message": "hub:poll", "interval": 0],
                            status: 422
                        ),
                        Case(method: .GET, template: "\(s)/schedulers", path: "/api/stores/acme/schedulers", status: 200),
                        Case(method: .GET, template: "\(s)/schedulers/{id}", path: "/api/stores/acme/schedulers/poll", status: 200),
                        Case(
                            method: .PUT,
                            template: "\(s)/schedulers/{id}",
                            path: "/api/stores/acme/schedulers/poll",
                            body: ["message": "hub:poll", "interval": 120],
                            status: 200
                        ),
                        Case(method: .DELETE, template: "\(s)/schedulers/{id}", path: "/api/stores/acme/schedulers/poll", status: 204),
                        Case(method: .GET, template: "\(s)/schedulers/{id}", path: "/api/stores/acme/schedulers/poll", status: 404),
                        Case(
                            method: .POST,
                            template: "\(s)/integrations",
                            path: "/api/stores/acme/integrations",
                            body: ["url": .string("http://127.0.0.1:\(endpointPort)"), "token": "ep-key-0123456789"],
                            status: 201
                        ),
                        Case(
                            method: .POST,
                            template: "\(s)/integrations",
                            path: "/api/stores/acme/integrations",
                            body: ["url": "not a url"],
                            status: 422
                        ),
                        Case(method: .GET, template: "\(s)/integrations", path: "/api/stores/acme/integrations", status: 200),
                        Case(method: .GET, template: "\(s)/integrations/{id}", path: "/api/stores/acme/integrations/spree", status: 200),
                        Case(method: .GET, template: "\(s)/integrations/{id}", path: "/api/stores/acme/integrations/nothing", status: 404),
                        Case(
                            method: .PUT,
                            template: "\(s)/integrations/{id}/disable_mappings",
                            path: "/api/stores/acme/integrations/spree/disable_mappings",
                            status: 200
                        ),
                        Case(
                            method: .PUT,
                            template: "\(s)/integrations/{id}/enable_mappings",
                            path: "/api/stores/acme/integrations/spree/enable_mappings",
                            status: 200
                        ),
                        Case(
                            method: .PUT,
                            template: "\(s)/integrations/{id}/enable_mappings",
                            path: "/api/stores/acme/integrations/nothing/enable_mappings",
                            status: 404
                        ),
                        Case(
                            method: .PUT,
                            template: "\(s)/integrations/{id}/disable_mappings",
                            path: "/api/stores/acme/integrations/nothing/disable_mappings",
                            status: 404
                        ),
                        Case(
                            method: .POST,
                            template: "\(s)/messages",
                            path: "/api/stores/acme/messages",
                            body: SampleMessages.message("order:new", number: "R777")!,
                            status: 201
                        ),
                        Case(
                            method: .POST,
                            template: "\(s)/messages",
                            path: "/api/stores/acme/messages",
                            body: ["message": "order:new"],
                            status: 422
                        ),
                        Case(method: .GET, template: "\(s)/messages", path: "/api/stores/acme/messages?per_page=5", status: 200),
                        Case(method: .GET, template: "\(s)/messages", path: "/api/stores/acme/messages?state=lost", status: 422),
                        Case(
                            method: .GET,
                            template: "\(s)/messages/{message_id}",
                            path: "/api/stores/acme/messages/000000000000000000000000",
                            status: 404
                        ),
                        Case(
                            method: .POST,
                            template: "\(s)/recover",
                            path: "/api/stores/acme/recover",
                            body: ["since": "2026-01-01T00:00:00Z"],
                            status: 200
                        ),
                        Case(method: .POST, template: "\(s)/recover", path: "/api/stores/acme/recover", body: ["since": "yesterday"], status: 422),
                        Case(method: .GET, template: "\(s)/queues", path: "/api/stores/acme/queues", status: 200),
                        Case(method: .GET, template: "\(s)/notifications", path: "/api/stores/acme/notifications?level=error", status: 200),
                        Case(method: .GET, template: "\(s)/notifications", path: "/api/stores/acme/notifications?level=loud", status: 422),
                    ]
                    // The message calls need an id: an order delivered through mapping erp.
                    #expect(try await call(.POST, "\(hub.url)/api/stores/acme/mappings", json: mapping, headers: hub.admin).status == 201)
                    let pushed = try await call(
                        .POST,
                        "\(hub.url)/api/stores/acme/messages",
                        json: SampleMessages.message("order:new", number: "R555")!,
                        headers: hub.admin
                    )
                    let id = try #require(pushed.body["message_id"]?.stringValue)
                    #expect(
                        try await eventually {
                            try await call(.GET, "\(hub.url)/api/stores/acme/messages/\(id)", headers: hub.admin).body["state"] == "completed"
                        }
                    )
                    let one = "\(s)/messages/{message_id}"
                    cases += [
                        Case(method: .GET, template: one, path: "/api/stores/acme/messages/\(id)", status: 200),
                        Case(method: .PUT, template: one, path: "/api/stores/acme/messages/\(id)", body: ["attempt_now": true], status: 200),
                        Case(method: .PUT, template: one, path: "/api/stores/acme/messages/\(id)", body: ["archive": true], status: 200),
                        Case(
                            method: .PUT,
                            template: one,
                            path: "/api/stores/acme/messages/\(id)",
                            body: ["payload": SampleMessages.payload("order:new", number: "R556")!],
                            status: 201
                        ),
                        Case(method: .PUT, template: one, path: "/api/stores/acme/messages/\(id)", body: ["shout": true], status: 422),
                    ]

                    var exercised: Set<String> = ["GET /metrics"]
                    for check in cases {
                        let reply = try await call(check.method, hub.url + check.path, json: check.body, headers: check.headers ?? hub.admin)
                        let label = "\(check.method) \(check.path)"
                        #expect(reply.status == check.status, "\(label) answered \(reply.status): \(reply.body)")
                        exercised.insert("\(check.method) \(check.template)")
                        guard let schema = document.responseSchema(method: "\(check.method)", path: check.template, status: reply.status) else {
                            Issue.record("\(label): status \(reply.status) is not documented for \(check.method) \(check.template)")
                            continue
                        }
                        if schema == .null {
                            #expect(reply.status == 204 || reply.body == .string(""), "\(label): an undocumented body \(reply.body)")
                        } else {
                            let problems = document.problems(reply.body, schema)
                            #expect(problems.isEmpty, "\(label) does not match the document: \(problems) in \(reply.body)")
                        }
                    }
                    let metrics = try await call(.GET, "\(hub.url)/metrics")
                    #expect(metrics.status == 200 && document.responseSchema(method: "GET", path: "/metrics", status: 200) == .null)
                    #expect(
                        exercised == document.operations,
                        "not exercised: \(document.operations.subtracting(exercised)); not documented: \(exercised.subtracting(document.operations))"
                    )
                }
            }
        }
    }

    /// The checker itself refuses what it should, so a passing run means something.
    @Test func theSchemaCheckerNamesWhatDoesNotMatch() throws {
        let document = OpenAPIDocument(try ConfigFile.parse(String(contentsOf: Self.documentURL, encoding: .utf8), source: "docs/openapi.yaml"))
        let schema = try #require(document.responseSchema(method: "GET", path: "/api/stores/{store_id}/mappings/{name}", status: 200))
        let problems = document.problems(["name": "x", "messages": "order:new", "filters": [["path": "a", "operator": "sort-of"]]], schema)
        #expect(problems.contains("$.messages: is string, not array"))
        #expect(problems.contains("$.url: is required"))
        #expect(problems.contains { $0.hasPrefix("$.filters[0]") })
        #expect(document.responseSchema(method: "GET", path: "/api/stores/{store_id}/mappings/{name}", status: 418) == nil)
    }
}
