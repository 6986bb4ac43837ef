import Foundation
import IntegratorModel
import Testing

@Suite struct RetentionAndBreakerTests {
    @Test(arguments: [
        ("30d", 2_592_000.0, "30d"), ("12h", 43_200, "12h"), ("90s", 90, "90s"), ("15m", 900, "15m"), ("2w", 1_209_600, "14d"),
        ("0", 0, "0"), ("48h", 172_800, "2d"), (" 7D ", 604_800, "7d"), ("3650d", 315_360_000, "3650d"),
    ])
    func durationsReadAndWriteBack(text: String, seconds: Double, shown: String) throws {
        let period = try RetentionPeriod.parse(text).get()
        #expect(period.seconds == seconds)
        #expect(period.description == shown)
    }

    @Test(arguments: [
        "", "d", "30", "-1d", "1.5h", "30x", "3651d", "99999999999999999999d", "NaN", "1e9s", "٣d", String(repeating: "9", count: 40) + "s",
    ])
    func hostileDurationsAreRefusedNamingTheField(text: String) {
        guard case .failure(let error) = RetentionPeriod.parse(text) else {
            Issue.record("'\(text)' was accepted")
            return
        }
        #expect(error.problems.first?.path == "retention")
    }

    @Test func aPeriodFromStoredSecondsIsBounded() {
        #expect(RetentionPeriod(seconds: .nan) == nil)
        #expect(RetentionPeriod(seconds: -1) == nil)
        #expect(RetentionPeriod(seconds: 1e300) == nil)
        #expect(RetentionPeriod(seconds: 3600)?.description == "1h")
        #expect(RetentionPeriod.keepEverything.cutoff(now: Date()) == nil)
    }

    /// (state before, failures before, attempt succeeded) → (state after, failures after, event).
    @Test(arguments: [
        (BreakerState.closed, 0, true, BreakerState.closed, 0, BreakerStatus.Event?.none),
        (.closed, 0, false, .closed, 1, nil),
        (.closed, 2, false, .open, 3, .opened),
        (.closed, 5, false, .open, 6, .opened),
        (.open, 3, false, .open, 4, nil),
        (.halfOpen, 3, false, .open, 4, nil),
        (.halfOpen, 3, true, .closed, 0, .closed),
        (.open, 3, true, .closed, 0, .closed),
        (.closed, 1_000_000_000, false, .open, 1_000_000_001, .opened),
        (.closed, Int.max, false, .open, 1_000_000_001, .opened),
    ])
    func theBreakerDecidesFromEachAttempt(
        before: BreakerState,
        failures: Int,
        succeeded: Bool,
        after: BreakerState,
        failuresAfter: Int,
        event: BreakerStatus.Event?
    ) {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let (next, happened) = BreakerStatus(state: before, consecutiveFailures: failures).after(
            succeeded: succeeded,
            policy: BreakerPolicy(threshold: 3, cooldown: 60),
            now: now
        )
        #expect(next.state == after)
        #expect(next.consecutiveFailures == failuresAfter)
        #expect(happened == event)
        #expect(next.probeAt == (after == .open ? now.addingTimeInterval(60) : nil))
    }

    @Test func mappingHealthOptionsAreReadBoundedAndWrittenBack() throws {
        let mapping = try Mapping.decode([
            "name": "m", "messages": ["order:new"], "url": "http://127.0.0.1:9/", "paused": true,
            "options": ["breaker_threshold": 5, "breaker_cooldown": 30, "rate_limit": 2],
        ])
        #expect(mapping.paused)
        #expect(mapping.breaker == BreakerPolicy(threshold: 5, cooldown: 30))
        #expect(mapping.rateLimit == 2)
        #expect(try Mapping.decode(mapping.json) == mapping)
        #expect(
            try Mapping.decode(["name": "d", "messages": ["a:b"], "url": "http://127.0.0.1:9/"]).breaker == BreakerPolicy(threshold: 20, cooldown: 60)
        )
        for (key, value) in [
            ("breaker_threshold", JSONValue.int(0)), ("breaker_threshold", .double(2.5)), ("breaker_threshold", .int(Int64.max)),
            ("breaker_cooldown", .double(.infinity)), ("breaker_cooldown", .int(0)), ("breaker_cooldown", .string("60")),
            ("rate_limit", .int(0)), ("rate_limit", .int(10_001)), ("rate_limit", .double(0.5)), ("rate_limit", .int(-3)),
        ] {
            #expect(throws: ValidationError.self, "\(key)=\(value)") {
                try Mapping.decode(["name": "m", "messages": ["a:b"], "url": "http://127.0.0.1:9/", "options": .object([key: value])])
            }
        }
        #expect(throws: ValidationError.self) {
            try Mapping.decode(["name": "m", "messages": ["a:b"], "url": "http://127.0.0.1:9/", "paused": "yes"])
        }
    }

    @Test func aHealthySuccessIsWrittenAtMostOnceASecond() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let closed = BreakerStatus()
        #expect(BreakerStatus.successWriteIsRedundant(before: closed, after: closed, event: nil, lastSuccess: now.addingTimeInterval(-0.5), now: now))
        #expect(!BreakerStatus.successWriteIsRedundant(before: closed, after: closed, event: nil, lastSuccess: now.addingTimeInterval(-1), now: now))
        #expect(!BreakerStatus.successWriteIsRedundant(before: closed, after: closed, event: nil, lastSuccess: nil, now: now))
        // A clock that went back is not trusted to skip.
        #expect(!BreakerStatus.successWriteIsRedundant(before: closed, after: closed, event: nil, lastSuccess: now.addingTimeInterval(5), now: now))
        let failing = BreakerStatus(consecutiveFailures: 2)
        #expect(!BreakerStatus.successWriteIsRedundant(before: failing, after: closed, event: nil, lastSuccess: now, now: now))
        let open = BreakerStatus(state: .open, consecutiveFailures: 20, probeAt: now)
        #expect(!BreakerStatus.successWriteIsRedundant(before: open, after: closed, event: .closed, lastSuccess: now, now: now))
    }
}
