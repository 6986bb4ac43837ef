import AsyncHTTPClient
import Foundation
import HTTPTypes
import IntegratorModel
import NIOCore
import NIOHTTP1

/// One HTTP exchange of an attempt, bounded as a whole by the mapping's timeout, and why it
/// gave no usable answer.
extension DeliveryService {

    /// Sends `request` and reads the whole answer, all within `timeout` seconds: connecting,
    /// the head and the body. A stalled or trickling body ends at the timeout like a silent
    /// server; a body cut short or over `cap` is a failure too.
    static func send(_ request: HTTPClientRequest, client: HTTPClient, targets: TargetGuard, timeout: Double, cap: Int) async -> AttemptAnswer {
        let seconds = min(max(timeout.isFinite ? timeout : Mapping.defaultTimeout, 0.001), Mapping.maximumTimeout)
        let milliseconds = Int64(seconds * 1000)
        // The client's own deadline covers connecting and the head; the timer below, the body.
        let deadline = NIODeadline.now() + .milliseconds(milliseconds)
        var answer = AttemptAnswer()
        do {
            answer = try await withThrowingTaskGroup(of: AttemptAnswer?.self) { group in
                group.addTask {
                    // Resolving and checking the target is part of the attempt, under its timer.
                    let chosen = try await targets.client(for: request.url, standard: client)
                    let response = try await chosen.execute(request, deadline: deadline)
                    let status = Int(response.status.code)
                    var answer = AttemptAnswer(status: status, reasonPhrase: HTTPResponseStatus(statusCode: status).reasonPhrase)
                    answer.retryAfter = AttemptAnswer.retryAfter(status: status, header: response.headers.first(name: "Retry-After"))
                    do {
                        var collected = try await response.body.collect(upTo: cap)
                        answer.body = collected.readBytes(length: collected.readableBytes) ?? []
                    } catch is NIOTooManyBytesError {
                        answer.failure = .bodyTooLarge(cap: cap)
                    } catch {
                        answer.failure = .bodyCutShort("\(error)")
                    }
                    return answer
                }
                group.addTask {
                    // Not Task.sleep: a cancelled one holds its memory until the deadline (see EventLoopTimer).
                    await EventLoopTimer.sleep(until: deadline, on: client.eventLoopGroup.any())
                    return nil
                }
                defer { group.cancelAll() }
                // The first to finish decides: the exchange, or the timer (nil).
                guard case let finished?? = try await group.next() else { return AttemptAnswer(failure: .timeout) }
                return finished
            }
        } catch let error as TargetRefused {
            answer.failure = .targetRefused(error.description)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            answer.failure = .timeout
        } catch {
            answer.failure = .transport("\(error)")
        }
        return answer
    }
}
