import Foundation
import IntegratorModel
import Testing

/// Every branch of what the hub makes of an attempt's answer, without a socket.
@Suite struct AttemptVerdictTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let url = "https://erp.example.com/orders"

    static func mapping(_ wire: Mapping.WireProtocol = .v5, retries: Bool = true, schedule: [Double]? = [10, 20], paused: Bool = false) -> Mapping {
        var mapping = Mapping(name: "erp", messages: ["order:new"], url: url, retriesAllowed: retries, retrySchedule: schedule, timeout: 30)
        mapping.wireProtocol = wire
        mapping.paused = paused
        return mapping
    }

    static func answer(
        _ status: Int?,
        _ body: String = "",
        reason: String = "",
        retryAfter: Double? = nil,
        failure: AttemptFailure? = nil
    )
        -> AttemptAnswer
    {
        AttemptAnswer(status: status, reasonPhrase: reason, body: Array(body.utf8), retryAfter: retryAfter, failure: failure)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var answer: AttemptAnswer
        var mapping: Mapping = AttemptVerdictTests.mapping()
        var attempt = 1
        var targets: DeliveryTargets = .any
        var succeeded: Bool
        var state: DeliveryState
        var waits: Double? = nil
        var error: String? = nil
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "v5 takes 200", answer: answer(200), succeeded: true, state: .completed),
        Case(
            name: "v5 refuses 201, as the original hub did",
            answer: answer(201, reason: "Created"),
            succeeded: false,
            state: .failing,
            waits: 10,
            error: "the endpoint answered 201 Created"
        ),
        Case(name: "v6 takes 204", answer: answer(204), mapping: mapping(.v6), succeeded: true, state: .completed),
        Case(name: "v6 refuses 205", answer: answer(205, reason: "Reset Content"), mapping: mapping(.v6), succeeded: false, state: .failing),
        Case(
            name: "a 500 names the reply's error",
            answer: answer(500, #"{"error": "stock service down"}"#, reason: "Internal Server Error"),
            succeeded: false,
            state: .failing,
            waits: 10,
            error: "the endpoint answered 500 Internal Server Error: stock service down"
        ),
        Case(
            name: "a 422 names the reply's summary",
            answer: answer(422, #"{"summary": "no such sku"}"#, reason: "Unprocessable Entity"),
            succeeded: false,
            state: .failing,
            error: "the endpoint answered 422 Unprocessable Entity: no such sku"
        ),
        Case(
            name: "Retry-After is honoured",
            answer: answer(429, reason: "Too Many Requests", retryAfter: 60),
            succeeded: false,
            state: .failing,
            waits: 60
        ),
        Case(
            name: "a timeout is a failure naming the limit",
            answer: answer(nil, failure: .timeout),
            succeeded: false,
            state: .failing,
            error: "no complete answer from \(url) within the mapping's timeout of 30.0 s (connecting, the head and the whole body count)"
        ),
        Case(
            name: "a 200 whose body was cut short is a failure",
            answer: answer(200, "{\"mess", failure: .bodyCutShort("connection reset")),
            succeeded: false,
            state: .failing,
            error: "the response body was cut short (connection reset); the reply was not applied"
        ),
        Case(
            name: "a body over the cap is a failure",
            answer: answer(200, failure: .bodyTooLarge(cap: 4096)),
            succeeded: false,
            state: .failing,
            error: "the response body was larger than the limit of 4096 bytes; the reply was not applied"
        ),
        Case(
            name: "a refused connection names the URL",
            answer: answer(nil, failure: .transport("connection refused")),
            succeeded: false,
            state: .failing,
            error: "could not connect to \(url): connection refused"
        ),
        Case(
            name: "a refused target parks at once",
            answer: answer(nil, failure: .targetRefused("10.0.0.1 is private")),
            succeeded: false,
            state: .parked,
            error: "not delivered to \(url): 10.0.0.1 is private; parked, since retrying cannot help"
        ),
        Case(
            name: "the last retry parks",
            answer: answer(503, reason: "Service Unavailable"),
            attempt: 3,
            succeeded: false,
            state: .parked,
            error: "the endpoint answered 503 Service Unavailable; no retry left, parked"
        ),
        Case(
            name: "no retries allowed parks at once",
            answer: answer(503, reason: "Service Unavailable"),
            mapping: mapping(retries: false),
            succeeded: false,
            state: .parked,
            error: "the endpoint answered 503 Service Unavailable; retries are not allowed for this mapping, parked"
        ),
        Case(
            name: "delay and a relative update_url schedule the next call",
            answer: answer(200, #"{"delay": 120, "update_url": "/orders/R1/status"}"#),
            succeeded: true,
            state: .scheduled,
            waits: 120
        ),
        Case(
            name: "a delay out of range refuses the whole reply",
            answer: answer(200, #"{"delay": -5, "messages": [{"message": "a:b", "payload": {}}]}"#),
            succeeded: false,
            state: .failing,
            error: "the endpoint answered 200, but the reply's delay must be a number of seconds from 0 to 2592000, not -5"
        ),
        Case(
            name: "an update_url the delivery targets refuse refuses the reply",
            answer: answer(200, #"{"delay": 5, "update_url": "http://127.0.0.1/poll"}"#),
            targets: .publicOnly,
            succeeded: false,
            state: .failing
        ),
        Case(
            name: "a paused mapping's failure waits paused",
            answer: answer(500, reason: "Internal Server Error"),
            mapping: mapping(paused: true),
            succeeded: false,
            state: .paused
        ),
        Case(name: "a paused mapping's success completes", answer: answer(200), mapping: mapping(paused: true), succeeded: true, state: .completed),
        Case(
            name: "a paused mapping's last failure still parks",
            answer: answer(500, reason: "Internal Server Error"),
            mapping: mapping(paused: true),
            attempt: 3,
            succeeded: false,
            state: .parked
        ),
    ]

    @Test(arguments: cases) func theVerdict(_ row: Case) {
        let verdict = AttemptVerdict.judge(
            row.answer,
            url: Self.url,
            mapping: row.mapping,
            attempt: row.attempt,
            targets: row.targets,
            now: Self.now,
            random: 0.5
        )
        #expect(verdict.succeeded == row.succeeded)
        #expect(verdict.transition.state == row.state)
        #expect((verdict.error == nil) == row.succeeded)
        if let waits = row.waits { #expect(verdict.transition.nextAttemptAt == Self.now.addingTimeInterval(waits)) }
        if let error = row.error { #expect(verdict.error == error) }
    }

    @Test(
        arguments: [
            (429, "60", 60), (503, "0.5", 0.5), (500, "60", nil), (200, "60", nil), (429, "-1", nil), (429, "nan", nil), (429, "inf", nil),
            (429, "Wed, 21 Oct 2026 07:28:00 GMT", nil), (429, String(repeating: "9", count: 400), Double(String(repeating: "9", count: 32))),
            (429, nil, nil),
        ] as [(Int, String?, Double?)]
    )
    func retryAfterIsReadOnlyOn429And503AsAFiniteWait(status: Int, header: String?, wait: Double?) {
        #expect(AttemptAnswer.retryAfter(status: status, header: header) == wait)
    }

    @Test func aScheduledCallGoesToTheResolvedUpdateURL() {
        let verdict = AttemptVerdict.judge(
            Self.answer(200, #"{"delay": 120, "update_url": "/orders/R1/status"}"#),
            url: Self.url,
            mapping: Self.mapping(),
            attempt: 1,
            targets: .any,
            now: Self.now,
            random: 0.5
        )
        #expect(verdict.transition.nextURL == "https://erp.example.com/orders/R1/status")
    }

    @Test func aRefusedUpdateURLSaysWhy() {
        let verdict = AttemptVerdict.judge(
            Self.answer(200, #"{"delay": 5, "update_url": "http://127.0.0.1/poll"}"#),
            url: Self.url,
            mapping: Self.mapping(),
            attempt: 1,
            targets: .publicOnly,
            now: Self.now,
            random: 0.5
        )
        #expect(verdict.error?.hasPrefix("the endpoint answered 200, but its update_url is refused: ") == true)
        #expect(verdict.reply.delay == nil)
    }

    @Test func aFailedAnswerKeepsItsNotificationsAndAnUnwholeOneKeepsNothing() {
        let body =
            #"{"notifications": [{"level": "error", "subject": "no stock", "description": "SKU-1 is out"}], "#
            + #""parameters": [{"name": "a", "value": 1}]}"#
        let failed = AttemptVerdict.judge(
            Self.answer(500, body, reason: "Internal Server Error"),
            url: Self.url,
            mapping: Self.mapping(),
            attempt: 1,
            targets: .any,
            now: Self.now,
            random: 0.5
        )
        #expect(failed.reply.notifications.map(\.subject) == ["no stock"])
        let cut = AttemptVerdict.judge(
            Self.answer(200, body, failure: .bodyCutShort("eof")),
            url: Self.url,
            mapping: Self.mapping(),
            attempt: 1,
            targets: .any,
            now: Self.now,
            random: 0.5
        )
        #expect(cut.reply.notifications.isEmpty)
        #expect(cut.reply.parameters.isEmpty)
    }
}
