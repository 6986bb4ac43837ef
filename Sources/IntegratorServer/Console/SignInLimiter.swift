import Foundation
import Synchronization

/// Slows down guessing: after `limit` failed sign-ins within a minute from one client address,
/// sign-in answers 429 until that minute is over. The window starts at the first failure. The
/// table is bounded; past its size the oldest windows are dropped first.
final class SignInLimiter: Sendable {
    static let limit = 10
    static let window: Double = 60
    static let capacity = 10_000

    private struct Window {
        var start: Double
        var failures: Int
    }

    private let windows = Mutex<[String: Window]>([:])

    /// Seconds until `address` may try again, or nil when it may now.
    func retryAfter(_ address: String, now: Double) -> Int? {
        windows.withLock { windows in
            guard let window = windows[address] else { return nil }
            let end = window.start + Self.window
            if now >= end {
                windows[address] = nil
                return nil
            }
            return window.failures >= Self.limit ? max(1, Int((end - now).rounded(.up))) : nil
        }
    }

    /// Counts a failed sign-in from `address`.
    func failed(_ address: String, now: Double) {
        windows.withLock { windows in
            if var window = windows[address], now < window.start + Self.window {
                window.failures += 1
                windows[address] = window
                return
            }
            if windows.count >= Self.capacity {
                windows = windows.filter { now < $0.value.start + Self.window }
                while windows.count >= Self.capacity, let oldest = windows.min(by: { $0.value.start < $1.value.start }) {
                    windows[oldest.key] = nil
                }
            }
            windows[address] = Window(start: now, failures: 1)
        }
    }
}
