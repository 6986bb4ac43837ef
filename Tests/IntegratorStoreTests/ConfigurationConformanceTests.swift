import Crypto
import Foundation
import GRDB
import IntegratorModel
import IntegratorStore
import IntegratorTestSupport
import Testing

/// The store protocol's configuration requirements, on every engine: settings, stores, tokens,
/// retention, parameters, sealing again under a new key, mappings, integrations and schedulers.
@Suite struct ConfigurationConformanceTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: TestBackend.all) func settingsAreKeptReplacedAndExpiredByPrefix(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            #expect(try await store.setting("missing") == nil)
            try await store.setSetting("colour", value: "red")
            try await store.setSetting("colour", value: "blue")
            #expect(try await store.setting("colour") == "blue")
            try await store.setSetting("signout:a", value: String(now.timeIntervalSince1970 - 10))
            try await store.setSetting("signout:b", value: String(now.timeIntervalSince1970 + 10))
            try await store.setSetting("other:c", value: String(now.timeIntervalSince1970 - 10))
            try await store.deleteExpiredSettings(prefix: "signout:", before: now)
            #expect(try await store.setting("signout:a") == nil)
            #expect(try await store.setting("signout:b") != nil)
            #expect(try await store.setting("other:c") != nil, "only the prefix's settings expire")
            #expect(try await store.setting("colour") == "blue")
        }
    }

    @Test(arguments: TestBackend.all) func storesAreCreatedOnceUpsertedByChangeAndFoundByToken(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            await #expect(throws: StoreError.self) { try await store.createStore(id: "acme", name: "Again", tokenHash: "x", at: now) }
            #expect(try await store.upsertStore(id: "beta", name: "Beta", tokenHash: "hb", at: now))
            #expect(try await store.upsertStore(id: "beta", name: "Beta", tokenHash: nil, at: now) == false, "nothing changed")
            #expect(try await store.upsertStore(id: "beta", name: "Beta Shop", tokenHash: nil, at: now))
            await #expect(throws: StoreError.self) { try await store.upsertStore(id: "gamma", name: "G", tokenHash: nil, at: now) }
            #expect(try await store.stores().map(\.id) == ["acme", "beta"])
            let beta = try #require(try await store.store(id: "beta"))
            #expect(beta.name == "Beta Shop" && beta.createdAt == now && beta.retention == nil)
            #expect(try await store.store(id: "nowhere") == nil)
            #expect(try await store.storeID(tokenHash: "hb") == "beta")
            #expect(try await store.storeID(tokenHash: "unknown") == nil)
            #expect(try await store.tokenHash(storeID: "beta") == "hb")
            #expect(try await store.tokenHash(storeID: "nowhere") == nil)
            let week = try RetentionPeriod.parse("7d").get()
            #expect(try await store.setRetention(storeID: "beta", week))
            #expect(try await store.store(id: "beta")?.retention == week)
            #expect(try await store.setRetention(storeID: "beta", nil))
            #expect(try await store.store(id: "beta")?.retention == nil)
            #expect(try await store.setRetention(storeID: "nowhere", week) == false)
        }
    }

    @Test(arguments: TestBackend.all) func parametersKeepTheirJSONAndSecretsAreSealedAgainUnderANewKey(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await store.setParameter(storeID: "acme", Parameter(name: "spree.api_url", value: "http://shop"), at: now)
            try await store.setParameter(storeID: "acme", Parameter(name: "erp.limits", value: ["max": 5, "tags": ["a"]]), at: now)
            try await store.setParameter(storeID: "acme", Parameter(name: "erp.api_key", value: "k-1"), at: now)
            try await store.setParameter(storeID: "acme", Parameter(name: "erp.api_key", value: "k-2"), at: now)
            #expect(
                try await store.parameters(storeID: "acme") == [
                    Parameter(name: "erp.api_key", value: "k-2"), Parameter(name: "erp.limits", value: ["max": 5, "tags": ["a"]]),
                    Parameter(name: "spree.api_url", value: "http://shop"),
                ]
            )
            #expect(try await store.deleteParameter(storeID: "acme", name: "erp.limits"))
            #expect(try await store.deleteParameter(storeID: "acme", name: "erp.limits") == false)

            try await store.saveMapping(storeID: "acme", Mapping(name: "erp", messages: ["order:new"], url: "https://erp", token: "t0k"), at: now)
            let sealed = SecretBox(key: SymmetricKey(size: .bits256))
            // Every definition and the secret parameter are sealed again; the plain URL is not a secret.
            #expect(try await store.resealSecrets(from: .clear, to: sealed) == 2)
            #expect(try await store.setting(SecretBox.checkSetting) != nil)
            #expect(try await store.resealSecrets(from: sealed, to: .clear) == 2)
            #expect(try await store.setting(SecretBox.checkSetting) == nil)
            #expect(try await store.parameters(storeID: "acme").map(\.name) == ["erp.api_key", "spree.api_url"])
            #expect(try await store.allMappings().first?.mapping.token == "t0k")
        }
    }

    @Test(arguments: TestBackend.all) func mappingsAreSavedReplacedListedAndDeleted(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await store.createStore(id: "beta", name: "Beta", tokenHash: "hb", at: now)
            var erp = Mapping(name: "erp", messages: ["order:new"], url: "https://erp.example.com")
            try await store.saveMapping(storeID: "acme", erp, at: now)
            try await store.saveMapping(storeID: "beta", Mapping(name: "crm", messages: ["user:new"], url: "https://crm.example.com"), at: now)
            erp.url = "https://erp2.example.com"
            erp.maxInFlight = 4
            try await store.saveMapping(storeID: "acme", erp, at: now)
            let all = try await store.allMappings()
            #expect(all.map { "\($0.storeID)/\($0.mapping.name)" } == ["acme/erp", "beta/crm"])
            #expect(all.first?.mapping == erp)
            #expect(try await store.deleteMapping(storeID: "acme", name: "erp"))
            #expect(try await store.deleteMapping(storeID: "acme", name: "erp") == false)
            #expect(try await store.allMappings().map(\.mapping.name) == ["crm"])
        }
    }

    @Test(arguments: TestBackend.all) func integrationsAreKeptByIDAndReplaced(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await store.saveIntegration(storeID: "acme", id: "spree", record: ["id": "spree", "url": "http://a"], at: now)
            try await store.saveIntegration(storeID: "acme", id: "amazon", record: ["id": "amazon"], at: now)
            try await store.saveIntegration(storeID: "acme", id: "spree", record: ["id": "spree", "url": "http://b"], at: now)
            #expect(try await store.integrations(storeID: "acme") == [["id": "amazon"], ["id": "spree", "url": "http://b"]])
            #expect(try await store.integrations(storeID: "nowhere").isEmpty)
        }
    }

    @Test(arguments: TestBackend.all) func aSchedulerSavedAgainKeepsItsNextRunUnlessItsIntervalChanges(backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            var poll = Scheduler(id: "poll", message: "hub:poll", payload: ["target": "orders"], interval: 60)
            try await store.saveScheduler(storeID: "acme", poll, at: now)
            #expect(try await store.schedulers(storeID: "acme").first?.nextRunAt == now)
            poll.payload = ["target": "shipments"]
            try await store.saveScheduler(storeID: "acme", poll, at: now.addingTimeInterval(30))
            let kept = try #require(try await store.schedulers(storeID: "acme").first)
            #expect(kept.nextRunAt == now && kept.payload == ["target": "shipments"] && kept.enabled)
            poll.interval = 120
            poll.enabled = false
            try await store.saveScheduler(storeID: "acme", poll, at: now.addingTimeInterval(30))
            let changed = try #require(try await store.schedulers(storeID: "acme").first)
            #expect(changed.nextRunAt == now.addingTimeInterval(30) && changed.interval == 120 && !changed.enabled)
            #expect(try await store.deleteScheduler(storeID: "acme", id: "poll"))
            #expect(try await store.deleteScheduler(storeID: "acme", id: "poll") == false)
            #expect(try await store.schedulers(storeID: "acme").isEmpty)
        }
    }
}

/// The shared decoders read a damaged row as an error naming the column, never a trap.
@Suite struct StoredRowTests {
    @Test func aDamagedStoreRowIsAnErrorNamingTheColumn() throws {
        let queue = try DatabaseQueue()
        try queue.read { db in
            let good = try #require(try Row.fetchOne(db, sql: "SELECT 'acme' AS id, 'Acme' AS name, 1.5e9 AS created_at, NULL AS retention"))
            #expect(try ConfigurationSQL.storeInfo(good).id == "acme")
            let damaged = try #require(try Row.fetchOne(db, sql: "SELECT 'acme' AS id, NULL AS name, 'yesterday' AS created_at, NULL AS retention"))
            #expect(throws: StoreError.invalid("a stored row has no readable name")) { try ConfigurationSQL.storeInfo(damaged) }
            let missing = try #require(try Row.fetchOne(db, sql: "SELECT 'poll' AS id"))
            #expect(throws: StoreError.self) { try ConfigurationSQL.scheduler(missing) }
            let text = try #require(try Row.fetchOne(db, sql: "SELECT X'FF00' AS blob, 7 AS number"))
            #expect(try text.optionalReal("number") == 7)
            #expect(try text.optionalText("absent") == nil)
        }
    }

    @Test(
        arguments: [
            (nil, 60.0, nil, 100.0),  // new: now
            (Date(timeIntervalSince1970: 500), 60.0, nil, 500.0),  // same interval: kept
            (Date(timeIntervalSince1970: 500), 90.0, nil, 100.0),  // new interval: now
            (Date(timeIntervalSince1970: 500), 60.0, Date(timeIntervalSince1970: 900), 900.0),  // asked for: taken
        ] as [(Date?, Double, Date?, Double)]
    )
    func aSchedulersNextRun(existingNext: Date?, interval: Double, asked: Date?, expected: Double) {
        let scheduler = Scheduler(id: "s", message: "hub:poll", payload: [:], interval: interval, nextRunAt: asked)
        let existing = existingNext.map { (interval: 60.0, nextRunAt: $0) }
        #expect(
            ConfigurationSQL.nextRun(of: scheduler, existing: existing, now: Date(timeIntervalSince1970: 100))
                == Date(timeIntervalSince1970: expected)
        )
    }

    @Test(arguments: [("{\"a\":1}", true), ("not json", false), (String(repeating: "[", count: 600) + String(repeating: "]", count: 600), false)])
    func storedJSONReadsWhatTheHubWroteAndNothingElse(text: String, reads: Bool) {
        #expect((StoredJSON.read(text) != nil) == reads)
        #expect(StoredJSON.read(nil) == nil)
    }
}

/// What a pushed message becomes once its deliveries are written, as a value.
@Suite struct IngestOutcomeTests {
    func message(deliveries: Int, note: String? = nil) -> NewMessage {
        var message = NewMessage(
            id: "m1",
            storeID: "acme",
            name: "order:new",
            payload: [:],
            origin: "push",
            createdAt: Date(timeIntervalSince1970: 0),
            deliveries: (0..<deliveries).map {
                NewDelivery(id: "d\($0)", mapping: "erp", dedupKey: nil, nextAttemptAt: Date(timeIntervalSince1970: 0))
            }
        )
        message.note = note
        return message
    }

    @Test func aMessageWithEveryDeliveryWrittenAndNothingNotedIsLeftAsItIs() {
        #expect(IngestSQL.outcome(message(deliveries: 2), written: 2, notes: []) == nil)
    }

    @Test func aMessageNoMappingTakesIsSkippedSayingSo() {
        #expect(
            IngestSQL.outcome(message(deliveries: 0), written: 0, notes: []) == [
                .text("skipped"), .text("no mapping of the store takes 'order:new'"), .text("m1"),
            ]
        )
    }

    @Test func aMessageWhoseDeliveriesWereAllDuplicatesIsSkippedWithTheNotes() {
        let outcome = IngestSQL.outcome(message(deliveries: 1), written: 0, notes: ["not delivered to mapping 'erp': …"])
        #expect(outcome == [.text("skipped"), .text("not delivered to mapping 'erp': …"), .text("m1")])
    }

    @Test func aMessageWithSomeDeliveriesAndANoteIsAcceptedWithTheNotesJoined() {
        let outcome = IngestSQL.outcome(message(deliveries: 2), written: 1, notes: ["a", "b"])
        #expect(outcome == [.text("accepted"), .text("a; b"), .text("m1")])
    }

    @Test func aFilteredMessageKeepsItsOwnNoteRatherThanNoMapping() {
        let outcome = IngestSQL.outcome(message(deliveries: 0, note: "filtered"), written: 0, notes: ["filtered"])
        #expect(outcome == [.text("skipped"), .text("filtered"), .text("m1")])
    }
}
