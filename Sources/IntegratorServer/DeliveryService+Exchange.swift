import AsyncHTTPClient
import Foundation
import HTTPTypes
import IntegratorModel
import IntegratorStore
import NIOCore
import NIOHTTP1

/// One HTTP exchange of an attempt, bounded as a whole by the mapping's timeout, and why it
/// gave no usable answer.
extension DeliveryService {

    /// What one HTTP exchange gave: a status, the whole body, a `Retry-After`, or why it failed.
    struct AttemptCall: Sendable {
        var status: Int?
        var body: [UInt8] = []
        var retryAfter: Double?
        var failure: AttemptFailure?
    }

    /// Why an exchange gave no usable answer.
    enum AttemptFailure: Sendable, Equatable {
        /// Connecting, the head and the whole body took longer than the mapping's timeout.
        case timeout
        case bodyTooLarge(cap: Int)
        case bodyCutShort(String)
        case requestNotMade(String)
        case transport(String)
        /// `--delivery-targets` refuses the host or an address it resolves to.
        case targetRefused(String)

        /// The attempt's error in words a person can act on.
        func describe(url: String, timeout: Double) -> String {
            switch self {
            case .timeout:
                return "no complete answer from \(url) within the mapping's timeout of \(timeout) s (connecting, the head and the whole body count)"
            case .bodyTooLarge(let cap): return "the response body was larger than the limit of \(cap) bytes; the reply was not applied"
            case .bodyCutShort(let why): return "the response body was cut short (\(why)); the reply was not applied"
            case .requestNotMade(let why): return "the request could not be made: \(why)"
            case .targetRefused(let why): return "not delivered to \(url): \(why)"
            case .transport(let why):
                if why.contains("refused") || why.contains("connect") { return "could not connect to \(url): \(why)" }
                return "the request to \(url) failed: \(why)"
            }
        }
    }

    /// Sends `request` and reads the whole answer, all within `timeout` seconds: connecting,
    /// the head and the body. A stalled or trickling body ends at the timeout like a silent
    /// server; a body cut short or over `cap` is a failure too.
    static func send(_ request: HTTPClientRequest, client: HTTPClient, targets: TargetGuard, timeout: Double, cap: Int) async -> AttemptCall {
        let seconds = min(max(timeout.isFinite ? timeout : Mapping.defaultTimeout, 0.001), Mapping.maximumTimeout)
        let milliseconds = Int64(seconds * 1000)
        // The client's own deadline covers connecting and the head; the timer below, the body.
        let deadline = NIODeadline.now() + .milliseconds(milliseconds)
        var call = AttemptCall()
        do {
            call = try await withThrowingTaskGroup(of: AttemptCall?.self) { group in
                group.addTask {
                    // Resolving and checking the target is part of the attempt, under its timer.
                    let chosen = try await targets.client(for: request.url, standard: client)
                    let response = try await chosen.execute(request, deadline: deadline)
                    let status = Int(response.status.code)
                    var call = AttemptCall(status: status)
                    if status == 429 || status == 503, let header = response.headers.first(name: "Retry-After"),
                        let value = Double(header.prefix(32)), value.isFinite, value >= 0
                    {
                        call.retryAfter = value
                    }
                    do {
                        var collected = try await response.body.collect(upTo: cap)
                        call.body = collected.readBytes(length: collected.readableBytes) ?? []
                    } catch is NIOTooManyBytesError {
                        call.failure = .bodyTooLarge(cap: cap)
                    } catch {
                        call.failure = .bodyCutShort("\(error)")
                    }
                    return call
                }
                group.addTask {
                    try await Task.sleep(until: .now + .milliseconds(milliseconds), clock: .continuous)
                    return nil
                }
                defer { group.cancelAll() }
                // The first to finish decides: the exchange, or the timer (nil).
                guard case let finished?? = try await group.next() else { return AttemptCall(failure: .timeout) }
                return finished
            }
        } catch let error as TargetRefused {
            call.failure = .targetRefused(error.description)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            call.failure = .timeout
        } catch {
            call.failure = .transport("\(error)")
        }
        return call
    }
}
