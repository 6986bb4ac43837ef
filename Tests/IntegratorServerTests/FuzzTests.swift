import Foundation
import IntegratorModel
import IntegratorTestSupport
import Testing

@testable import IntegratorServer

/// Generated hostile input against every decoder that reads from outside: the JSON parser, the
/// push and admin request decoders, the filter and path compilers, the reply reader and the
/// time reader. A trap anywhere ends the test process, so passing means none was reached.
/// `INTEGRATOR_FUZZ_ITERATIONS` raises the count per suite (a million for a long run).
@Suite struct FuzzTests {
    static let count = Fuzzer.iterations(default: 20_000)

    @Test func theParserNeverTrapsAndWhatItKeepsReadsBackTheSame() throws {
        var fuzzer = Fuzzer(seed: 1)
        var accepted = 0
        for _ in 0..<Self.count {
            let bytes = fuzzer.document()
            guard let value = try? JSONValue.parse(bytes) else { continue }
            accepted += 1
            // Kept exactly: what the hub writes back reads back to the very same bytes.
            let written = value.encoded()
            #expect(try JSONValue.parse(written).encoded() == written, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 0)
    }

    @Test func pushDecodersNeverTrap() {
        var fuzzer = Fuzzer(seed: 2)
        for _ in 0..<Self.count {
            let value =
                fuzzer.chance(50)
                ? ["message": .string(fuzzer.pick(["order:new", "shipment:ready", "product:new", "user:new", "x"])), "payload": fuzzer.value()]
                : fuzzer.value()
            var problems: [Problem] = []
            _ = Ingest.check(value, prefix: "", origin: "push", problems: &problems)
            _ = V6Push.objects(value)
            for problem in problems { #expect(!problem.problem.isEmpty) }
            _ = APIError.invalid(ValidationError("x", problems: problems)).body.encoded()
        }
    }

    @Test func adminDecodersNeverTrap() {
        var fuzzer = Fuzzer(seed: 3)
        for _ in 0..<Self.count {
            let value = fuzzer.value()
            _ = try? StoreInput.decode(value)
            _ = try? SchedulerInput.decode(value, id: fuzzer.chance(50) ? nil : fuzzer.pick(Fuzzer.hostileStrings))
            _ = try? IntegrationManifest.decode(value)
            _ = Identifiers.problem(fuzzer.pick(Fuzzer.hostileStrings))
            // Retention strings and stored seconds: refused or in range, never a trap.
            if case .success(let period) = RetentionPeriod.parse(fuzzer.pick(Fuzzer.hostileStrings + Fuzzer.hostileNumbers)) {
                #expect(period.seconds >= 0 && period.seconds <= RetentionPeriod.maximumSeconds)
                _ = period.cutoff(now: Date())
            }
            _ = RetentionPeriod(seconds: Double(bitPattern: fuzzer.next()))?.description
            _ = BreakerStatus(consecutiveFailures: Int(truncatingIfNeeded: fuzzer.next())).after(
                succeeded: fuzzer.chance(50),
                policy: BreakerPolicy(threshold: fuzzer.int(1...100), cooldown: 60),
                now: Date()
            )
            var problems: [Problem] = []
            let page = fuzzer.pick(Fuzzer.hostileNumbers + Fuzzer.hostileStrings)
            _ = AdminOperations.paging({ $0 == "page" ? page : $0 == "per_page" ? fuzzer.pick(Fuzzer.hostileNumbers) : nil }, problems: &problems)
            _ = AdminOperations.parseTime(fuzzer.pick(Fuzzer.hostileNumbers + Fuzzer.hostileStrings), name: "since", problems: &problems)
        }
    }

    @Test func mappingFilterAndPathCompilersNeverTrap() {
        var fuzzer = Fuzzer(seed: 4)
        let operators = Filter.Operator.allCases.map(\.rawValue) + ["", "nope"]
        for _ in 0..<Self.count {
            var filter: JSONObject = [
                "path": .string(fuzzer.pick(["payload.order.number", "payload.*.sku", "payload.order.line_items.*.price"] + Fuzzer.hostileStrings)),
                "operator": .string(fuzzer.pick(operators)),
            ]
            if fuzzer.chance(80) { filter["value"] = fuzzer.value(depth: 4) }
            if fuzzer.chance(30) { filter["match_rule"] = .string(fuzzer.pick(["all", "any", "some"])) }
            var mapping: JSONObject = [
                "name": "m", "messages": ["order:new"], "url": .string(fuzzer.pick(["http://x/y", "https://h:1/p"] + Fuzzer.hostileStrings)),
                "filters": [.object(filter)],
            ]
            if fuzzer.chance(50) {
                mapping["options"] = [
                    "retry_schedule": .array((0..<fuzzer.int(0...3)).map { _ in fuzzer.value(depth: 5) }), "max_in_flight": fuzzer.value(depth: 5),
                    "breaker_threshold": fuzzer.value(depth: 5), "breaker_cooldown": fuzzer.value(depth: 5), "rate_limit": fuzzer.value(depth: 5),
                ]
            }
            if fuzzer.chance(20) { mapping["paused"] = fuzzer.value(depth: 5) }
            if fuzzer.chance(30) { mapping["timeout"] = fuzzer.value(depth: 5) }
            if fuzzer.chance(30) { mapping["identifiers"] = ["n": .string(fuzzer.pick(Fuzzer.hostileStrings))] }
            _ = JSONPath(fuzzer.pick(Fuzzer.hostileStrings))
            guard let decoded = try? Mapping.decode(.object(mapping)) else { continue }
            let compiled = CompiledMapping(decoded)
            let payload = fuzzer.value()
            _ = compiled.matches(message: "order:new", id: "1", payload: payload)
            _ = compiled.identifierValues(message: "order:new", id: "1", payload: payload)
            _ = decoded.json.encoded()
        }
    }

    @Test func replyAndTimeReadersNeverTrap() {
        var fuzzer = Fuzzer(seed: 5)
        for _ in 0..<Self.count {
            let bytes = fuzzer.document()
            let reply = EndpointReply.read(bytes)
            _ = EndpointReply.readV6(bytes)
            if let delay = reply.delay { #expect(delay >= 0 && delay <= EndpointReply.maximumDelay) }
            let text = fuzzer.pick(Fuzzer.hostileNumbers + Fuzzer.hostileStrings)
            if let date = Timestamp.parse(text) { #expect(Timestamp.range.contains(date.timeIntervalSince1970)) }
            _ = Timestamp.format(Date(timeIntervalSince1970: Double(bitPattern: fuzzer.next())))
            let policy = RetryPolicy(schedule: [Double(bitPattern: fuzzer.next())])
            if let wait = policy.delay(afterAttempt: 1, random: 0.5, retryAfter: Double(bitPattern: fuzzer.next())) {
                _ = DeliveryTransition.after(.failure(retryAfter: nil), attempt: 1, retriesAllowed: true, policy: policy, now: Date(), random: 0.5)
                #expect(wait.isFinite)
            }
        }
    }
}
