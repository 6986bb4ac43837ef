import Foundation
import GRDB
import IntegratorStore
import Testing

/// The due index on SQLite: it serves the claim and the next-due read, and writing a delivery
/// (its insert, its lease, its record) builds no temporary b-tree, which an `IN (…)` list in
/// the index's condition made five times a delivery.
@Suite struct SQLiteDueIndexTests {
    @Test func theDueIndexServesTheClaimAndNoDeliveryWriteBuildsATemporaryBTree() async throws {
        try await MigratedSQLiteFile.with { queue in
            try await queue.read { db in
                func plan(_ sql: String) throws -> String { try MigratedSQLiteFile.plan(sql, in: db) }
                func program(_ sql: String) throws -> [String] {
                    try Row.fetchAll(db, sql: "EXPLAIN " + sql).map { $0["opcode"] as String? ?? "" }
                }
                let claim = HealthSQL.claimCandidates(exclusion: "").replacingOccurrences(of: "?", with: "0")
                let claimPlan = try plan(claim)
                #expect(claimPlan.contains("USING INDEX deliveries_due"), "\(claimPlan)")
                let nextDuePlan = try plan(AttemptSQL.nextDue)
                #expect(nextDuePlan.contains("deliveries_due"), "\(nextDuePlan)")

                let writes = [
                    IngestSQL.insertDelivery, AttemptSQL.takeLease, AttemptSQL.finishDelivery, AttemptSQL.countAttempt,
                ].map { $0.replacingOccurrences(of: "?", with: "NULL") }
                for write in writes {
                    let opcodes = try program(write)
                    #expect(!opcodes.contains("OpenEphemeral"), "\(write)")
                }
            }
        }
    }
}
