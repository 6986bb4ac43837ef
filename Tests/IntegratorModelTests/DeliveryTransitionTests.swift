import Foundation
import IntegratorModel
import Testing

@Suite struct DeliveryTransitionTests {
    let now = Date(timeIntervalSince1970: 1_000_000)

    @Test func successCompletes() {
        let t = DeliveryTransition.after(.success, attempt: 1, retriesAllowed: true, policy: RetryPolicy(), now: now, random: 0.5)
        #expect(t.state == .completed)
    }

    @Test func failureWaitsTheScheduledTimeWithJitter() {
        let policy = RetryPolicy(schedule: [10, 100], jitter: 0.2)
        let low = DeliveryTransition.after(.failure(retryAfter: nil), attempt: 1, retriesAllowed: true, policy: policy, now: now, random: 0)
        let high = DeliveryTransition.after(.failure(retryAfter: nil), attempt: 2, retriesAllowed: true, policy: policy, now: now, random: 1)
        #expect(low.state == .failing)
        #expect(low.nextAttemptAt == now.addingTimeInterval(8))
        #expect(high.nextAttemptAt == now.addingTimeInterval(120))
    }

    @Test func lastRetryParks() {
        let t = DeliveryTransition.after(
            .failure(retryAfter: nil),
            attempt: 3,
            retriesAllowed: true,
            policy: RetryPolicy(schedule: [1, 2]),
            now: now,
            random: 0.5
        )
        #expect(t.state == .parked)
    }

    @Test func noRetriesParksAtOnce() {
        let t = DeliveryTransition.after(.failure(retryAfter: nil), attempt: 1, retriesAllowed: false, policy: RetryPolicy(), now: now, random: 0.5)
        #expect(t.state == .parked)
    }

    @Test func retryAfterIsHonouredButBounded() {
        let policy = RetryPolicy(schedule: [5], jitter: 0)
        let asked = DeliveryTransition.after(.failure(retryAfter: 60), attempt: 1, retriesAllowed: true, policy: policy, now: now, random: 0.5)
        #expect(asked.nextAttemptAt == now.addingTimeInterval(60))
        let greedy = DeliveryTransition.after(.failure(retryAfter: 999_999), attempt: 1, retriesAllowed: true, policy: policy, now: now, random: 0.5)
        #expect(greedy.nextAttemptAt == now.addingTimeInterval(RetryPolicy.maximumRetryAfter))
    }

    @Test func laterSchedulesTheUpdateURL() {
        let t = DeliveryTransition.after(
            .later(delay: 30, updateURL: "http://h/u"),
            attempt: 1,
            retriesAllowed: true,
            policy: RetryPolicy(),
            now: now,
            random: 0.5
        )
        #expect(t == DeliveryTransition(state: .scheduled, nextAttemptAt: now.addingTimeInterval(30), nextURL: "http://h/u"))
    }

    @Test func defaultScheduleGivesTwelveAttemptsOverAboutTwoDays() {
        let total = RetryPolicy.defaultSchedule.reduce(0, +)
        #expect(RetryPolicy.defaultSchedule.count == 11)
        #expect(total > 36 * 3600 && total < 60 * 3600)
    }
}

@Suite struct EndpointReplyTests {
    @Test func readsEveryPart() throws {
        let body =
            #"{"message_id":"m","messages":[{"message":"order:new","payload":{"order":{"number":"R1"}}},{"key":"stock:change","payload":{}}],"#
            + #""notifications":[{"level":"warn","subject":"s","description":"d","backtrace":"x"}],"#
            + #""parameters":[{"name":"spree.cursor","value":"2026"}],"order":{"id":1}}"#
        let reply = EndpointReply.read(Array(body.utf8))
        #expect(reply.messages.map(\.name) == ["order:new", "stock:change"])
        #expect(reply.notifications.first?.extra["backtrace"] == "x")
        #expect(reply.parameters.first?.name == "spree.cursor")
        #expect(reply.result == ["order": ["id": 1]])
    }

    @Test func delayAsksForALaterCall() {
        let reply = EndpointReply.read(Array(#"{"message_id":"m","delay":30,"update_url":"/later"}"#.utf8))
        #expect(reply.delay == 30)
        #expect(reply.updateURL == "/later")
    }

    @Test func aBodyThatIsNotJSONIsKeptAsText() {
        let reply = EndpointReply.read(Array("ok".utf8))
        #expect(reply.result == "ok")
    }
}

@Suite struct JSONTests {
    @Test func refusesDeepDocumentsBeforeParsing() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONReadError.tooDeep(limit: 64)) { try JSONValue.parse(deep) }
    }

    @Test func roundTripsNumbersExactly() throws {
        let value = try JSONValue.parse(#"{"id":9007199254740993,"price":19.99,"n":5}"#)
        #expect(value.jsonString == #"{"id":9007199254740993,"n":5,"price":19.99}"#)
    }

    @Test func escapesStrings() throws {
        let value: JSONValue = ["s": "a\"b\\c\nd\u{01}"]
        #expect(try JSONValue.parse(value.jsonString) == value)
    }
}
