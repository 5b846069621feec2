/// An error from an ``EmulatorControl`` operation (and a 400 answer on the `/_emulator` HTTP API).
public struct EmulatorControlError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of a control error; new kinds may be added.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidArgument
            case unknownApp
            case unregisteredRedirectURI
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// An argument is missing or out of range.
        public static let invalidArgument = Kind(.invalidArgument)
        /// No app has the given id.
        public static let unknownApp = Kind(.unknownApp)
        /// The redirect URI is not registered for the app.
        public static let unregisteredRedirectURI = Kind(.unregisteredRedirectURI)

        public var description: String { self.base.rawValue }
    }

    /// The kind of error.
    public let kind: Kind
    /// What was wrong.
    public let reason: String

    private init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// An argument is missing or out of range.
    public static func invalidArgument(_ reason: String) -> Self { .init(.invalidArgument, reason) }
    /// No app has this id.
    public static func unknownApp(_ appID: String) -> Self { .init(.unknownApp, "unknown app_id \(appID)") }
    /// The redirect URI is not registered for the app.
    public static func unregisteredRedirectURI(_ uri: String) -> Self {
        .init(.unregisteredRedirectURI, "redirect_uri \(uri) is not registered for this app")
    }

    public var description: String { "EmulatorControlError.\(self.kind): \(self.reason)" }
}
