import Foundation
import NIOCore
import NIOPosix

/// An endpoint that misbehaves at the byte level, as no well-made HTTP server would: it reads a
/// request whole, then answers the way `script` says (a head and no body, half a body and a
/// hang-up, a body far past any cap). Written on bare NIO because a proper server framework
/// will not send a broken response.
public final class ScriptedEndpoint: Sendable {
    public enum Script: Sendable {
        /// A 200 head promising a body, a few bytes of it, then silence (the connection stays open).
        case stallBody
        /// A 200 head promising 400 bytes, part of a reply that would add messages, then a hang-up.
        case cutBody
        /// A 200 with a body of `bytes` bytes.
        case oversized(bytes: Int)
        /// A well-formed 200 with `{}`, after `milliseconds`: a slow endpoint.
        case answerAfter(milliseconds: Int64)
    }

    private let script: Script
    private let count = Locked(0)

    public init(_ script: Script) {
        self.script = script
    }

    /// Requests received whole so far.
    public var requests: Int { count.value }

    /// Runs the endpoint on a loopback port for the length of `body`.
    public func run<T>(_ body: (String) async throws -> T) async throws -> T {
        let script = script
        let count = count
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ScriptHandler(script: script) { count.update { $0 += 1 } })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        do {
            let result = try await body("http://127.0.0.1:\(port)")
            try? await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

private final class ScriptHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let script: ScriptedEndpoint.Script
    let received: () -> Void
    var buffer: [UInt8] = []
    var answered = false

    init(script: ScriptedEndpoint.Script, received: @escaping () -> Void) {
        self.script = script
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer += bytes.readBytes(length: bytes.readableBytes) ?? []
        guard !answered, let end = headEnd() else { return }
        let head = String(decoding: buffer[..<end], as: UTF8.self).lowercased()
        let length =
            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        guard buffer.count >= end + 4 + length else { return }
        answered = true
        received()
        let channel = context.channel
        switch script {
        case .stallBody:
            write(context, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mess")
        case .cutBody:
            let partial = #"{"messages":[{"message":"order:new","payload":{"order":{"number":"CUT"}}}],"parameters":[{"name":"cut","value":1}]"#
            write(context, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n" + partial)
            channel.close(promise: nil)
        case .oversized(let size):
            write(context, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(size)\r\n\r\n")
            let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 64 * 1024)
            var left = size
            while left > 0 {
                let part = min(left, chunk.count)
                context.write(wrapOutboundOut(ByteBuffer(bytes: chunk[..<part])), promise: nil)
                left -= part
            }
            context.flush()
        case .answerAfter(let milliseconds):
            let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
            channel.eventLoop.scheduleTask(in: .milliseconds(milliseconds)) {
                channel.writeAndFlush(ByteBuffer(string: response), promise: nil)
            }
        }
    }

    private func write(_ context: ChannelHandlerContext, _ text: String) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
    }

    private func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4) where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10
        {
            return index
        }
        return nil
    }
}

/// Plain sockets for tests that need many connections doing nothing, or almost nothing.
public enum RawSocket {
    /// A TCP connection to 127.0.0.1:`port`, or -1.
    public static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 {
            close(fd)
            return -1
        }
        return fd
    }

    /// Sends `text`; false when the peer is gone.
    @discardableResult
    public static func send(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Whether the peer has closed the connection (end of stream or reset), without waiting.
    public static func closedByPeer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let read = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if read == 0 { return true }
        if read < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        return false
    }
}
