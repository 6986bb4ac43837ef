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
        var fields: JSONObject = ["error": .string(message)]
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

    /// The one mapping of the hub's error types to HTTP: a validation error (any decoder's) is
    /// 422 naming each problem, a store error answers by its kind, a config document's problems
    /// are 422. Nil for an error that is not the hub's (it stays a 500).
    static func mapping(_ error: any Error) -> APIError? {
        switch error {
        case let error as APIError: return error
        case let error as ValidationError: return .invalid(error)
        case let error as StoreError: return .from(error)
        case let error as ConfigError: return APIError(.unprocessableContent, error.message, problems: error.problems)
        default: return nil
        }
    }

    /// Runs `body`, answering the hub's errors as `mapping` says: where the API and the
    /// console's shared operations meet the model and the store.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw mapping(error) ?? error }
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
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}

/// Answers the hub's own errors that reach the router (a validation error, a store error, a
/// config document's problems) as `APIError.mapping` says, in the API's one JSON shape, rather
/// than as a bare 500.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw APIError.mapping(error) ?? error
        }
    }
}
