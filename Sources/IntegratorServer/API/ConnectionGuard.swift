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

        mutating func mark(busy: Bool) {
            self.busy = busy
            since = .now
        }
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
        // One lookup, not one per field: every request marks its connection twice.
        state.withLock { $0.entries[ObjectIdentifier(channel)]?.mark(busy: busy) }
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
    /// The head's or the body's clock, and when the one timer fires.
    private var clock = ConnectionClock()
    private var timer: Scheduled<Void>?
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
            registry.mark(context.channel, busy: true)
            start(.body, context)
        case .end:
            clock.stop()
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
        guard waitingForHead, !clock.isRunning else { return }
        start(.head, context)
    }

    /// Starts `part`'s clock; the timer is touched only when it would fire too late.
    private func start(_ part: ConnectionClock.Part, _ context: ChannelHandlerContext) {
        let timeout = part == .head ? headerTimeout : bodyTimeout
        switch clock.start(part, due: .now() + timeout) {
        case .keep: break
        case .schedule(let deadline): arm(at: deadline, context)
        }
    }

    /// Schedules the one timer; when it fires, the clock says whether to close, wait on or lapse.
    private func arm(at deadline: NIODeadline, _ context: ChannelHandlerContext) {
        timer?.cancel()
        let channel = context.channel
        // On the connection's own loop, where the handler and its context live.
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.timer = nil
            switch self.clock.fired(at: .now()) {
            case .lapse: break
            case .schedule(let next): self.arm(at: next, context)
            case .close(let part):
                let timeout = part == .head ? self.headerTimeout : self.bodyTimeout
                self.logger.debug("closing a connection: a request \(part) that did not arrive whole within \(timeout)")
                channel.close(promise: nil)
            }
        }
    }

    private func register(_ context: ChannelHandlerContext) {
        guard !registered else { return }
        registered = true
        registry.opened(context.channel)
    }

    private func cancelTimers() {
        clock.stop()
        timer?.cancel()
        timer = nil
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

/// A connection's head and body clocks on one timer, as a value: what to do when a clock starts
/// and when the timer fires.
///
/// Why: scheduling a timer when a request's first byte came, cancelling it at its head,
/// scheduling another for its body and cancelling that at its end cost four operations on the
/// event loop's timer heap a request, 3 % of a push's CPU. A clock now only notes its deadline;
/// the timer, armed for the earliest, is moved only when a new deadline comes before it (a
/// header timeout longer than the body's), and when it fires early it waits on for the deadline
/// in force, or lapses when none is. A connection under load touches its timer about once a
/// header timeout, and a slow head or body is still cut at exactly its deadline.
struct ConnectionClock {
    enum Part: String, Sendable, CustomStringConvertible {
        case head, body
        var description: String { rawValue }
    }

    /// The clock running, if any: which part must arrive whole, and by when.
    private(set) var due: (part: Part, deadline: NIODeadline)?
    /// When the armed timer fires, if one is armed.
    private(set) var timerFires: NIODeadline?

    var isRunning: Bool { due != nil }

    enum Start: Equatable {
        /// The armed timer fires first: nothing to do now.
        case keep
        /// Arm the timer for this deadline (cancelling any armed one).
        case schedule(NIODeadline)
    }

    mutating func start(_ part: Part, due deadline: NIODeadline) -> Start {
        due = (part, deadline)
        if let timerFires, timerFires <= deadline { return .keep }
        timerFires = deadline
        return .schedule(deadline)
    }

    /// The part arrived whole (or the connection went): no clock runs; an armed timer lapses.
    mutating func stop() { due = nil }

    enum Fired: Equatable {
        /// No clock runs: nothing to do.
        case lapse
        /// The running clock's deadline is later: arm the timer for it.
        case schedule(NIODeadline)
        /// The part did not arrive whole in time: close the connection.
        case close(Part)
    }

    mutating func fired(at now: NIODeadline) -> Fired {
        timerFires = nil
        guard let due else { return .lapse }
        if now >= due.deadline {
            self.due = nil
            return .close(due.part)
        }
        timerFires = due.deadline
        return .schedule(due.deadline)
    }
}
