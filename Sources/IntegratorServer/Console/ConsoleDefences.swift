import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel

/// The console's defences that are not the cookie: framing and sniffing headers on every
/// console answer, and the cross-site check on every form post.
enum ConsoleDefences {
    static let contentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!

    /// Why a form post comes from another site, or nil: an `Origin` naming another host (or
    /// `null`), or `Sec-Fetch-Site: cross-site`. `host` is the host the client asked for.
    static func crossSite(origin: String?, fetchSite: String?, host: String?) -> String? {
        if fetchSite?.lowercased() == "cross-site" { return "the form was posted from another site (Sec-Fetch-Site: cross-site)" }
        guard let origin else { return nil }
        guard origin != "null", let components = URLComponents(string: origin), let scheme = components.scheme?.lowercased(),
            let originHost = components.host?.lowercased()
        else { return "the form was posted from another site (Origin: \(origin.prefix(100)))" }
        // Default ports are left out on both sides: `http://h:80` and `Host: h` are one site.
        let port = components.port.flatMap { (scheme == "http" && $0 == 80) || (scheme == "https" && $0 == 443) ? nil : $0 }
        let authority = port.map { "\(originHost):\($0)" } ?? originHost
        var expected = (host ?? "").lowercased()
        for suffix in [":80", ":443"] where expected.hasSuffix(suffix) { expected = String(expected.dropLast(suffix.count)) }
        guard authority == expected else { return "the form was posted from another site (Origin: \(origin.prefix(100)))" }
        return nil
    }

    /// Throws a 403 naming why when a form post comes from another site (`crossSite` over the
    /// request's own headers and the host it was sent to).
    static func refuseCrossSite(_ request: Request, context: HubRequestContext, trusted: [IPNetwork]) throws {
        if let why = crossSite(
            origin: request.headers[.origin],
            fetchSite: request.headers[secFetchSite],
            host: host(request, context: context, trusted: trusted)
        ) {
            throw APIError(.forbidden, why)
        }
    }

    /// Who sent `request` and whether over HTTPS, believing forwarded headers only from a
    /// trusted proxy.
    static func client(_ request: Request, context: HubRequestContext, trusted: [IPNetwork]) -> ForwardedClient {
        ForwardedClient.resolve(
            peer: context.remoteAddress?.ipAddress,
            forwardedFor: request.headers[values: forwardedFor],
            forwardedProto: request.headers[forwardedProto],
            trusted: trusted
        )
    }

    /// The host the client asked for: `X-Forwarded-Host` from a trusted proxy, else `Host`.
    static func host(_ request: Request, context: HubRequestContext, trusted: [IPNetwork]) -> String? {
        if let peer = context.remoteAddress?.ipAddress.flatMap(IPAddress.init), trusted.contains(where: { $0.contains(peer) }),
            let forwarded = request.headers[forwardedHost]?.split(separator: ",").last
        {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return request.head.authority
    }
}

/// Adds `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff` and the console's
/// `Content-Security-Policy` to every answer under `/console` (pages, redirects and errors).
struct ConsoleHeadersMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == "/" || request.uri.path.hasPrefix("/console") else { return try await next(request, context) }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.contentSecurityPolicy] = ConsoleDefences.contentSecurityPolicy
        return response
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
