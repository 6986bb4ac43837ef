import EndpointKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntegratorModel
import Testing

/// The cases of endpoint_base's own spec (reference/protocol.md §7), one test each.
@Suite struct EndpointTests {
    static let manifest = EndpointManifest(
        name: "sample",
        display: "Sample",
        description: "A sample endpoint",
        services: [
            .init(
                name: "echo",
                path: "/echo",
                description: "echoes",
                parameters: [.init(name: "sample.api_key", description: "key")],
                messages: ["order:new"]
            )
        ]
    )

    static var endpoint: Endpoint {
        var endpoint = Endpoint(key: "123", prefix: "sample", manifest: manifest)
        endpoint.service("/echo") { request in
            var response = EndpointResponse(messageID: request.messageID)
            response.add(value: .object(request.parameters), for: "seen")
            return response
        }
        endpoint.service("/busy") { request in
            var response = EndpointResponse(messageID: request.messageID)
            response.addMessages("order:new", payloads: [["order": ["number": "R1"]], ["order": ["number": "R2"]]])
            response.addNotification(.warn, subject: "slow", description: "the store is slow", extra: ["backtrace": "line 1"])
            response.addParameter("sample.cursor", value: "2026-11-24T00:00:00Z")
            response.add(value: ["id": 1], for: "order")
            return response
        }
        endpoint.service("/boom") { _ in throw EndpointError.failed("no joy") }
        endpoint.service("/needs") { request in
            _ = try request.require("api_url")
            return EndpointResponse(messageID: request.messageID)
        }
        return endpoint
    }

    @Test func rejectsARequestWithoutTheKey() async {
        let reply = await Self.endpoint.respond(path: "/echo", token: nil, body: Array(#"{"message":"x"}"#.utf8))
        #expect(reply.status == 401)
        #expect(reply.body == ["text": "unauthorized"])
        let wrong = await Self.endpoint.respond(path: "/echo", token: "456", body: Array(#"{"message":"x"}"#.utf8))
        #expect(wrong.status == 401)
    }

    @Test func acceptsARequestWithTheKeyAndLeavesOutEmptyKeys() async {
        let reply = await EndpointTesting.send(Self.endpoint, path: "/echo", EndpointTesting.request("order:new"))
        #expect(reply.status == 200)
        #expect(reply.body["message_id"] == "523fcd00b439573338018fab")
        #expect(reply.body["messages"] == nil)
        #expect(reply.body["notifications"] == nil)
        #expect(reply.body["parameters"] == nil)
    }

    @Test func refusesABodyThatIsNotJSONWith406() async {
        let reply = await Self.endpoint.respond(path: "/echo", token: "123", body: Array("{nope".utf8))
        #expect(reply.status == 406)
    }

    @Test func turnsTheParameterListIntoADictionaryReadByExactName() throws {
        let body = EndpointTesting.request(
            "order:new",
            payload: ["order": ["number": "R1"]],
            parameters: ["sample.api_url": "http://x/api/", "store_id": "acme"]
        )
        let request = try EndpointRequest.decode(body, prefix: "sample")
        #expect(request.parameters["sample.api_url"] == "http://x/api/")
        #expect(request.string("api_url") == "http://x/api/")
        #expect(request.string("sample.api_url") == "http://x/api/")
        // Names are exact: a bare name sent by a hub is not found under the prefixed one.
        let bare = try EndpointRequest.decode(EndpointTesting.request("order:new", parameters: ["api_url": "http://x/api/"]), prefix: "sample")
        #expect(bare.string("sample.api_url") == nil && bare.string("api_url") == nil)
        #expect(request.storeID == "acme")
        #expect(request.payload["parameters"] == nil)
        #expect(request.payload["order"]?["number"] == "R1")
        #expect(throws: EndpointError.self) { try request.require("api_key") }
    }

    @Test func rendersMessagesNotificationsParametersAndValues() async {
        let reply = await EndpointTesting.send(Self.endpoint, path: "/busy", EndpointTesting.request("hub:poll"))
        #expect(reply.body["messages"]?.arrayValue?.count == 2)
        #expect(reply.body["messages"]?[1]?["payload"]?["order"]?["number"] == "R2")
        #expect(reply.body["notifications"]?[0]?["backtrace"] == "line 1")
        #expect(reply.body["notifications"]?[0]?["level"] == "warn")
        #expect(reply.body["parameters"] == [["name": "sample.cursor", "value": "2026-11-24T00:00:00Z"]])
        #expect(reply.body["order"] == ["id": 1])
    }

    @Test func anExceptionAnswers500WithTheErrorAndMessageID() async {
        let reply = await EndpointTesting.send(Self.endpoint, path: "/boom", EndpointTesting.request("x", messageID: "m1"))
        #expect(reply.status == 500)
        #expect(reply.body["error"] == "no joy")
        #expect(reply.body["message_id"] == "m1")
        #expect(reply.body["notifications"]?[0]?["level"] == "error")
    }

    @Test func aMissingParameterIsNamed() async {
        let reply = await EndpointTesting.send(Self.endpoint, path: "/needs", EndpointTesting.request("x"))
        #expect(reply.status == 500)
        #expect(reply.body["error"]?.stringValue?.contains("sample.api_url") == true)
    }

    @Test func aSignedEndpointChecksStandardWebhooksSignatures() async throws {
        var endpoint = Self.endpoint
        endpoint.signingSecrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
        let body = Array(EndpointTesting.request("order:new").encoded())
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let signature = try WebhookSignature.sign(id: "d1", timestamp: 1_700_000_000, body: body, secrets: endpoint.signingSecrets)
        let signed = await endpoint.respond(
            path: "/echo",
            token: "123",
            body: body,
            signature: WebhookHeaders(id: "d1", timestamp: "1700000000", signature: signature),
            now: now
        )
        #expect(signed.status == 200)
        let unsigned = await endpoint.respond(path: "/echo", token: "123", body: body, now: now)
        #expect(unsigned.status == 401)
        let stale = await endpoint.respond(
            path: "/echo",
            token: "123",
            body: body,
            signature: WebhookHeaders(id: "d1", timestamp: "1700000000", signature: signature),
            now: now.addingTimeInterval(600)
        )
        #expect(stale.status == 401)
        #expect(stale.body["error"]?.stringValue?.contains("5 minutes") == true)
    }

    @Test func anUnknownPathIs404() async {
        let reply = await EndpointTesting.send(Self.endpoint, path: "/nowhere", EndpointTesting.request("x"))
        #expect(reply.status == 404)
    }

    @Test func servesTheManifestAuthAndTheRootRedirectOverHTTP() async throws {
        let app = Application(router: Self.endpoint.router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/endpoint.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json;charset=utf-8")
                let manifest = try JSONValue.parse(Array(response.body.readableBytesView))
                #expect(manifest["name"] == "sample")
                #expect(manifest["services"]?[0]?["path"] == "/echo")
                #expect(manifest["services"]?[0]?["recommends"]?["messages"] == ["order:new"])
            }
            try await client.execute(uri: "/auth", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/endpoint.json")
            }
            let body = ByteBuffer(bytes: Array(EndpointTesting.request("order:new").encoded()))
            try await client.execute(uri: "/echo", method: .post, headers: [HTTPField.Name("X-Augury-Token")!: "123"], body: body) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json;charset=utf-8")
            }
            try await client.execute(uri: "/echo", method: .post, body: body) { #expect($0.status == .unauthorized) }
        }
    }
}
