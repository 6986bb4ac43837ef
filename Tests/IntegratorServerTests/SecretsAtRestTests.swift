import Foundation
import IntegratorModel
import IntegratorServer
import IntegratorTestSupport
import Logging
import NIOHTTP1
import Testing

/// Secrets encrypted with the operator's key: nothing in clear in any database file, delivery
/// unchanged across restarts and rotation, and a wrong key refused at start.
@Suite(.serialized) struct SecretsAtRestTests {
    static let mappingToken = "mapping-token-CLEARTEXT-7c1d"
    static let signingKey = Data((0..<32).map { UInt8($0 * 7 % 251) })
    static var signingSecret: String { "whsec_" + signingKey.base64EncodedString() }
    static let apiKey = "spree-api-key-CLEARTEXT-93af"
    static let configSecret = "config-password-CLEARTEXT-55e0"
    static let configToken = "config-mapping-token-CLEARTEXT-0b2"

    /// A directory with a fresh key file (base64 with whitespace around it, as an editor leaves it).
    static func keyFile(in directory: URL, name: String) throws -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let path = directory.appendingPathComponent(name).path
        try Data(("  " + Data(bytes).base64EncodedString() + "\n\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Every byte of the database and its WAL and shared-memory files.
    static func databaseBytes(_ path: String) -> Data {
        var all = Data()
        for suffix in ["", "-wal", "-shm"] { all.append(FileManager.default.contents(atPath: path + suffix) ?? Data()) }
        return all
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("integrator-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Pushes an order and returns what the endpoint received for it.
    static func deliverOne(_ hub: TestHub, receiver: Receiver, number: String) async throws -> Receiver.Received {
        let pushed = try await hub.push(["message": "order:new", "payload": ["order": ["number": .string(number)]]])
        #expect(pushed.status == 202)
        #expect(try await eventually { receiver.received.contains { $0.body["payload"]?["order"]?["number"]?.stringValue == number } })
        return try #require(receiver.received.first { $0.body["payload"]?["order"]?["number"]?.stringValue == number })
    }

    static func expectSignedAndAuthorised(_ received: Receiver.Received) {
        #expect(received.headers["x-augury-token"] == mappingToken)
        #expect(
            received.body["payload"]?["parameters"] == [["name": "store_id", "value": "acme"], ["name": "spree.api_key", "value": .string(apiKey)]]
        )
        #expect(
            (try? WebhookSignature.verify(
                id: received.headers["webhook-id"],
                timestamp: received.headers["webhook-timestamp"],
                signature: received.headers["webhook-signature"],
                body: received.rawBody,
                secrets: [signingSecret]
            )) != nil
        )
    }

    @Test func secretsWrittenThroughTheAPIAndTheConfigFileAreNeverInClearOnDisk() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try Self.keyFile(in: directory, name: "hub.key")
        let databasePath = directory.appendingPathComponent("hub.sqlite").path
        let config = directory.appendingPathComponent("hub.yaml")
        try """
        stores:
          - id: other
            name: Other
            token: other-store-token-0123456789
            parameters:
              erp.password: \(Self.configSecret)
            mappings:
              - name: erp
                messages: [order:new]
                url: http://127.0.0.1:9/erp
                token: \(Self.configToken)
        """.write(to: config, atomically: true, encoding: .utf8)
        var settings = HubConfiguration()
        settings.database = "sqlite:" + databasePath
        settings.adminToken = TestHub.adminToken
        settings.secretKeyFile = key
        settings.configFile = config.path

        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await TestHub.serve(settings) { hub in
                _ = try await call(
                    .PUT,
                    "\(hub.url)/api/stores/acme/parameters/spree.api_key",
                    json: ["value": .string(Self.apiKey)],
                    headers: hub.admin
                )
                _ = try await call(
                    .PUT,
                    "\(hub.url)/api/stores/acme/parameters/spree.api_url",
                    json: ["value": "http://shop.example/api"],
                    headers: hub.admin
                )
                try await hub.addMapping([
                    "name": "erp", "messages": ["order:new"], "url": .string("\(endpoint)/erp"), "token": .string(Self.mappingToken),
                    "signing_secret": .string(Self.signingSecret), "parameters": ["spree.api_key"],
                ])
                Self.expectSignedAndAuthorised(try await Self.deliverOne(hub, receiver: receiver, number: "R1"))
                // The API still shows the operator what was saved.
                let parameters = try await call(.GET, "\(hub.url)/api/stores/acme/parameters", headers: hub.admin).body
                #expect(parameters.jsonString.contains(Self.apiKey))

                let bytes = Self.databaseBytes(databasePath)
                #expect(bytes.count > 0)
                for secret in [Self.mappingToken, Self.apiKey, Self.configSecret, Self.configToken, Self.signingKey.base64EncodedString()] {
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is in clear in the database files")
                }
                // The plain parameter is not a secret and stays readable.
                #expect(bytes.range(of: Data("http://shop.example/api".utf8)) != nil)
            }
            // The files are the owner's alone.
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: databasePath + suffix) {
                let mode = try FileManager.default.attributesOfItem(atPath: databasePath + suffix)[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(suffix) is \(String(mode ?? 0, radix: 8))")
            }
            // Restarted with the same key: the same token and signature go out.
            try await TestHub.serve(settings) { hub in
                Self.expectSignedAndAuthorised(try await Self.deliverOne(hub, receiver: receiver, number: "R2"))
            }
        }
    }

    @Test func aWrongOrMalformedKeyStopsTheStartNamingTheKeyFile() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let right = try Self.keyFile(in: directory, name: "right.key")
        let wrong = try Self.keyFile(in: directory, name: "wrong.key")
        let short = directory.appendingPathComponent("short.key").path
        try Data(Data(repeating: 1, count: 16).base64EncodedString().utf8).write(to: URL(fileURLWithPath: short))
        var settings = HubConfiguration()
        settings.database = "sqlite:" + directory.appendingPathComponent("hub.sqlite").path
        settings.adminToken = TestHub.adminToken
        settings.secretKeyFile = right
        try await TestHub.serve(settings) { hub in
            try await hub.addMapping(["name": "erp", "messages": ["order:new"], "url": "http://127.0.0.1:9/erp", "token": .string(Self.mappingToken)])
        }
        // As an operator would start it: a non-zero exit and a message naming the file.
        for (file, words) in [
            (wrong, "does not hold the key"), (short, "32 random bytes"), (directory.appendingPathComponent("missing.key").path, "cannot read"),
        ] {
            let log = directory.appendingPathComponent("serve-\(UUID().uuidString).log")
            let child = try ChildProcess(
                arguments: ["serve", "--port", "0", "--database", settings.database, "--admin-token", TestHub.adminToken, "--secret-key-file", file],
                logURL: log
            )
            await child.exited()
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(child.process.terminationStatus != 0)
            #expect(output.contains(file) && output.contains(words), "\(output)")
        }
        // Without any key, a database with encrypted secrets does not start either.
        settings.secretKeyFile = nil
        await #expect(throws: SettingError.self) {
            try await TestHub.serve(settings) { _ in }
        }
    }

    @Test(arguments: TestBackend.all) func rotationKeepsEveryDeliveryWorking(backend: TestBackend) async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try Self.keyFile(in: directory, name: "old.key")
        let new = try Self.keyFile(in: directory, name: "new.key")
        let (database, remove) = try await backend.freshDatabase(in: directory)
        defer { Task { await remove() } }
        var settings = HubConfiguration()
        settings.database = database
        settings.adminToken = TestHub.adminToken
        let receiver = Receiver()
        try await receiver.run { endpoint in
            // Begun in clear, as an existing hub would be.
            try await TestHub.serve(settings) { hub in
                _ = try await call(
                    .PUT,
                    "\(hub.url)/api/stores/acme/parameters/spree.api_key",
                    json: ["value": .string(Self.apiKey)],
                    headers: hub.admin
                )
                try await hub.addMapping([
                    "name": "erp", "messages": ["order:new"], "url": .string("\(endpoint)/erp"), "token": .string(Self.mappingToken),
                    "signing_secret": .string(Self.signingSecret), "parameters": ["spree.api_key"],
                ])
                Self.expectSignedAndAuthorised(try await Self.deliverOne(hub, receiver: receiver, number: "C1"))
            }
            // The first start with a key seals what was in clear.
            settings.secretKeyFile = old
            try await TestHub.serve(settings) { hub in
                Self.expectSignedAndAuthorised(try await Self.deliverOne(hub, receiver: receiver, number: "C2"))
            }
            let rotated = try await SecretKeySetup.rotate(
                database: settings.database,
                oldKeyFile: old,
                newKeyFile: new,
                logger: Logger(label: "test")
            )
            #expect(rotated == 2)
            settings.secretKeyFile = new
            try await TestHub.serve(settings) { hub in
                Self.expectSignedAndAuthorised(try await Self.deliverOne(hub, receiver: receiver, number: "C3"))
            }
            // The old key no longer opens the database; the CLI rotates back to clear.
            settings.secretKeyFile = old
            await #expect(throws: SettingError.self) { try await TestHub.serve(settings) { _ in } }
            let log = directory.appendingPathComponent("rotate.log")
            let child = try ChildProcess(arguments: ["rotate-secret-key", "--database", settings.database, "--old-key-file", new], logURL: log)
            await child.exited()
            #expect(child.process.terminationStatus == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            settings.secretKeyFile = nil
            try await TestHub.serve(settings) { hub in
                Self.expectSignedAndAuthorised(try await Self.deliverOne(hub, receiver: receiver, number: "C4"))
            }
        }
    }

    @Test func shortAdminTokensAndTokenFilesAreReadAsDocumented() async throws {
        var settings = HubConfiguration()
        settings.database = "sqlite::memory:"
        settings.adminToken = "fifteen-chars!!"
        await #expect(throws: SettingError.self) { _ = try await withHub(configuration: settings) { _ in } }

        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("admin-token")
        try "\n  admin-token-from-a-file-0123456789 \n".write(to: file, atomically: true, encoding: .utf8)
        var fromFile = HubConfiguration()
        try fromFile.readSecurity(flags: ["admin-token-file": file.path], environment: [:])
        #expect(fromFile.adminToken == "admin-token-from-a-file-0123456789")
        var fromVariable = HubConfiguration()
        try fromVariable.readSecurity(flags: [:], environment: ["INTEGRATOR_ADMIN_TOKEN_FILE": file.path, "INTEGRATOR_METRICS_TOKEN": "m"])
        #expect(fromVariable.adminToken == "admin-token-from-a-file-0123456789")
        #expect(fromVariable.metricsToken == "m")
        var missing = HubConfiguration()
        #expect(throws: SettingError.self) { try missing.readSecurity(flags: ["admin-token-file": "/nonexistent/token"], environment: [:]) }
        #expect(throws: SettingError.self) { try missing.readSecurity(flags: ["delivery-targets": "10.0.0.0/99"], environment: [:]) }
        #expect(throws: SettingError.self) { try missing.readSecurity(flags: ["trusted-proxies": "proxy.example"], environment: [:]) }

        // A store token under 16 characters is a 422 naming it.
        try await TestHub.run { hub in
            let short = try await call(.POST, "\(hub.url)/api/stores", json: ["id": "shorty", "token": "fifteen-chars!!"], headers: hub.admin)
            #expect(short.status == 422)
            #expect(short.body["errors"]?[0]?["path"] == "token")
        }
    }

    @Test func metricsAnswerOnlyToTheMetricsTokenWhenOneIsSet() async throws {
        try await TestHub.run {
            $0.metricsToken = "metrics-token-0123456789"
        } body: { hub async throws in
            #expect(try await call(.GET, "\(hub.url)/metrics").status == 401)
            #expect(try await call(.GET, "\(hub.url)/metrics", headers: ["Authorization": "Bearer wrong"]).status == 401)
            #expect(try await call(.GET, "\(hub.url)/metrics", headers: hub.admin).status == 401)
            #expect(try await call(.GET, "\(hub.url)/metrics", headers: ["Authorization": "Bearer metrics-token-0123456789"]).status == 200)
        }
        try await TestHub.run { hub async throws in
            #expect(try await call(.GET, "\(hub.url)/metrics").status == 200)
        }
    }
}
