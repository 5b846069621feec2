import Hummingbird
import NIOCore

/// The service's request context: Hummingbird's basics, the peer's address (for per-client rate limits) and the
/// authenticated API caller.
public struct ServerRequestContext: RequestContext, RemoteAddressRequestContext, CallerRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The address of the connection's peer (a proxy, when the service runs behind one); `nil` in-process.
    public let remoteAddress: SocketAddress?
    /// The `/v1` caller, once authenticated.
    public var caller: APICaller?

    /// Creates the context of a request on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
