import Foundation
import IntegratorModel
import Testing

/// Values from outside that once trapped or were taken on trust: each is now bounded where it
/// enters, as a pure decision.
@Suite struct HostileValueTests {
    @Test(arguments: ["1e300", "-1", "\"nan\"", "1e308", "2592001"])
    func aReplysDelayOutOfRangeRefusesTheReply(delay: String) {
        let reply = EndpointReply.read(Array(#"{"delay": \#(delay), "messages": [{"message": "order:new", "payload": {}}]}"#.utf8))
        #expect(reply.delay == nil)
        #expect(reply.refusal?.contains("delay") == true)
    }

    @Test func aReplysDelayInRangeIsKept() {
        let reply = EndpointReply.read(Array(#"{"delay": 30, "update_url": "/later"}"#.utf8))
        #expect(reply.delay == 30)
        #expect(reply.updateURL == "/later")
        #expect(reply.refusal == nil)
    }

    @Test(arguments: ["http+unix://%2Ftmp%2Fsock/x", "unix:///tmp/sock", "file:///etc/passwd", "ftp://host/x", "https+unix://x"])
    func anUpdateURLOutsideHTTPIsRefused(url: String) {
        let reply = EndpointReply.read(Array(#"{"delay": 1, "update_url": "\#(url)"}"#.utf8))
        #expect(reply.refusal?.contains("update_url") == true)
        #expect(reply.updateURL == nil)
    }

    @Test func aReplyWithANumberThatCannotBeKeptIsRefusedWhole() {
        let reply = EndpointReply.read(Array(#"{"parameters": [{"name": "cursor", "value": 18446744073709551616}]}"#.utf8))
        #expect(reply.refusal != nil)
        #expect(reply.parameters.isEmpty)
    }

    @Test func retryScheduleStepsPastThirtyDaysAreRefusedNamingTheStep() {
        #expect(throws: ValidationError.self) {
            try Mapping.decode(["name": "m", "messages": ["order:new"], "url": "http://x/y", "options": ["retry_schedule": [5, 1e300]]])
        }
        do {
            _ = try Mapping.decode(["name": "m", "messages": ["order:new"], "url": "http://x/y", "options": ["retry_schedule": [5, 1e300]]])
        } catch let error as ValidationError {
            #expect(error.problems.map(\.path) == ["options.retry_schedule.1"])
        } catch { Issue.record("\(error)") }
    }

    @Test func aRetryPolicyNeverWaitsPastItsMaximumWhateverItHolds() {
        let policy = RetryPolicy(schedule: [1e300, .nan, -5, .infinity])
        for attempt in 1...4 {
            let wait = policy.delay(afterAttempt: attempt, random: 0.99, retryAfter: .infinity)
            #expect(wait.map { $0.isFinite && $0 >= 0 && $0 <= RetryPolicy.maximumWait * 1.2 } == true)
        }
    }

    @Test(arguments: [
        (JSONValue.int(0), false), (.int(1), true), (.int(1024), true), (.int(1025), false), (.double(2.5), false), (.string("8"), false),
    ])
    func maxInFlightIsAWholeNumberFromOneTo1024(value: JSONValue, accepted: Bool) {
        let mapping = try? Mapping.decode(["name": "m", "messages": ["order:new"], "url": "http://x/y", "options": ["max_in_flight": value]])
        #expect((mapping != nil) == accepted)
        if accepted { #expect(mapping?.inFlightCap == Int(value.numberValue ?? 0)) }
    }

    @Test func theDefaultInFlightCapIsWellBelowTheDeliverySlots() {
        let mapping = try? Mapping.decode(["name": "m", "messages": ["order:new"], "url": "http://x/y"])
        #expect(mapping?.inFlightCap == Mapping.defaultMaxInFlight)
        #expect(Mapping.defaultMaxInFlight * 4 <= 64)
    }

    /// `^(a+)+$` backtracks exponentially on `aaaa…b`; the budget cuts it off as no match.
    @Test func aCatastrophicPatternIsCutOffAtItsBudget() throws {
        let filter = try #require(
            Filter.decode(["path": "payload.name", "operator": "match", "value": "^(a+)+$"], at: "filters.0", problems: &Self.ignored)
        )
        let compiled = CompiledFilter(filter)
        let started = ContinuousClock.now
        let hostile: JSONValue = ["name": .string(String(repeating: "a", count: 40) + "b")]
        #expect(!compiled.passes(message: "order:new", id: "1", payload: hostile))
        // Loose bound: the budget is 10 ms; a run without it takes years.
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(compiled.passes(message: "order:new", id: "1", payload: ["name": "aaaa"]))
    }

    nonisolated(unsafe) static var ignored: [Problem] = []
}

/// Round-robin claims: no store, and no mapping, takes more than its share of the slots.
@Suite struct FairClaimTests {
    let a1 = MappingKey(storeID: "a", mapping: "one")
    let a2 = MappingKey(storeID: "a", mapping: "two")
    let b1 = MappingKey(storeID: "b", mapping: "one")

    @Test func aBusyStoreDoesNotCrowdOutAQuietOne() {
        let candidates = Array(repeating: a1, count: 50) + [b1]
        let picked = FairClaim.select(candidates, limit: 4, room: { _ in 100 })
        #expect(picked == [0, 50, 1, 2])
    }

    @Test func mappingsOfOneStoreTakeTurns() {
        let candidates = [a1, a1, a1, a2, a2]
        #expect(FairClaim.select(candidates, limit: 4, room: { _ in 100 }) == [0, 3, 1, 4])
    }

    @Test func aMappingNeverTakesMoreThanItsRoom() {
        let candidates = Array(repeating: a1, count: 10) + Array(repeating: b1, count: 10)
        let picked = FairClaim.select(candidates, limit: 20, room: { $0 == a1 ? 2 : 3 })
        #expect(picked.filter { candidates[$0] == a1 }.count == 2)
        #expect(picked.filter { candidates[$0] == b1 }.count == 3)
    }

    @Test(arguments: [0, -1])
    func noLimitOrNoRoomTakesNothing(limit: Int) {
        #expect(FairClaim.select([a1, b1], limit: limit, room: { _ in 5 }).isEmpty)
        #expect(FairClaim.select([a1, b1], limit: 5, room: { _ in limit }).isEmpty)
    }

    @Test func withinAMappingTheOldestGoesFirst() {
        let candidates = [a1, b1, a1, b1]
        #expect(FairClaim.select(candidates, limit: 4, room: { _ in 100 }) == [0, 1, 2, 3])
    }
}
