import HummingbirdCore
import IntegratorPostgres
import Logging
import NIOCore

/// The bench receiver's HTTP/1 connections, each handled on the event loop that reads it: a
/// request is answered from the thread that read it, not handed to the task pool and back. The
/// receiver stands in for an endpoint that costs next to nothing, so the less of the machine it
/// takes, the more of what row 4 and row 5 measure is the hub's (issue 17, thirteenth session:
/// with the paced client below, the bench's CPU at 1,000 pushes a second fell by about a third).
struct LoopBoundHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}
