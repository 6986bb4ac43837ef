import ArgumentParser
import AsyncHTTPClient
import EndpointKit
import Foundation
import Hummingbird
import Logging
import NIOCore
import SpreeEndpoint

/// `spree-endpoint`: the Spree endpoint as an HTTP service for the hub.
@main
struct SpreeEndpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spree-endpoint",
        abstract: "The Spree endpoint: hub messages in, Spree API calls out.",
        subcommands: [Serve.self]
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the endpoint's services and /endpoint.json.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one and prints it).") var port = 4000
    @Option(help: "The key the hub must send as X-Augury-Token (ENDPOINT_KEY).") var token: String?
    @Option(
        name: .customLong("signing-secret"),
        help: "A Standard Webhooks secret (whsec_...): requests must be signed with it (ENDPOINT_SIGNING_SECRET)."
    )
    var signingSecret: String?

    func run() async throws {
        let key = token ?? ProcessInfo.processInfo.environment["ENDPOINT_KEY"]
        if key?.isEmpty ?? true {
            FileHandle.standardError.write(Data("spree-endpoint: no --token or ENDPOINT_KEY: every request will be accepted\n".utf8))
        }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var endpoint = SpreeEndpoint.make(key: key, http: http)
        if let secret = signingSecret ?? ProcessInfo.processInfo.environment["ENDPOINT_SIGNING_SECRET"], !secret.isEmpty {
            endpoint.signingSecrets = [secret]
        }
        var logger = Logger(label: "spree-endpoint")
        logger.logLevel = .warning
        let host = self.host
        let app = endpoint.application(host: host, port: port, logger: logger) { channel in
            FileHandle.standardOutput.write(Data("Spree endpoint listening on http://\(host):\(channel.localAddress?.port ?? 0)\n".utf8))
        }
        do {
            try await app.runService()
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }
}
