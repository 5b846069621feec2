import Hummingbird
import NIOCore

/// The service's request context: Hummingbird's basics plus the peer's address (for per-client rate limits).
public struct ServerRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The address of the connection's peer (a proxy, when the service runs behind one); `nil` in-process.
    public let remoteAddress: SocketAddress?

    /// Creates the context of a request on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
