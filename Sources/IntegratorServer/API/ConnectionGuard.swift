import Foundation
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Keeps idle and slow clients from starving real ones.
///
/// Three rules, each with a setting (`HubConfiguration`): a connection with no request under
/// way is closed after `idleTimeout` (Hummingbird's own idle handler); a request head must
/// arrive whole within `headerTimeout` of its first byte; and at most `maxConnections` are
/// open at once. At the cap a new connection is not refused: the connection idle the longest
/// (no request under way, oldest last activity) is closed to make room, so a client that
/// opens a connection to send a request always gets in, while a thousand idle sockets only
/// push each other out. The cap stays below the process's open-file limit, so accepting never
/// fails for want of a descriptor.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        var channel: any Channel
        var busy: Bool
        var since: ContinuousClock.Instant
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var evicted = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Connections open now.
    var count: Int { state.withLock { $0.entries.count } }
    /// Connections closed to make room, since start.
    var evicted: Int { state.withLock { $0.evicted } }

    /// Adds a connection; at the cap, closes the one idle the longest.
    func opened(_ channel: any Channel) {
        let victim: (any Channel)? = state.withLock { state in
            state.entries[ObjectIdentifier(channel)] = Entry(channel: channel, busy: false, since: .now)
            guard state.entries.count > capacity else { return nil }
            var oldest: (key: ObjectIdentifier, since: ContinuousClock.Instant)?
            for (key, entry) in state.entries where !entry.busy && key != ObjectIdentifier(channel) {
                if oldest == nil || entry.since < oldest!.since { oldest = (key, entry.since) }
            }
            // Everyone else is mid-request: the newcomer waits its turn by being turned away.
            let key = oldest?.key ?? ObjectIdentifier(channel)
            state.evicted += 1
            return state.entries.removeValue(forKey: key)?.channel
        }
        victim?.close(promise: nil)
    }

    func closed(_ channel: any Channel) {
        state.withLock { _ = $0.entries.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// A request head arrived (`busy`) or its response ended (idle from now).
    func mark(_ channel: any Channel, busy: Bool) {
        state.withLock { state in
            state.entries[ObjectIdentifier(channel)]?.busy = busy
            state.entries[ObjectIdentifier(channel)]?.since = .now
        }
    }

    /// The cap to use when none is set: the open-file limit less room for the store's files,
    /// the delivery client's connections and the process's own descriptors.
    static func automaticCapacity(reserve: Int = 256) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let soft = Int(min(limit.rlim_cur, 1 << 20))  // RLIM_INFINITY is the largest value, so it is bounded here too
        return max(16, soft - reserve)
    }

    /// Raises the soft open-file limit to the hard one, as servers commonly do at start.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = min(limit.rlim_max, 1 << 20)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// One connection's guard: registers it, and closes it when a request head, once begun, does
/// not arrive whole within the header timeout, or its body within the body timeout (a request
/// under way cannot be closed to make room, so a trickling body must end on its own clock). Sits after HTTP decoding (it sees request
/// heads and response ends) and adds a byte watcher at the front of the pipeline, which starts
/// the header clock at a request's first byte.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let registry: ConnectionRegistry
    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let logger: Logger
    /// Waiting for a request head (between requests, or before the first).
    fileprivate var waitingForHead = true
    private var headerTimer: Scheduled<Void>?
    private var bodyTimer: Scheduled<Void>?
    private var registered = false

    init(registry: ConnectionRegistry, headerTimeout: TimeAmount, bodyTimeout: TimeAmount, logger: Logger) {
        self.registry = registry
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.pipeline.syncOperations.addHandler(FirstByteWatcher(guardHandler: self), position: .first)
        if context.channel.isActive { register(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        if registered { registry.closed(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        register(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        if registered {
            registry.closed(context.channel)
            registered = false
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            waitingForHead = false
            cancelTimer()
            registry.mark(context.channel, busy: true)
            bodyTimer = schedule(context, in: bodyTimeout, "a request body that did not arrive whole within")
        case .end:
            bodyTimer?.cancel()
            bodyTimer = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            waitingForHead = true
            registry.mark(context.channel, busy: false)
        }
        context.write(data, promise: promise)
    }

    /// Bytes came in: if they begin a request head, start its clock.
    fileprivate func bytesArrived(_ context: ChannelHandlerContext) {
        guard waitingForHead, headerTimer == nil else { return }
        headerTimer = schedule(context, in: headerTimeout, "a request head that did not arrive whole within")
    }

    /// Closes the connection after `timeout`, unless cancelled first.
    private func schedule(_ context: ChannelHandlerContext, in timeout: TimeAmount, _ why: String) -> Scheduled<Void> {
        let channel = context.channel
        let logger = logger
        return context.eventLoop.scheduleTask(in: timeout) {
            logger.debug("closing a connection: \(why) \(timeout)")
            channel.close(promise: nil)
        }
    }

    private func register(_ context: ChannelHandlerContext) {
        guard !registered else { return }
        registered = true
        registry.opened(context.channel)
    }

    private func cancelTimer() {
        headerTimer?.cancel()
        headerTimer = nil
    }

    private func cancelTimers() {
        cancelTimer()
        bodyTimer?.cancel()
        bodyTimer = nil
    }
}

/// Sees the raw bytes before the HTTP decoder does, to start the header clock.
private final class FirstByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private weak var guardHandler: ConnectionGuardHandler?

    init(guardHandler: ConnectionGuardHandler) {
        self.guardHandler = guardHandler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guardHandler?.bytesArrived(context)
        context.fireChannelRead(data)
    }
}
