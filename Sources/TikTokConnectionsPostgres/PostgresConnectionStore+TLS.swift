internal import Foundation
internal import Logging
internal import NIOCore
internal import NIOSSL
internal import PostgresNIO
internal import Synchronization
internal import TikTokConnections

extension PostgresConnectionStore.Configuration {
    /// Whether the store's connections use TLS, and what they check of the server's certificate: libpq's `sslmode`.
    ///
    /// There is no `prefer` or `allow`: a connection that must be encrypted is never made in plaintext instead.
    public struct TLS: Sendable, Hashable, CustomStringConvertible {
        enum Mode: Hashable { case disable, require, verifyCA, verifyFull }

        let mode: Mode
        /// The certificates trusted to sign the server's: `nil` when the certificate is not checked.
        public let trustRoots: TrustRoots?

        private init(mode: Mode, trustRoots: TrustRoots?) {
            self.mode = mode
            self.trustRoots = trustRoots
        }

        /// No TLS (`sslmode=disable`): for a loopback host, or a network you trust.
        public static let disable = TLS(mode: .disable, trustRoots: nil)

        /// TLS without checking the server's certificate (`sslmode=require`): encrypted, but not protected against
        /// a man in the middle.
        public static let require = TLS(mode: .require, trustRoots: nil)

        /// TLS; the server's certificate must chain to `trustRoots`, whatever host name it names (`sslmode=verify-ca`).
        public static func verifyCA(_ trustRoots: TrustRoots = .system) -> TLS {
            TLS(mode: .verifyCA, trustRoots: trustRoots)
        }

        /// TLS; the server's certificate must chain to `trustRoots` and name the host connected to (its DNS name,
        /// or its IP address for a host given as one) (`sslmode=verify-full`).
        public static func verifyFull(_ trustRoots: TrustRoots = .system) -> TLS {
            TLS(mode: .verifyFull, trustRoots: trustRoots)
        }

        /// The mode as URL options, for example `sslmode=verify-full, sslrootcert=system`.
        public var description: String {
            guard let trustRoots else { return sslmode }
            return "\(sslmode), sslrootcert=\(trustRoots)"
        }

        /// The mode alone, for example `sslmode=verify-full`.
        var sslmode: String {
            switch mode {
            case .disable: "sslmode=disable"
            case .require: "sslmode=require"
            case .verifyCA: "sslmode=verify-ca"
            case .verifyFull: "sslmode=verify-full"
            }
        }

        /// The certificates trusted to sign the server's certificate (libpq's `sslrootcert`).
        public struct TrustRoots: Sendable, Hashable, CustomStringConvertible {
            enum Source: Hashable { case system, file(String) }
            let source: Source

            /// The operating system's trust store (`sslrootcert=system`).
            public static let system = TrustRoots(source: .system)

            /// The PEM certificates in the file at `path` (`sslrootcert=PATH`), for a private CA.
            public static func file(_ path: String) -> TrustRoots { TrustRoots(source: .file(path)) }

            /// `system` or the file's path.
            public var description: String {
                switch source {
                case .system: "system"
                case .file(let path): path
                }
            }
        }

        /// ``disable`` for a loopback host (`localhost`, `127.x.x.x`, `::1`), ``verifyFull(_:)`` against the system's
        /// trust store for any other.
        static func defaultMode(forHost host: String) -> TLS {
            isLoopback(host) ? .disable : .verifyFull(.system)
        }

        static func isLoopback(_ host: String) -> Bool {
            let host = host.lowercased()
            if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "127" else { return false }
            return parts.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && UInt8(part) != nil
            }
        }

        /// The mode named by a URL's `sslmode` and `sslrootcert` options; `nil` when neither is given.
        init?(sslmode: String?, sslrootcert: String?) throws {
            var trustRoots: TrustRoots?
            switch sslrootcert {
            case nil:
                break
            case "system":
                trustRoots = .system
            case let path?:
                trustRoots = .file(try Self.checkedRootCertificateFile(path))
            }
            switch sslmode {
            case nil:
                guard let trustRoots else { return nil }
                self = .verifyFull(trustRoots)
            case "disable":
                guard trustRoots == nil else {
                    throw ConnectionStoreError(
                        "The PostgreSQL URL option sslrootcert cannot be used with sslmode=disable")
                }
                self = .disable
            case "require":
                // As libpq: with a root certificate file, `require` checks the chain like `verify-ca`.
                switch trustRoots {
                case nil: self = .require
                case .some(let roots) where roots == .system: throw Self.systemNeedsVerifyFull("require")
                case .some(let roots): self = .verifyCA(roots)
                }
            case "verify-ca":
                guard trustRoots != .system else { throw Self.systemNeedsVerifyFull("verify-ca") }
                self = .verifyCA(trustRoots ?? .system)
            case "verify-full":
                self = .verifyFull(trustRoots ?? .system)
            case "allow", "prefer":
                throw ConnectionStoreError(
                    "The PostgreSQL URL option sslmode=allow or prefer is not supported: it falls back to an "
                        + "unencrypted connection silently; use sslmode=disable, require, verify-ca or verify-full")
            default:
                throw ConnectionStoreError(
                    "The PostgreSQL URL option sslmode must be disable, require, verify-ca or verify-full")
            }
        }

        private static func systemNeedsVerifyFull(_ mode: String) -> ConnectionStoreError {
            ConnectionStoreError(
                "The PostgreSQL URL option sslrootcert=system needs sslmode=verify-full (not \(mode)): any public "
                    + "CA can sign a certificate for some other host")
        }

        /// `path` when it is a readable file of PEM certificates; a ``ConnectionStoreError`` naming the option if not.
        private static func checkedRootCertificateFile(_ path: String) throws -> String {
            guard !path.isEmpty else {
                throw ConnectionStoreError("The PostgreSQL URL option sslrootcert is empty")
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ConnectionStoreError(
                    "The PostgreSQL URL option sslrootcert names a file that does not exist: \(path)")
            }
            // Only a regular file is read (a device such as /dev/zero would never end).
            let type = (try? FileManager.default.attributesOfItem(atPath: path)[.type]) as? FileAttributeType
            guard !isDirectory.boolValue, type == .typeRegular else {
                throw ConnectionStoreError(
                    "The PostgreSQL URL option sslrootcert does not name a regular file: \(path)")
            }
            guard let certificates = try? NIOSSLCertificate.fromPEMFile(path), !certificates.isEmpty else {
                throw ConnectionStoreError(
                    "The PostgreSQL URL option sslrootcert names a file with no readable PEM certificate: \(path)")
            }
            return path
        }

        /// NIOSSL's client configuration for this mode; `nil` for ``disable``.
        var clientConfiguration: TLSConfiguration? {
            var configuration = TLSConfiguration.makeClientConfiguration()
            switch mode {
            case .disable: return nil
            case .require: configuration.certificateVerification = .none
            case .verifyCA: configuration.certificateVerification = .noHostnameVerification
            case .verifyFull: configuration.certificateVerification = .fullVerification
            }
            switch trustRoots?.source {
            case nil, .system: configuration.trustRoots = .default
            case .file(let path): configuration.trustRoots = .file(path)
            }
            return configuration
        }

        /// The pool's TLS setting: `.require`, never `.prefer`, whenever TLS is on.
        var clientTLS: PostgresClient.Configuration.TLS {
            guard let clientConfiguration else { return .disable }
            return .require(clientConfiguration)
        }
    }
}

// MARK: - Why connections fail

extension PostgresConnectionStore {
    /// Opens one connection outside the pool, as the pool would, and closes it: `nil` when that works, else a
    /// sentence on why it fails (the pool retries failed connections in silence, so an operation that waited in vain
    /// for one knows no reason by itself).
    static func probeConnection(_ configuration: Configuration, logger: Logger) async -> String? {
        do {
            var tls = PostgresConnection.Configuration.TLS.disable
            if let clientConfiguration = configuration.tls.clientConfiguration {
                tls = .require(try NIOSSLContext(configuration: clientConfiguration))
            }
            var connectionConfiguration = PostgresConnection.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: tls)
            let (seconds, attoseconds) = configuration.connectTimeout.components
            connectionConfiguration.options.connectTimeout = .nanoseconds(
                seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            let connection = try await PostgresConnection.connect(
                configuration: connectionConfiguration, id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch {
            return connectFailure(error, configuration: configuration)
        }
    }

    /// A sentence on why a connection failed, naming the TLS mode when it is the cause. Never the password, nor the
    /// server's detail beyond an authentication refusal (which names only the host, role and database).
    static func connectFailure(_ error: any Error, configuration: Configuration) -> String {
        let tls = configuration.tls
        let roots = tls.trustRoots.map { $0 == .system ? "the system's trust store" : "the CA certificates in \($0)" }
        var inner: any Error = error
        if let error = error as? PSQLError {
            if error.code == .sslUnsupported {
                return "the server does not accept TLS connections, which \(tls) requires"
            }
            if let sqlState = error.serverInfo?[.sqlState] {
                guard sqlState.hasPrefix("28") else {
                    return "the server refused the connection: PostgreSQL error \(sqlState)"
                }
                // Class 28, invalid authorization: the message names the host, role and database, never a password.
                var text = "the server refused the connection: PostgreSQL error \(sqlState)"
                if let message = error.serverInfo?[.message] { text += ": \(message)" }
                if tls.mode == .disable {
                    text +=
                        " (with sslmode=disable; a server that accepts only TLS needs sslmode=verify-full or require)"
                }
                return text
            }
            guard let underlying = error.underlying else { return "PostgreSQL client error \(error.code)" }
            inner = underlying
        }
        if let error = inner as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the host name \(configuration.host) does not match the server's certificate (\(tls.sslmode) checks "
                + "that the certificate names the host: connect by a name or address it lists)"
        }
        if let error = inner as? NIOSSLError {
            switch error {
            case .handshakeFailed(let reason) where "\(reason)".contains("CERTIFICATE_VERIFY_FAILED"):
                return "the server's certificate is not trusted: it does not chain to \(roots ?? "a trusted CA") "
                    + "(\(tls.sslmode))"
            case .handshakeFailed:
                return "the TLS handshake with the server failed (\(tls))"
            case .failedToLoadCertificate, .noSuchFilesystemObject:
                return "the sslrootcert file could not be loaded as PEM certificates (\(tls))"
            default:
                return "TLS error \(error) (\(tls))"
            }
        }
        return "could not connect to \(configuration.host):\(configuration.port) (\(type(of: inner)))"
    }
}

/// Runs at most one connection probe at a time, and reuses its answer for a while, so that many operations timing out
/// together (the database down under load) open one extra connection, not one each.
final class ConnectFailureDiagnosis: Sendable {
    /// How long a probe's answer is reused.
    static let reuse: Duration = .seconds(10)
    /// How long an operation that already waited for a connection waits for the probe's answer.
    static let patience: Duration = .seconds(2)

    private struct State {
        var answeredAt: ContinuousClock.Instant?
        var answer: String?
        var probing = false
    }
    private let state = Mutex(State())

    /// Why connections fail, per a recent probe or a new one (`probe`); `nil` when it is not known (in time) or they
    /// do not (all the pool's connections were merely busy).
    func reason(_ probe: @escaping @Sendable () async -> String?) async -> String? {
        let now = ContinuousClock.now
        let start = state.withLock { state -> Bool in
            if let answeredAt = state.answeredAt, now - answeredAt < Self.reuse { return false }
            guard !state.probing else { return false }
            state.probing = true
            return true
        }
        guard start else { return state.withLock { $0.probing ? nil : $0.answer } }
        let outcome = OperationOutcome<String?>()
        // Unstructured, so that a probe slower than `patience` does not hold up the operation's error; it ends within
        // the connect timeout, and records its answer for the next operations.
        Task {
            let answer = await probe()
            state.withLock { state in
                state.answer = answer
                state.answeredAt = .now
                state.probing = false
            }
            outcome.finish(with: .success(answer))
        }
        let timer = Task {
            try await Task.sleep(for: Self.patience)
            outcome.finish(with: .success(nil))
        }
        defer { timer.cancel() }
        return (try? await outcome.value()) ?? nil
    }
}
