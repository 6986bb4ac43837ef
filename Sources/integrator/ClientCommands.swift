import ArgumentParser
import Foundation
import IntegratorModel
import IntegratorServer
import NIOHTTP1

/// Where a client command finds the hub.
struct HubOptions: ParsableArguments {
    @Option(help: "The hub's URL (INTEGRATOR_URL, default http://127.0.0.1:8080).") var url: String?
    @Option(name: .customLong("admin-token"), help: "The admin token (INTEGRATOR_ADMIN_TOKEN).") var adminToken: String?
    @Flag(help: "Print the API's JSON instead of a table.") var json = false

    func withClient(_ body: (HubClient) async throws -> Void) async throws {
        let client = try HubClient(url: url, token: adminToken)
        do {
            try await body(client)
        } catch let failure as HubClient.Failure {
            await client.shutdown()
            FileHandle.standardError.write(Data("integrator: \(failure.description)\n".utf8))
            throw ExitCode(1)
        }
        await client.shutdown()
    }
}

func readInput(_ path: String?) throws -> String {
    if path == nil || path == "-" {
        return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
    guard let data = FileManager.default.contents(atPath: path!) else { throw ValidationError("cannot read \(path!)") }
    return String(decoding: data, as: UTF8.self)
}

struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Push a message (or an array of them) from a file or stdin.")
    @OptionGroup var hub: HubOptions
    @Option(help: "The store to push to.") var store: String
    @Argument(help: "A JSON file of {message, payload}; - or nothing reads stdin.") var file: String?

    func run() async throws {
        let text = try readInput(file)
        let document: JSONValue
        do { document = try JSONValue.parse(text) } catch { throw ValidationError("the input is not JSON: \(error)") }
        let messages = document.arrayValue ?? [document]
        try await hub.withClient { client in
            var replies: [JSONValue] = []
            for message in messages {
                let reply = try await client.expect(.POST, "/api/stores/\(HubClient.escape(store))/messages", message)
                replies.append(reply)
                if !hub.json { print("\(reply["message_id"]?.stringValue ?? "?")  \(reply["message"]?.stringValue ?? "")") }
            }
            if hub.json { print(JSONValue.array(replies).jsonString) }
        }
    }
}

struct Messages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show, retry and archive messages.",
        subcommands: [List.self, Show.self, Retry.self, Archive.self, Recover.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a store's messages, newest first.")
        @OptionGroup var hub: HubOptions
        @Option var store: String
        @Option(help: "A message name, such as order:new.") var message: String?
        @Option(help: "pending, running, failing, scheduled, parked, completed, archived, accepted or skipped.") var state: String?
        @Option(help: "A mapping name.") var mapping: String?
        @Option(help: "name:value, such as order_number:R123.") var identifier: String?
        @Option var page = 1
        @Option(name: .customLong("per-page")) var perPage = 25

        func run() async throws {
            var query = ["page=\(page)", "per_page=\(perPage)"]
            for (key, value) in [("message", message), ("state", state), ("mapping", mapping), ("identifier", identifier)] {
                if let value { query.append("\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? value)") }
            }
            try await hub.withClient { client in
                let page = try await client.expect(.GET, "/api/stores/\(HubClient.escape(store))/messages?" + query.joined(separator: "&"))
                if hub.json { return print(page.jsonString) }
                let rows = (page["messages"]?.arrayValue ?? []).map { message -> [String] in
                    let deliveries = (message["deliveries"]?.arrayValue ?? []).map {
                        "\($0["mapping"]?.stringValue ?? ""):\($0["state"]?.stringValue ?? "")"
                    }
                    return [
                        message["message_id"]?.stringValue ?? "", message["message"]?.stringValue ?? "", message["state"]?.stringValue ?? "",
                        message["created_at"]?.stringValue ?? "", deliveries.joined(separator: " "),
                    ]
                }
                print(Table.render(["ID", "MESSAGE", "STATE", "CREATED", "DELIVERIES"], rows))
                print(
                    "page \(page["current_page"]?.comparableText ?? "1") of \(page["pages"]?.comparableText ?? "0"), "
                        + "\(page["count"]?.comparableText ?? "0") message(s)"
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a message with its deliveries, attempts and notifications.")
        @OptionGroup var hub: HubOptions
        @Option var store: String
        @Argument var id: String

        func run() async throws {
            try await hub.withClient { client in
                let message = try await client.expect(.GET, "/api/stores/\(HubClient.escape(store))/messages/\(HubClient.escape(id))")
                if hub.json { return print(message.jsonString) }
                print("\(message["message_id"]?.stringValue ?? "")  \(message["message"]?.stringValue ?? "")  \(message["state"]?.stringValue ?? "")")
                if let note = message["note"]?.stringValue { print("note: \(note)") }
                var rows: [[String]] = []
                for delivery in message["deliveries"]?.arrayValue ?? [] {
                    for attempt in delivery["attempt_log"]?.arrayValue ?? [] {
                        rows.append([
                            delivery["mapping"]?.stringValue ?? "", attempt["number"]?.comparableText ?? "", attempt["status"]?.comparableText ?? "-",
                            attempt["error"]?.stringValue ?? "", attempt["started_at"]?.stringValue ?? "",
                        ])
                    }
                    if delivery["attempt_log"]?.arrayValue?.isEmpty ?? true {
                        rows.append([delivery["mapping"]?.stringValue ?? "", "-", delivery["state"]?.stringValue ?? "", "", ""])
                    }
                }
                print(Table.render(["MAPPING", "ATTEMPT", "STATUS", "ERROR", "AT"], rows))
                for notification in message["notifications"]?.arrayValue ?? [] {
                    print(
                        "\(notification["level"]?.stringValue ?? ""): \(notification["subject"]?.stringValue ?? "") "
                            + "(×\(notification["occurrences"]?.comparableText ?? "1"))"
                    )
                }
                print("payload: \(message["payload"]?.jsonString ?? "{}")")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Attempt a message's unfinished deliveries now.")
        @OptionGroup var hub: HubOptions
        @Option var store: String
        @Argument var id: String

        func run() async throws {
            try await update(hub: hub, store: store, id: id, change: "attempt_now", done: "due now")
        }
    }

    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Archive a message's unfinished deliveries.")
        @OptionGroup var hub: HubOptions
        @Option var store: String
        @Argument var id: String

        func run() async throws {
            try await update(hub: hub, store: store, id: id, change: "archive", done: "archived")
        }
    }

    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attempt again every parked or failing delivery since a time, and follow the queue until it has drained."
        )
        @OptionGroup var hub: HubOptions
        @Option var store: String
        @Option(help: "A time such as 2026-11-24T00:00:00Z: deliveries created since then are attempted again.") var since: String
        @Option(help: "Stop following after this many seconds (0: do not follow).") var follow: Double = 300

        func run() async throws {
            try await hub.withClient { client in
                let path = "/api/stores/\(HubClient.escape(store))"
                let reply = try await client.expect(.POST, path + "/recover", ["since": .string(since)])
                let count = Int(exactly: (reply["recovered"]?.numberValue ?? 0).rounded()) ?? 0
                print(hub.json ? reply.jsonString : "\(count) delivery(ies) since \(since) will be attempted again")
                guard count > 0, follow > 0 else { return }
                // Progress on stderr: what is still queued, until nothing is or the time is up.
                let deadline = Date().addingTimeInterval(follow)
                while Date() < deadline {
                    let queues = try await client.expect(.GET, path + "/queues")
                    let open = ["pending", "running"].reduce(0) { $0 + min(Int(exactly: (queues[$1]?.numberValue ?? 0).rounded()) ?? 0, 1 << 40) }
                    let line =
                        "queued \(open), failing \(queues["failing"]?.comparableText ?? "0"), parked "
                        + "\(queues["parked"]?.comparableText ?? "0"), completed \(queues["completed"]?.comparableText ?? "0")"
                    FileHandle.standardError.write(Data("[\(max(0, count - open))/\(count)] \(line)\n".utf8))
                    if open == 0 { return }
                    try await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// `PUT …/messages/{id}` with `{<change>: true}`, reporting how many deliveries it touched.
    static func update(hub: HubOptions, store: String, id: String, change: String, done: String) async throws {
        try await hub.withClient { client in
            let reply = try await client.expect(
                .PUT,
                "/api/stores/\(HubClient.escape(store))/messages/\(HubClient.escape(id))",
                .object([change: true])
            )
            let count = reply[change == "archive" ? "archived" : change]?.comparableText ?? "0"
            print(hub.json ? reply.jsonString : "\(count) delivery(ies) of \(id) \(done)")
        }
    }
}

struct Stores: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List stores, or create one with --create ID.")
    @OptionGroup var hub: HubOptions
    @Option(help: "Create a store with this id; its token is printed once.") var create: String?
    @Option(help: "The new store's name.") var name: String?

    func run() async throws {
        try await hub.withClient { client in
            if let create {
                let store = try await client.expect(.POST, "/api/stores", ["id": .string(create), "name": .string(name ?? create)])
                print(hub.json ? store.jsonString : "created store \(create); its token (shown once): \(store["token"]?.stringValue ?? "")")
                return
            }
            let stores = try await client.expect(.GET, "/api/stores")
            if hub.json { return print(stores.jsonString) }
            print(
                Table.render(
                    ["ID", "NAME", "CREATED"],
                    (stores["stores"]?.arrayValue ?? []).map {
                        [$0["id"]?.stringValue ?? "", $0["name"]?.stringValue ?? "", $0["created_at"]?.stringValue ?? ""]
                    }
                )
            )
        }
    }
}

struct Parameters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a store's parameters, or set or delete one.")
    @OptionGroup var hub: HubOptions
    @Option var store: String
    @Option(help: "NAME=VALUE to set: text, or JSON when it starts with { [ or \" (or is true, false, null).") var set: String?
    @Option(help: "A parameter to delete.") var delete: String?

    func run() async throws {
        try await hub.withClient { client in
            let base = "/api/stores/\(HubClient.escape(store))/parameters"
            if let set {
                let parts = set.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--set takes NAME=VALUE") }
                // Text stays text ("2.0" is a version, not a number); JSON structures and literals are read as JSON.
                let raw = parts[1]
                let looksLikeJSON = raw.hasPrefix("{") || raw.hasPrefix("[") || raw.hasPrefix("\"") || ["true", "false", "null"].contains(raw)
                let value = looksLikeJSON ? ((try? JSONValue.parse(raw)) ?? .string(raw)) : .string(raw)
                let saved = try await client.expect(.PUT, "\(base)/\(HubClient.escape(parts[0]))", ["value": value])
                print(hub.json ? saved.jsonString : "\(parts[0]) = \(value.jsonString)")
                return
            }
            if let delete {
                _ = try await client.expect(.DELETE, "\(base)/\(HubClient.escape(delete))")
                print("deleted \(delete)")
                return
            }
            let list = try await client.expect(.GET, base)
            if hub.json { return print(list.jsonString) }
            print(
                Table.render(
                    ["NAME", "VALUE"],
                    (list["parameters"]?.arrayValue ?? []).map { [$0["name"]?.stringValue ?? "", $0["value"]?.jsonString ?? ""] }
                )
            )
        }
    }
}

struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a YAML or JSON file of stores, parameters, mappings and schedulers; prints what changed. Applying it again changes nothing."
    )
    @OptionGroup var hub: HubOptions
    @Option(name: .customShort("f"), help: "The file (- for stdin).") var file: String

    func run() async throws {
        let document: JSONValue
        do { document = try ConfigFile.parse(try readInput(file), source: file) } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
        try await hub.withClient { client in
            // The server applies the document as --config does: checked whole, all or nothing.
            let applied = try await client.expect(.POST, "/api/apply", document)
            let changes = (applied["changes"]?.arrayValue ?? []).compactMap(\.stringValue)
            let items = (applied["items"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !hub.json {
                for (index, item) in items.enumerated() { FileHandle.standardError.write(Data("[\(index + 1)/\(items.count)] \(item)\n".utf8)) }
            }
            if hub.json { return print(JSONValue.object(["changes": .array(changes.map { .string($0) })]).jsonString) }
            print(changes.isEmpty ? "nothing to change" : changes.joined(separator: "\n"))
        }
    }
}
