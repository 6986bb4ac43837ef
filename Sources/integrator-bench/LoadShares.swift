import Foundation

/// Where a load's time went on the whole machine: the share of both cores left idle, from
/// `/proc/stat` before and after. An ingest row bound by its CPU leaves next to none; one that
/// leaves a fifth idle is bound by a wait (a commit, a round trip), which is what this tells apart.
struct MachineTimes {
    let idle: Double
    let total: Double

    static func now() -> MachineTimes {
        let text = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? ""
        // "cpu  user nice system idle iowait irq softirq steal …", in clock ticks.
        let fields = text.split(separator: "\n").first?.split(separator: " ").dropFirst().compactMap { Double($0) } ?? []
        guard fields.count >= 5 else { return MachineTimes(idle: .nan, total: .nan) }
        return MachineTimes(idle: fields[3] + fields[4], total: fields.reduce(0, +))
    }

    /// The share of the machine's time idle since `earlier`.
    func idleShare(since earlier: MachineTimes) -> Double {
        let total = total - earlier.total
        return total > 0 ? (idle - earlier.idle) / total : .nan
    }
}

/// The hub's group commits from its `/metrics`: how many writes each carried, and the mean time
/// a write waited for its batch (`queued`) and a batch took to write (`written`) and to become
/// durable (`synced`).
struct CommitMeans {
    let writesPerCommit: Double
    let queued: Double
    let written: Double
    let synced: Double

    static func read(exposition: String) -> CommitMeans? {
        var sums: [String: Double] = [:]
        var counts: [String: Double] = [:]
        for line in exposition.split(separator: "\n") where line.hasPrefix("integrator_store_commit_seconds_") {
            guard let open = line.firstIndex(of: "{"), let value = line.split(separator: " ").last.flatMap({ Double($0) }),
                let stage = CommitStageTails.label("stage", in: line)
            else { continue }
            switch line[..<open] {
            case "integrator_store_commit_seconds_sum": sums[stage] = value
            case "integrator_store_commit_seconds_count": counts[stage] = value
            default: continue
            }
        }
        func mean(_ stage: String) -> Double? {
            guard let sum = sums[stage], let count = counts[stage], count > 0 else { return nil }
            return sum / count * 1000
        }
        guard let queued = mean("queued"), let written = mean("written"), let synced = mean("synced"),
            let writes = counts["queued"], let commits = counts["synced"], commits > 0
        else { return nil }
        return CommitMeans(writesPerCommit: writes / commits, queued: queued, written: written, synced: synced)
    }

    var summary: String {
        String(format: "%.1f writes a commit, mean queued %.2f ms, written %.2f ms, synced %.2f ms", writesPerCommit, queued, written, synced)
    }
}
