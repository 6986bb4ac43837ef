import Foundation

/// The table the harness prints: one row per measure, each beside its same-run baseline.
struct BenchTable {
    struct Row {
        var measure: String
        var value: String
        var detail: String
        var ratio: Double
        var target: String
    }

    private(set) var rows: [Row] = []

    mutating func add(_ measure: String, value: String, detail: String, ratio: Double, target: String) {
        rows.append(Row(measure: measure, value: value, detail: detail, ratio: ratio, target: target))
        FileHandle.standardError.write(Data("bench: \(measure): \(value) (\(detail))\n".utf8))
    }

    func render(machine: String) -> String {
        var out = "\(machine)\n\n| measure | result | detail | ratio | target |\n|---|---|---|---|---|\n"
        // In the rows' numeric order (10 after 9, not after 1), then by name (4 before 4b).
        let order = { (row: Row) in (Int(row.measure.prefix { $0.isNumber }) ?? .max, row.measure) }
        for row in rows.sorted(by: { order($0) < order($1) }) {
            out +=
                "| \(row.measure) | \(row.value) | \(row.detail) | \(row.ratio.isNaN ? "–" : String(format: "%.2f", row.ratio)) | \(row.target) |\n"
        }
        return out
    }
}

/// Cores, CPU model and filesystem, for the table's heading.
enum Machine {
    static func describe(_ folder: URL) -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpu.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces)
            ?? "unknown CPU"
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let filesystem =
            (try? Shell.run("/usr/bin/df", ["-T", folder.path]))?.split(separator: "\n").dropFirst().first
            .map { $0.split(separator: " ", omittingEmptySubsequences: true) }.map { "\($0[1]) on \($0[0])" } ?? "unknown filesystem"
        return "Machine: \(cores) cores, \(model); data on \(filesystem); \(ISO8601DateFormatter().string(from: Date()))"
    }
}
