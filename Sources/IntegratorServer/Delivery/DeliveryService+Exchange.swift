import AsyncHTTPClient
import Foundation
import IntegratorModel
import NIOCore
import NIOHTTP1
import Synchronization

/// One HTTP exchange of an attempt, bounded as a whole by the mapping's timeout, and why it
/// gave no usable answer.
///
/// Through AsyncHTTPClient's delegate API: there a request's deadline covers the whole exchange
/// (connecting, the head and the body), so a stalled or trickling body ends at the timeout like
/// a silent server with no timer of ours. The async API's deadline ends with the head, and the
/// body had to be raced against a timer in a task group of two: two tasks, a scheduled timer
/// and a group cancellation for every delivery (about 5 % of the drain's CPU, perf, issue 17).
extension DeliveryService {

    /// Sends `request` and reads the whole answer, all within `timeout` seconds. A body cut
    /// short or over `cap` is a failure too.
    static func send(_ request: HTTPClient.Request, client: HTTPClient, targets: TargetGuard, timeout: Double, cap: Int) async -> AttemptAnswer {
        let seconds = min(max(timeout.isFinite ? timeout : Mapping.defaultTimeout, 0.001), Mapping.maximumTimeout)
        let deadline = NIODeadline.now() + .milliseconds(Int64(seconds * 1000))
        let reader = AnswerReader(cap: cap)
        do {
            // Resolving and checking the target is part of the attempt, under its deadline too.
            let chosen = try await targets.client(for: request.url.absoluteString, standard: client, deadline: deadline)
            let task = chosen.execute(request: request, delegate: reader, eventLoop: .indifferent, deadline: deadline, logger: nil)
            return try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch let error as TargetRefused {
            return AttemptAnswer(failure: .targetRefused(error.description))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return AttemptAnswer(failure: .timeout)
        } catch {
            return reader.failed(by: error)
        }
    }

    /// Reads an answer as AsyncHTTPClient delivers it: the status and `Retry-After` from the
    /// head, the body up to the cap. AsyncHTTPClient calls a delegate on one event loop at a
    /// time; the state is locked anyway, since the attempt reads it when the exchange failed.
    final class AnswerReader: HTTPClientResponseDelegate, Sendable {
        typealias Response = AttemptAnswer

        /// A body past the cap: the exchange is stopped there.
        struct TooLarge: Error {}

        private struct State {
            var answer: AttemptAnswer?
            var body = ByteBuffer()
        }

        private let cap: Int
        private let state = Mutex(State())

        init(cap: Int) { self.cap = max(0, cap) }

        func didReceiveHead(task: HTTPClient.Task<AttemptAnswer>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
            let status = Int(head.status.code)
            var answer = AttemptAnswer(status: status, reasonPhrase: HTTPResponseStatus(statusCode: status).reasonPhrase)
            answer.retryAfter = AttemptAnswer.retryAfter(status: status, header: head.headers.first(name: "Retry-After"))
            state.withLock { $0.answer = answer }
            return task.eventLoop.makeSucceededVoidFuture()
        }

        func didReceiveBodyPart(task: HTTPClient.Task<AttemptAnswer>, _ part: ByteBuffer) -> EventLoopFuture<Void> {
            let fits = state.withLock { state -> Bool in
                guard state.body.readableBytes <= cap - min(cap, part.readableBytes), part.readableBytes <= cap else { return false }
                var part = part
                state.body.writeBuffer(&part)
                return true
            }
            return fits ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(TooLarge())
        }

        func didFinishRequest(task: HTTPClient.Task<AttemptAnswer>) throws -> AttemptAnswer {
            state.withLock { state in
                var answer = state.answer ?? AttemptAnswer()
                answer.body = Array(state.body.readableBytesView)
                return answer
            }
        }

        /// What an exchange that failed with `error` answered: after the head, its status with
        /// the body cut short or over the cap; before it, no answer.
        func failed(by error: any Error) -> AttemptAnswer {
            guard var answer = state.withLock({ $0.answer }) else { return AttemptAnswer(failure: .transport("\(error)")) }
            answer.failure = error is TooLarge ? .bodyTooLarge(cap: cap) : .bodyCutShort("\(error)")
            return answer
        }
    }
}
