import Foundation
import Testing
import TikTokConnections
import TikTokConnectionsPostgres
import TikTokTestSupport

/// TLS to PostgreSQL, against a cluster of its own (``PostgresCluster``) that accepts only TLS connections, with a
/// server certificate for `localhost` (a DNS name only, no IP address) signed by a CA made here with openssl.
@Suite("PostgreSQL TLS", .enabled(if: PostgresTestDatabase.isEnabled))
struct PostgresTLSTests {
    /// Any password works with the cluster's trust authentication: it is there to be looked for in errors and logs.
    static let password = "s3cretTLSpw"

    @Test(
        "verify-full, verify-ca, require connect; a wrong host name, an unknown CA, sslmode=disable are refused clearly"
    )
    func tlsOnlyServer() async throws {
        let certificates = try await TestCertificates.make()
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        let cluster = try await PostgresCluster.start(environment: ["PG_SSL_DIR": certificates.directory])
        do {
            try await checks(cluster, certificates)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func checks(_ cluster: PostgresCluster, _ certificates: TestCertificates) async throws {
        let port = try #require(URLComponents(string: cluster.url)?.port)
        let logs = LogCapture()
        func url(host: String, _ options: String) -> String {
            "postgres://postgres:\(Self.password)@\(host):\(port)/postgres?\(options)"
        }

        // The certificate names localhost, and chains to the CA: verify-full connects, and the store migrates.
        try await PostgresConnectionStore.withStore(
            url: url(host: "localhost", "sslmode=verify-full&sslrootcert=\(certificates.ca)"),
            logger: logs.logger("verify-full")
        ) { store in
            try await cluster.migrate(store)
            try await store.ping()
        }
        // verify-ca checks the chain only: 127.0.0.1, not in the certificate, is fine.
        try await connects(url(host: "127.0.0.1", "sslmode=verify-ca&sslrootcert=\(certificates.ca)"), logs)
        // require checks nothing: no CA needed.
        try await connects(url(host: "127.0.0.1", "sslmode=require"), logs)

        let wrongHost = try await refusal(
            url(host: "127.0.0.1", "sslmode=verify-full&sslrootcert=\(certificates.ca)"), logs)
        #expect(wrongHost.contains("host name 127.0.0.1 does not match the server's certificate"), "\(wrongHost)")

        let unknownCA = try await refusal(
            url(host: "localhost", "sslmode=verify-full&sslrootcert=\(certificates.otherCA)"), logs)
        #expect(unknownCA.contains("the server's certificate is not trusted"), "\(unknownCA)")
        #expect(unknownCA.contains(certificates.otherCA), "\(unknownCA)")
        // As libpq: require with a root certificate checks the chain.
        let requireUnknownCA = try await refusal(
            url(host: "localhost", "sslmode=require&sslrootcert=\(certificates.otherCA)"), logs)
        #expect(requireUnknownCA.contains("the server's certificate is not trusted"), "\(requireUnknownCA)")

        let plaintext = try await refusal(url(host: "127.0.0.1", "sslmode=disable"), logs)
        #expect(plaintext.contains("PostgreSQL error 28000") && plaintext.contains("sslmode=disable"), "\(plaintext)")

        #expect(!logs.text.contains(Self.password))
    }

    /// Connects with `url` and runs a query.
    private func connects(_ url: String, _ logs: LogCapture) async throws {
        try await PostgresConnectionStore.withStore(url: url, logger: logs.logger("store")) { store in
            try await retrying { try await store.ping() }
        }
    }

    /// The message of the store error that a query on `url` fails with; it never holds the password.
    private func refusal(_ url: String, _ logs: LogCapture) async throws -> String {
        try await PostgresConnectionStore.withStore(
            url: url,
            configure: { $0.connectionWaitTimeout = .seconds(1) },
            logger: logs.logger("store")
        ) { store in
            do {
                try await store.ping()
                Issue.record("the connection was not refused")
                return ""
            } catch let error as ConnectionStoreError {
                let described = "\(error) \(String(reflecting: error))"
                #expect(!described.contains(Self.password))
                #expect(described.contains("connecting fails"), "\(described)")
                return error.message
            }
        }
    }

    /// A fresh cluster's first connections may take long on a loaded machine: retried for up to 15 s.
    private func retrying(_ operation: () async throws -> Void) async throws {
        for attempt in 1...30 {
            do {
                return try await operation()
            } catch is ConnectionStoreError where attempt < 30 {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}

@Suite("PostgreSQL TLS configuration")
struct PostgresTLSConfigurationTests {
    private typealias TLS = PostgresConnectionStore.Configuration.TLS

    private func tls(_ url: String) throws -> TLS {
        try PostgresConnectionStore.Configuration(url: url).tls
    }

    @Test("without sslmode: no TLS to a loopback host, verify-full against the system's trust store to any other")
    func defaults() throws {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "LocalHost", "[::1]"] {
            #expect(try tls("postgres://u:pw@\(host):5432/db") == .disable, "\(host)")
        }
        for host in ["db.example", "10.0.0.5", "127.0.0.1.example", "[::2]", "localhost.example"] {
            #expect(try tls("postgres://u:pw@\(host):5432/db") == .verifyFull(.system), "\(host)")
        }
        #expect(PostgresConnectionStore.Configuration(host: "db.example", username: "u").tls == .verifyFull(.system))
        #expect(PostgresConnectionStore.Configuration(host: "127.0.0.1", username: "u").tls == .disable)
    }

    @Test("sslmode and sslrootcert follow libpq's meanings")
    func modes() throws {
        let file = try Self.rootCertificateFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let base = "postgres://u:pw@db.example/db?"
        #expect(try tls(base + "sslmode=disable") == .disable)
        #expect(try tls("postgres://u@127.0.0.1/db?sslmode=require") == .require)
        #expect(try tls(base + "sslmode=require") == .require)
        #expect(try tls(base + "sslmode=verify-ca") == .verifyCA(.system))
        #expect(try tls(base + "sslmode=verify-full") == .verifyFull(.system))
        #expect(try tls(base + "sslmode=require&sslrootcert=\(file)") == .verifyCA(.file(file)))
        #expect(try tls(base + "sslmode=verify-ca&sslrootcert=\(file)") == .verifyCA(.file(file)))
        #expect(try tls(base + "sslmode=verify-full&sslrootcert=\(file)") == .verifyFull(.file(file)))
        #expect(try tls("postgres://u@127.0.0.1/db?sslrootcert=\(file)") == .verifyFull(.file(file)))
        #expect(try tls(base + "sslrootcert=system") == .verifyFull(.system))
        #expect(try tls(base + "sslmode=verify-full&sslrootcert=system") == .verifyFull(.system))
        #expect(
            "\(try tls(base + "sslmode=verify-ca&sslrootcert=\(file)"))" == "sslmode=verify-ca, sslrootcert=\(file)")
    }

    @Test("bad sslmode or sslrootcert values are refused with the option's name, never the password")
    func badValues() throws {
        let file = try Self.rootCertificateFile()
        let notPEM = file + ".txt"
        try "not a certificate".write(toFile: notPEM, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: notPEM)
        }
        let base = "postgres://u:secretpw@db.example/db?"
        let cases: [(String, String)] = [
            ("sslmode=bogus", "sslmode must be disable, require, verify-ca or verify-full"),
            ("sslmode=", "sslmode must be"),
            ("sslmode=prefer", "sslmode=allow or prefer is not supported"),
            ("sslmode=allow", "sslmode=allow or prefer is not supported"),
            ("sslmode=require&sslmode=disable", "sslmode is given more than once"),
            (
                "sslrootcert=/nonexistent/root.crt",
                "sslrootcert names a file that does not exist: /nonexistent/root.crt"
            ),
            ("sslrootcert=", "sslrootcert is empty"),
            ("sslrootcert=/tmp", "sslrootcert does not name a regular file"),
            ("sslrootcert=/dev/zero", "sslrootcert does not name a regular file"),
            ("sslrootcert=\(notPEM)", "sslrootcert names a file with no readable PEM certificate"),
            ("sslmode=disable&sslrootcert=\(file)", "sslrootcert cannot be used with sslmode=disable"),
            ("sslmode=require&sslrootcert=system", "sslrootcert=system needs sslmode=verify-full"),
            ("sslmode=verify-ca&sslrootcert=system", "sslrootcert=system needs sslmode=verify-full"),
            ("sslcert=/tmp/client.crt", "option sslcert is not supported"),
        ]
        for (options, expected) in cases {
            #expect {
                _ = try PostgresConnectionStore.Configuration(url: base + options)
            } throws: { error in
                guard let error = error as? ConnectionStoreError else { return false }
                return error.message.contains(expected) && !"\(error)".contains("secretpw")
            }
        }
    }

    /// A PEM file with one (self-signed) certificate, in the temporary directory.
    static func rootCertificateFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("root-\(UUID().uuidString).pem").path
        try """
        -----BEGIN CERTIFICATE-----
        MIIBozCCAUmgAwIBAgIUSHtRqNbgaGJ2FgsVF3owLFBq3m8wCgYIKoZIzj0EAwIw
        JjEkMCIGA1UEAwwbdGlrdG9rLWJ1c2luZXNzIFVSTCB0ZXN0IENBMCAXDTI2MTIw
        MzIyMzIyNVoYDzIxMjYxMTA5MjIzMjI1WjAmMSQwIgYDVQQDDBt0aWt0b2stYnVz
        aW5lc3MgVVJMIHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT59IIB
        Jw92p8KrtIucVv7F+GRAbEU6vcEHbv/QR8e0F2d1HRzTHaq/K8KTpQtLwipinstb
        DOD7n1wAvNJ3tY7Do1MwUTAdBgNVHQ4EFgQUASWrgtWCP2qoCaAA1vdM3qfWF1kw
        HwYDVR0jBBgwFoAUASWrgtWCP2qoCaAA1vdM3qfWF1kwDwYDVR0TAQH/BAUwAwEB
        /zAKBggqhkjOPQQDAgNIADBFAiANnG2PJ+o3uBfOHN3ml6mBBGhjJb6I3dpuVJ/w
        TJbgcgIhAImX/0Y9rAMkC9IK1YqxNRnoyrhioR0+UdiaBM5OYeti
        -----END CERTIFICATE-----

        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A CA, a server certificate and key for `localhost` (DNS name only) signed by it, and a second, unrelated CA, made
/// with openssl in a temporary directory: `server.crt` and `server.key` there are what scripts/postgres.sh's
/// `PG_SSL_DIR` wants.
struct TestCertificates {
    let directory: String
    var ca: String { directory + "/ca.crt" }
    var otherCA: String { directory + "/other-ca.crt" }

    static func make() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The cluster runs as `postgres` when the tests run as root; scripts/postgres.sh copies the key for it.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        try """
        [req]
        distinguished_name = dn
        prompt = no
        [dn]
        CN = unused
        [ca]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash
        [server]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature, keyEncipherment
        extendedKeyUsage = serverAuth
        subjectAltName = DNS:localhost
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid

        """.write(toFile: directory + "/openssl.cnf", atomically: true, encoding: .utf8)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for name in ["ca", "other-ca"] {
            try await openssl(
                ["req", "-x509"] + key + [
                    "-keyout", "\(name).key", "-out", "\(name).crt", "-days", "2",
                    "-subj", "/CN=tiktok-business test \(name)", "-config", "openssl.cnf", "-extensions", "ca",
                ], in: directory)
        }
        try await openssl(
            ["req"] + key + [
                "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost", "-config", "openssl.cnf",
            ], in: directory)
        try await openssl(
            [
                "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.crt", "-days", "2", "-extfile", "openssl.cnf", "-extensions", "server",
            ], in: directory)
        return TestCertificates(directory: directory)
    }

    private static func openssl(_ arguments: [String], in directory: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard !process.isRunning, process.terminationStatus == 0 else {
            if process.isRunning { process.terminate() }
            throw ConnectionStoreError("openssl \(arguments[0]) failed (is openssl installed?)")
        }
    }
}
