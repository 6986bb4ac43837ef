import Foundation
import IntegratorModel
import Testing

@Suite struct WebhookSignatureTests {
    // The Standard Webhooks specification's published example.
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp: Int64 = 1_614_265_330
    static let body = Data(#"{"test": 2432232314}"#.utf8)
    static let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test func signsTheSpecificationsExampleVector() throws {
        #expect(try WebhookSignature.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body, secrets: [Self.secret]) == Self.signature)
    }

    @Test func verifiesTheExampleWithinFiveMinutes() throws {
        let signedAt = Date(timeIntervalSince1970: Double(Self.timestamp))
        try WebhookSignature.verify(
            id: Self.id,
            timestamp: String(Self.timestamp),
            signature: Self.signature,
            body: Self.body,
            secrets: [Self.secret],
            now: signedAt.addingTimeInterval(299)
        )
        #expect(throws: WebhookSignature.Failure.timestampOutOfTolerance) {
            try WebhookSignature.verify(
                id: Self.id,
                timestamp: String(Self.timestamp),
                signature: Self.signature,
                body: Self.body,
                secrets: [Self.secret],
                now: signedAt.addingTimeInterval(301)
            )
        }
        #expect(throws: WebhookSignature.Failure.noMatchingSignature) {
            try WebhookSignature.verify(
                id: Self.id,
                timestamp: String(Self.timestamp),
                signature: Self.signature,
                body: Data("{}".utf8),
                secrets: [Self.secret],
                now: signedAt
            )
        }
        #expect(throws: WebhookSignature.Failure.missingHeaders) {
            try WebhookSignature.verify(id: nil, timestamp: nil, signature: nil, body: Self.body, secrets: [Self.secret], now: signedAt)
        }
    }

    @Test func twoSecretsDuringRotationGiveTwoSignaturesEitherOfWhichVerifies() throws {
        let other = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
        let both = try WebhookSignature.sign(id: "m", timestamp: 100, body: Data("x".utf8), secrets: [other, Self.secret])
        #expect(both.split(separator: " ").count == 2)
        let now = Date(timeIntervalSince1970: 100)
        try WebhookSignature.verify(id: "m", timestamp: "100", signature: both, body: Data("x".utf8), secrets: [Self.secret], now: now)
        try WebhookSignature.verify(id: "m", timestamp: "100", signature: both, body: Data("x".utf8), secrets: [other], now: now)
    }
}
