import Hummingbird
import NIOCore

/// The request context of every hub route: Hummingbird's basic context plus the peer's address,
/// which the console's sign-in limit and `--trusted-proxies` need, and the console's form token.
public struct HubRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The address of the connection's other end (a proxy's, behind one).
    public let remoteAddress: SocketAddress?
    /// On a signed-in console page: the session's form token, which every form on the page
    /// carries back (set by the console's sign-in middleware, nil everywhere else).
    public var consoleFormToken: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.consoleFormToken = nil
    }
}
