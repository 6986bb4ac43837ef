import Foundation
import IntegratorModel

/// A setting of `integrator serve` that is out of range or not a number.
public struct SettingError: Error, CustomStringConvertible {
    public var description: String
}

extension HubConfiguration {
    /// A numeric setting: its flag, its variable, the range it must fall in, and where it goes.
    struct NumericSetting: Sendable {
        var flag: String
        var variable: String
        var range: ClosedRange<Double>
        var whole: Bool
        var apply: @Sendable (inout HubConfiguration, Double) -> Void
    }

    /// Every numeric setting, bounded so that no value (NaN, 1e300, a negative) can reach a
    /// conversion or a timer.
    static let numericSettings: [NumericSetting] = [
        .init(flag: "port", variable: "INTEGRATOR_PORT", range: 0...65_535, whole: true) { $0.port = Int($1) },
        .init(flag: "rate-limit", variable: "INTEGRATOR_RATE_LIMIT", range: 0...1_000_000, whole: false) { $0.rateLimit = $1 },
        .init(flag: "idle-timeout", variable: "INTEGRATOR_IDLE_TIMEOUT", range: 1...86_400, whole: false) { $0.idleTimeout = $1 },
        .init(flag: "header-timeout", variable: "INTEGRATOR_HEADER_TIMEOUT", range: 1...3600, whole: false) { $0.headerTimeout = $1 },
        .init(flag: "body-timeout", variable: "INTEGRATOR_BODY_TIMEOUT", range: 1...3600, whole: false) { $0.bodyTimeout = $1 },
        .init(flag: "max-connections", variable: "INTEGRATOR_MAX_CONNECTIONS", range: 0...1_000_000, whole: true) { $0.maxConnections = Int($1) },
        .init(flag: "shutdown-grace", variable: "INTEGRATOR_SHUTDOWN_GRACE", range: 0...3600, whole: false) { $0.shutdownGrace = $1 },
        .init(flag: "", variable: "INTEGRATOR_POLL_INTERVAL", range: 0.01...3600, whole: false) { $0.pollInterval = $1 },
        .init(flag: "", variable: "INTEGRATOR_SCHEDULER_TICK", range: 0.01...3600, whole: false) { $0.schedulerTick = $1 },
        .init(flag: "", variable: "INTEGRATOR_LEASE_MARGIN", range: 1...86_400, whole: false) { $0.leaseMargin = $1 },
        .init(flag: "", variable: "INTEGRATOR_DELIVERY_CONCURRENCY", range: 1...10_000, whole: true) { $0.deliveryConcurrency = Int($1) },
    ]

    /// Reads the numeric settings: a flag's value (by flag name) wins over its variable. A value
    /// that is not a number, or is out of range, is an error naming the setting and its range.
    public mutating func readNumbers(flags: [String: String], environment: [String: String]) throws {
        for setting in Self.numericSettings {
            let source: (name: String, text: String)?
            if !setting.flag.isEmpty, let text = flags[setting.flag] {
                source = ("--\(setting.flag)", text)
            } else if let text = environment[setting.variable] {
                source = (setting.variable, text)
            } else {
                source = nil
            }
            guard let source else { continue }
            let text = source.text.trimmingCharacters(in: .whitespaces)
            guard text.utf8.count <= 32, let value = Double(text), setting.range.contains(value), !setting.whole || value.rounded() == value else {
                let bounds =
                    setting.whole
                    ? "\(Int(setting.range.lowerBound)) to \(Int(setting.range.upperBound))"
                    : "\(setting.range.lowerBound) to \(setting.range.upperBound)"
                throw SettingError(
                    description:
                        "\(source.name) must be a \(setting.whole ? "whole number" : "number") from \(bounds), not '\(source.text.prefix(32))'"
                )
            }
            setting.apply(&self, value)
        }
    }
}

extension HubConfiguration {
    /// Reads the security settings (SPEC: a flag wins over its variable): the admin token from
    /// `--admin-token`, `--admin-token-file`, `INTEGRATOR_ADMIN_TOKEN` or
    /// `INTEGRATOR_ADMIN_TOKEN_FILE` (a file's surrounding whitespace ignored; a file keeps the
    /// token out of `ps`), the secret key file, the delivery targets, the trusted proxies and the
    /// metrics token. A value that cannot be used is an error naming its setting.
    public mutating func readSecurity(flags: [String: String], environment: [String: String]) throws {
        func value(_ flag: String, _ variable: String) -> (name: String, text: String)? {
            if let text = flags[flag] { return ("--\(flag)", text) }
            if let text = environment[variable] { return (variable, text) }
            return nil
        }
        if let token = flags["admin-token"] {
            adminToken = token
        } else if let path = flags["admin-token-file"] {
            adminToken = try Self.readTokenFile(path, setting: "--admin-token-file")
        } else if let token = environment["INTEGRATOR_ADMIN_TOKEN"] {
            adminToken = token
        } else if let path = environment["INTEGRATOR_ADMIN_TOKEN_FILE"] {
            adminToken = try Self.readTokenFile(path, setting: "INTEGRATOR_ADMIN_TOKEN_FILE")
        }
        if let (_, text) = value("secret-key-file", "INTEGRATOR_SECRET_KEY_FILE"), !text.isEmpty { secretKeyFile = text }
        if let (name, text) = value("delivery-targets", "INTEGRATOR_DELIVERY_TARGETS") {
            switch DeliveryTargets.parse(text) {
            case .success(let targets): deliveryTargets = targets
            case .failure(let error):
                throw SettingError(
                    description: "\(name): \(error.problems.first?.problem ?? "is not valid"); use any, public, or host names and CIDRs"
                )
            }
        }
        if let (name, text) = value("trusted-proxies", "INTEGRATOR_TRUSTED_PROXIES") {
            var networks: [IPNetwork] = []
            for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                guard let network = IPNetwork(item) else {
                    throw SettingError(description: "\(name): '\(item.prefix(64))' is not an address or a network such as 10.0.0.0/8")
                }
                networks.append(network)
            }
            trustedProxies = networks
        }
        if let token = environment["INTEGRATOR_METRICS_TOKEN"], !token.isEmpty { metricsToken = token }
        if let (name, text) = value("retention", "INTEGRATOR_RETENTION") {
            switch RetentionPeriod.parse(text) {
            case .success(let period): retention = period
            case .failure(let error): throw SettingError(description: "\(name) \(error.problems.first?.problem ?? "is not valid")")
            }
        }
    }

    /// A token from a file, whitespace around it ignored.
    static func readTokenFile(_ path: String, setting: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingError(description: "\(setting): cannot read \(path)")
        }
        return String(decoding: data.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Why the admin token given cannot be used, or nil.
    var adminTokenProblem: String? {
        guard let adminToken, !adminToken.isEmpty else { return nil }
        if adminToken.count < Self.minimumTokenLength || adminToken.utf8.count > 256 {
            return "the admin token must be \(Self.minimumTokenLength) to 256 characters (32 random ones or more is wise); "
                + "generate one with `openssl rand -hex 32`"
        }
        return nil
    }
}
