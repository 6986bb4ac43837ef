import Foundation
import IntegratorModel
import IntegratorStore
import PostgresNIO

/// A write for the PostgreSQL group committer. Plain pushes and attempt records are data, so
/// that a group transaction writes each kind together in a few statements whatever their
/// number (`insertMany`, `recordMany`); anything else is statements run one job at a time.
struct PostgresJob: Sendable {
    enum Work: Sendable {
        case statements(@Sendable (PostgresConnection) async throws -> Void)
        case push([EncodedMessage])
        case record(AttemptReport)
    }

    let work: Work

    init(_ work: Work) { self.work = work }

    var messages: [EncodedMessage]? {
        if case .push(let messages) = work { messages } else { nil }
    }

    var report: AttemptReport? {
        if case .record(let report) = work { report } else { nil }
    }

    /// Writes this job on its own.
    func run(_ connection: PostgresConnection, secrets: SecretBox) async throws {
        switch work {
        case .statements(let body): try await body(connection)
        case .push(let messages):
            for encoded in messages { try await PostgresDatabase.insert(connection, encoded.message, payloadText: encoded.payload) }
        case .record(let report): try await PostgresDatabase.recordAlone(connection, report, secrets: secrets)
        }
    }
}

extension PostgresDatabase {
    /// Sends `sql` on `connection` at once and returns its answer to come, so that a statement
    /// sent after it follows without a wait in between (the connection runs them in order).
    private static func send(_ sql: String, on connection: PostgresConnection) -> EventLoopFuture<PostgresQueryResult> {
        connection.query(PostgresQuery(unsafeSQL: sql), logger: quiet)
    }

    /// One group transaction: the plain pushes together (`insertMany`, first in the
    /// transaction, so that when it fails a `ROLLBACK` undoes only it), the attempt records
    /// together (`recordMany`, in a savepoint), then every other job in its own savepoint, so
    /// that one failing job fails alone. When the pushes' or the records' statements fail,
    /// those jobs are written again one at a time like the rest.
    static func commit(
        _ jobs: [PostgresJob],
        on connection: PostgresConnection,
        secrets: SecretBox,
        report: CommitObserver.Report?
    ) async throws -> [(any Error)?] {
        let started = ContinuousClock.now
        // `BEGIN` is sent now and the first statement right behind it, without waiting for its
        // answer: the connection sends the statement as soon as `BEGIN` is done, where waiting
        // took the commit a hop through the task pool (0.8 ms a commit in row 10). The
        // statement's outcome counts only once `BEGIN` is known to have succeeded.
        let begin = send("BEGIN", on: connection)
        var errors = [(any Error)?](repeating: nil, count: jobs.count)
        var alone = jobs.indices.filter { jobs[$0].messages == nil && jobs[$0].report == nil }
        let pushes = jobs.indices.filter { jobs[$0].messages != nil }
        if pushes.isEmpty { _ = try await begin.get() }
        if !pushes.isEmpty {
            do {
                let inserted: Result<Void, any Error>
                do {
                    try await insertMany(connection, pushes.flatMap { jobs[$0].messages ?? [] })
                    inserted = .success(())
                } catch {
                    inserted = .failure(error)
                }
                _ = try await begin.get()
                try inserted.get()
            } catch {
                try await connection.run("ROLLBACK", [])
                try await connection.run("BEGIN", [])
                alone += pushes
            }
        }
        let records = jobs.indices.filter { jobs[$0].report != nil }
        if !records.isEmpty {
            try await connection.run("SAVEPOINT records", [])
            do {
                try await recordMany(connection, records.compactMap { jobs[$0].report }, secrets: secrets)
                try await connection.run("RELEASE SAVEPOINT records", [])
            } catch {
                try await connection.run("ROLLBACK TO SAVEPOINT records", [])
                alone += records
            }
        }
        for index in alone {
            try await connection.run("SAVEPOINT job", [])
            do {
                try await jobs[index].run(connection, secrets: secrets)
                try await connection.run("RELEASE SAVEPOINT job", [])
            } catch {
                try await connection.run("ROLLBACK TO SAVEPOINT job", [])
                errors[index] = error
            }
        }
        if !alone.isEmpty || !records.isEmpty { try await connection.run("SELECT pg_notify(?, 'work')", [.text(PostgresDatabase.channel)]) }
        let written = ContinuousClock.now
        try await connection.run("COMMIT", [])
        report?(.written, written - started)
        report?(.synced, .now - written)
        return errors
    }
}
