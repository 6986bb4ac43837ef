import Foundation
import IntegratorModel
import IntegratorStore

/// The console's small pure helpers: path segments and query strings, form bodies, and the
/// one bit of markup it draws itself (the activity chart).
enum ConsoleView {
    /// A path segment, percent-encoded so names with spaces or slashes survive a link.
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A query string from the given parameters, skipping empty ones.
    static func query(_ parameters: [(String, String?)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        let pairs = parameters.compactMap { key, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }

    /// `application/x-www-form-urlencoded` fields; the last of a repeated name wins.
    static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// The last hour as an inline SVG bar chart: received per minute in blue, failed attempts
    /// in red over them. Built from numbers only, so it is safe to insert unescaped.
    static func chart(_ slots: [ActivitySlot], width: Int = 960, height: Int = 120) -> String {
        let peak = max(1, slots.map { max($0.received, $0.failed) }.max() ?? 1)
        let step = Double(width) / Double(max(1, slots.count))
        var bars = ""
        for (index, slot) in slots.enumerated() {
            let x = Double(index) * step
            let received = Double(slot.received) / Double(peak) * Double(height - 4)
            let failed = Double(slot.failed) / Double(peak) * Double(height - 4)
            bars +=
                "<rect x=\"\(Int(x))\" y=\"\(Int(Double(height) - received))\" width=\"\(max(1, Int(step) - 2))\" height=\"\(Int(received))\""
                + " fill=\"#2457c5\" opacity=\"0.75\"><title>\(slot.received) received, \(slot.failed) failed</title></rect>"
            if slot.failed > 0 {
                bars +=
                    "<rect x=\"\(Int(x) + 2)\" y=\"\(Int(Double(height) - failed))\" width=\"\(max(1, Int(step) - 6))\""
                    + " height=\"\(Int(failed))\" fill=\"#c4320a\"></rect>"
            }
        }
        return
            "<svg id=\"activity\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\" height=\"\(height)\" preserveAspectRatio=\"none\" role=\"img\""
            + " aria-label=\"messages per minute\"><line x1=\"0\" y1=\"\(height - 1)\" x2=\"\(width)\" y2=\"\(height - 1)\" stroke=\"#e4e7ec\"/>"
            + "\(bars)</svg>"
    }
}
