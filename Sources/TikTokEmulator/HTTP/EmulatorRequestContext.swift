public import Hummingbird
import NIOCore

/// The request context of the emulator's router (``TikTokEmulator/makeRouter()``): Hummingbird's basic context, plus
/// the connection the request came on, so that an injected fault can drop it without an answer.
public struct EmulatorRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The connection of the request.
    let channel: any Channel

    /// Creates the context of a request that arrived on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Closes the request's connection at once: the client sees it closed before any response.
    func dropConnection() async {
        // The close may race with the peer's own; either way the connection is gone.
        try? await self.channel.close(mode: .all)
    }
}
