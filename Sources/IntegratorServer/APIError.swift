import Foundation
import HTTPTypes
import Hummingbird
import IntegratorModel
import IntegratorStore

/// An error the API answers with: a status and one JSON shape, `{error, errors?}`, where
/// `error` says what went wrong and `errors` lists every problem with its path.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var problems: [Problem]
    public var headers: HTTPFields

    /// The most problems one error lists; past it a last entry says how many more there were,
    /// so a large bad body cannot make a larger answer.
    public static let maximumProblems = 100

    public init(_ status: HTTPResponse.Status, _ message: String, problems: [Problem] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.problems = problems
        self.headers = headers
        if problems.count > Self.maximumProblems {
            let more = problems.count - Self.maximumProblems
            self.problems = Array(problems.prefix(Self.maximumProblems))
            self.problems.append(Problem(path: "", problem: "and \(more) more problem(s), not listed (at most \(Self.maximumProblems) are)"))
        }
    }

    public var body: JSONValue {
        var fields: [String: JSONValue] = ["error": .string(message)]
        if !problems.isEmpty {
            fields["errors"] = .array(problems.map { .object(["path": .string($0.path), "problem": .string(String($0.problem.prefix(1000)))]) })
        }
        return .object(fields)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.json(body, status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    static func unauthorized(_ message: String = "unknown credentials: check the store id and its token") -> APIError {
        APIError(.unauthorized, message)
    }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, what) }

    static func invalid(_ error: ValidationError) -> APIError {
        APIError(.unprocessableContent, error.summary, problems: error.problems)
    }

    static func invalid(_ message: String, path: String, problem: String) -> APIError {
        APIError(.unprocessableContent, message, problems: [Problem(path: path, problem: problem)])
    }

    /// Maps a store error to its status.
    static func from(_ error: StoreError) -> APIError {
        switch error {
        case .notFound(let what): return APIError(.notFound, what)
        case .conflict(let what): return APIError(.conflict, what)
        case .invalid(let what): return APIError(.unprocessableContent, what)
        case .unavailable(let what): return APIError(.serviceUnavailable, what)
        }
    }
}

extension Response {
    /// A JSON response with our encoder's stable bytes.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = value.encoded()
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
