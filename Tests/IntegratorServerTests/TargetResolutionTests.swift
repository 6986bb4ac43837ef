import AsyncHTTPClient
import Foundation
import IntegratorModel
import NIOCore
import Testing

@testable import IntegratorServer

/// A delivery target's name is resolved within the attempt's deadline: `getaddrinfo` cannot be
/// cancelled, so a resolver that does not answer must not hold the attempt past its timeout.
@Suite struct TargetResolutionTests {
    @Test func aLookupThatDoesNotAnswerByTheDeadlineEndsTheAttemptAsTimedOut() async throws {
        let deadline = NIODeadline.now() + .milliseconds(100)
        await #expect(throws: HTTPClientError.deadlineExceeded) {
            // The lookup answers long after the deadline; its answer is dropped.
            _ = try await TargetGuard.resolve("slow.example", by: deadline) { _ in
                Thread.sleep(forTimeInterval: 2)
                return [try #require(IPAddress("203.0.113.7"))]
            }
        }
    }

    @Test func aLookupWithinTheDeadlineGivesItsAddressesAndItsFailures() async throws {
        let deadline = NIODeadline.now() + .seconds(60)
        let address = try #require(IPAddress("203.0.113.7"))
        #expect(try await TargetGuard.resolve("fast.example", by: deadline) { _ in [address] } == [address])
        await #expect(throws: ResolutionFailed.self) {
            _ = try await TargetGuard.resolve("missing.example", by: deadline) { name in
                throw ResolutionFailed(description: "\(name) could not be resolved")
            }
        }
    }
}
