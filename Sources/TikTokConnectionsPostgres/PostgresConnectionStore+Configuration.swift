internal import Foundation
internal import TikTokConnections

extension PostgresConnectionStore {
    /// Where the PostgreSQL server is, and how the store's connection pool behaves.
    ///
    /// ```swift
    /// var configuration = try PostgresConnectionStore.Configuration(url: "postgres://vault:secret@db:5432/vault")
    /// configuration.maximumConnections = 10
    /// ```
    public struct Configuration: Sendable, Hashable {
        /// The server's host name or IP address.
        public var host: String
        /// The server's port. Defaults to `5432`.
        public var port: Int
        /// The role to connect as.
        public var username: String
        /// The role's password, if the server asks for one.
        public var password: String?
        /// The database. Defaults to `nil`: the server's default, a database named like the role.
        public var database: String?
        /// Whether and how the connections use TLS. Defaults, per the host given when the configuration is created, to
        /// ``TLS/disable`` for a loopback host (`localhost`, `127.x.x.x`, `::1`: the traffic never leaves the machine)
        /// and to ``TLS/verifyFull(_:)`` against the system's trust store for any other host, so that nothing crosses
        /// a network unencrypted or to an unverified server unless asked for. Never `prefer`: the store does not fall
        /// back from TLS to plaintext.
        public var tls: TLS
        /// The most connections the pool opens. Defaults to `20`.
        public var maximumConnections: Int = 20
        /// The connections the pool keeps open even when idle. Defaults to `0`.
        public var minimumConnections: Int = 0
        /// How long opening one connection may take. Defaults to 10 seconds.
        public var connectTimeout: Duration = .seconds(10)
        /// How long an idle connection above ``minimumConnections`` stays open. Defaults to 60 seconds.
        public var idleTimeout: Duration = .seconds(60)
        /// How long an operation waits for a pooled connection (all busy, or the database unreachable) before it
        /// fails with a ``ConnectionStoreError``, so that callers fail fast while the database is down. Defaults to 5
        /// seconds; `nil` to wait as long as the pool does.
        public var connectionWaitTimeout: Duration? = .seconds(5)
        /// The server-side limit on one statement (`statement_timeout`). Defaults to 30 seconds; `nil` for none.
        /// Migrations are exempt.
        public var statementTimeout: Duration? = .seconds(30)
        /// The server-side limit on waiting for a row or table lock (`lock_timeout`). Defaults to 10 seconds; `nil`
        /// for none. Migrations are exempt.
        public var lockTimeout: Duration? = .seconds(10)
        /// The client-side limit on one operation once it has its connection: when the database does not answer in
        /// time (a server that went away mid-query without the connection noticing), the connection is closed, so
        /// it is never reused, and the operation fails with a ``ConnectionStoreError`` instead of hanging, and its
        /// caller can retry (storing a refresh's tokens is retried until the refresh lease ends, so this must be
        /// well below the lease). Defaults to 30 seconds, as ``statementTimeout``; `nil` for none. Migrations are
        /// exempt.
        public var operationTimeout: Duration? = .seconds(30)
        /// Whose clock judges refresh and webhook leases. Defaults to ``LeaseClock/database``.
        public var leaseClock: LeaseClock = .database

        /// Whose clock judges whether a lease has lapsed.
        public enum LeaseClock: Sendable, Hashable {
            /// The database's (`now()`): a lease lasts its duration from the moment it was taken, by one clock for
            /// every instance, so a machine whose clock runs ahead cannot take over a lease early. The caller's `now`
            /// and `leaseUntil` give only the duration.
            case database
            /// The caller's `now` and `leaseUntil`, as given: for tests that move time.
            case caller
        }

        /// Creates a configuration with the default pool settings.
        public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String? = nil)
        {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.tls = TLS.defaultMode(forHost: host)
        }

        /// Parses `postgres://user[:password]@host[:port][/database][?sslmode=…&sslrootcert=…]` (or
        /// `postgresql://`), percent-decoding the user, password and database.
        ///
        /// The query options follow libpq's meanings:
        /// - `sslmode=disable`: no TLS. `require`: TLS, the certificate is not checked (with `sslrootcert=FILE`, as in
        ///   libpq, it is checked like `verify-ca`). `verify-ca`: TLS, the certificate must chain to a trusted root.
        ///   `verify-full`: as `verify-ca`, and the certificate must name the host. `allow` and `prefer` are refused:
        ///   they fall back to plaintext silently.
        /// - `sslrootcert=FILE`: the PEM file of the certificates to trust instead of the system's trust store;
        ///   `sslrootcert=system`: the system's trust store (as in libpq 16, only with `verify-full`, the default
        ///   then). Without `sslrootcert`, `verify-ca` and `verify-full` trust the system's trust store.
        /// - Without `sslmode`: `verify-full` when `sslrootcert` is given; otherwise ``tls``'s default for the host.
        ///
        /// - Throws: ``ConnectionStoreError`` when the URL is not one, or an option is unknown, repeated, has a bad
        ///   value, or names a missing file (the message names the option and never repeats the URL, which may hold a
        ///   password).
        public init(url: String) throws {
            guard let components = URLComponents(string: url),
                let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
            else {
                throw ConnectionStoreError("The PostgreSQL URL must look like postgres://user:password@host:port/db")
            }
            guard let host = components.host, !host.isEmpty else {
                throw ConnectionStoreError("The PostgreSQL URL has no host")
            }
            guard let username = components.user, !username.isEmpty else {
                throw ConnectionStoreError("The PostgreSQL URL has no user name")
            }
            var options: [String: String] = [:]
            for item in components.queryItems ?? [] {
                guard item.name == "sslmode" || item.name == "sslrootcert" else {
                    throw ConnectionStoreError("The PostgreSQL URL option \(item.name) is not supported")
                }
                guard options[item.name] == nil else {
                    throw ConnectionStoreError("The PostgreSQL URL option \(item.name) is given more than once")
                }
                options[item.name] = item.value ?? ""
            }
            var database = components.path
            if database.hasPrefix("/") { database.removeFirst() }
            self.init(
                host: host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host,
                port: components.port ?? 5432,
                username: username,
                password: components.password,
                database: database.isEmpty ? nil : database)
            if let tls = try TLS(sslmode: options["sslmode"], sslrootcert: options["sslrootcert"]) {
                self.tls = tls
            }
        }
    }
}
