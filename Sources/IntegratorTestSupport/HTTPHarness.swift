import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// The shared HTTP client of the tests.
public let testClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    // A dead server should fail a call at once, not after retrying until the deadline.
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

/// What an HTTP call answered.
public struct Reply: Sendable {
    public var status: Int
    public var body: JSONValue
    public var headers: [String: String]
}

/// Sends one request over loopback.
public func call(
    _ method: NIOHTTP1.HTTPMethod,
    _ url: String,
    json: JSONValue? = nil,
    raw: [UInt8]? = nil,
    headers: [String: String] = [:]
)
    async throws -> Reply
{
    var request = HTTPClientRequest(url: url)
    request.method = method
    request.headers.add(name: "Content-Type", value: "application/json")
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let raw { request.body = .bytes(ByteBuffer(bytes: raw)) } else if let json { request.body = .bytes(ByteBuffer(bytes: Array(json.encoded()))) }
    let response = try await testClient.execute(request, timeout: .seconds(30))
    var buffer = try await response.body.collect(upTo: 16 << 20)
    let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
    var replyHeaders: [String: String] = [:]
    for header in response.headers { replyHeaders[header.name.lowercased()] = header.value }
    return Reply(
        status: Int(response.status.code),
        body: (try? JSONValue.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self)),
        headers: replyHeaders
    )
}

/// Waits for `condition`, checking every 20 ms, up to `seconds`.
public func eventually(_ seconds: Double = 10, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Runs a service group on a real loopback port for the length of `body`.
public func withServer<T>(
    _ makeApplication: (@escaping @Sendable (any Channel) async -> Void) async throws -> any Service,
    body: (Int) async throws -> T
) async throws -> T {
    try await withScopedServer({ onRunning, serve in try await serve(try await makeApplication(onRunning)) }, body: body)
}

/// The same for an application built inside a scope that must outlive it (`withHub`, whose
/// database closes when it returns): `scope` is given the callback for the listening channel,
/// builds the application, and hands it to `serve`, which runs it around `body`.
public func withScopedServer<T>(
    _ scope: (@escaping @Sendable (any Channel) async -> Void, (any Service) async throws -> T) async throws -> T,
    body: (Int) async throws -> T
) async throws -> T {
    let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
    // `body` runs only inside `scope`'s call, never after it.
    return try await withoutActuallyEscaping(body) { body in
        try await serve(scoped: scope, ports: (portStream, portContinuation), body: body)
    }
}

private func serve<T>(
    scoped scope: (@escaping @Sendable (any Channel) async -> Void, (any Service) async throws -> T) async throws -> T,
    ports: (AsyncStream<Int>, AsyncStream<Int>.Continuation),
    body: @escaping (Int) async throws -> T
) async throws -> T {
    let (portStream, portContinuation) = ports
    let onRunning: @Sendable (any Channel) async -> Void = { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }
    return try await scope(onRunning) { service in
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = portStream.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            do {
                let result = try await body(port)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}

/// An endpoint in the test: a real HTTP server that records what it receives and answers
/// with whatever `respond` says.
public final class Receiver: Sendable {
    public struct Received: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: JSONValue
        /// The body as it came, byte for byte (signatures are over these bytes).
        public var rawBody: [UInt8]

        public init(path: String, headers: [String: String], body: JSONValue, rawBody: [UInt8]) {
            self.path = path
            self.headers = headers
            self.body = body
            self.rawBody = rawBody
        }
    }

    private let log = Mutex<[Received]>([])
    private let responder: @Sendable (Received, Int) -> (Int, JSONValue)

    /// `respond` gets each request and how many came before it on the same path.
    public init(
        _ respond: @escaping @Sendable (Received, Int) -> (Int, JSONValue) = { request, _ in (200, ["message_id": request.body["message_id"] ?? nil])
        }
    ) {
        self.responder = respond
    }

    public var received: [Received] { log.withLock { $0 } }

    public func received(path: String) -> [Received] { received.filter { $0.path == path } }

    /// Runs the receiver on a loopback port for the length of `body`.
    public func run<T>(_ body: (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("**") { request, _ -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: 16 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let received = Received(
                path: request.uri.path,
                headers: headers,
                body: (try? JSONValue.parse(buffer.readableBytesView)) ?? .null,
                rawBody: Array(buffer.readableBytesView)
            )
            let count = self.log.withLock { log in
                let count = log.filter { $0.path == received.path }.count
                log.append(received)
                return count
            }
            let (status, reply) = self.responder(received, count)
            return Response(
                status: HTTPResponse.Status(code: status),
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(reply.encoded())))
            )
        }
        var logger = Logger(label: "receiver")
        logger.logLevel = .warning
        return try await withServer { onRunning in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: onRunning, logger: logger)
        } body: { port in
            try await body("http://127.0.0.1:\(port)")
        }
    }
}

/// A value shared between concurrent test tasks.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: Value) { mutex = Mutex(value) }
    public var value: Value { mutex.withLock { $0 } }
    public func update<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
