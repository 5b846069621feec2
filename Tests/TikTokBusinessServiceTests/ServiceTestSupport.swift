import Configuration
import Foundation
import GRDB
import Logging
import TikTokBusinessService
import TikTokConnections

/// A temporary folder for one test, removed at the end.
struct TemporaryFolder {
    let path: String

    init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(safe)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

enum ServiceTestSupport {
    /// Settings as the service reads them from these environment variables (and nothing else).
    static func settings(_ environment: [String: String]) throws -> ServiceSettings {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in environment {
            values[AbsoluteConfigKey(ConfigKey(key))] = ConfigValue(.string(value), isSecret: false)
        }
        return try ServiceSettings(reader: ConfigReader(provider: InMemoryProvider(values: values)))
    }

    /// A real app's settings on a SQLite database in `folder`.
    static func realApp(
        _ folder: TemporaryFolder, appID: String = "app-1", apiBaseURL: String? = nil, extra: [String: String] = [:]
    ) throws -> ServiceSettings {
        var environment = [
            "TIKTOK_APP_ID": appID, "TIKTOK_APP_SECRET": "secret-of-\(appID)",
            "TIKTOK_BUSINESS_DATABASE_URL": "sqlite://\(folder.path)/connections.sqlite",
        ]
        if let apiBaseURL { environment["TIKTOK_API_BASE_URL"] = apiBaseURL }
        return try settings(environment.merging(extra) { $1 })
    }

    static let logger = Logger(label: "tests")

    /// Opens the vault as every command does, or returns the start error's message.
    static func open(_ settings: ServiceSettings, checks: VaultEnvironment.Checks = .all) async -> String? {
        do {
            try await VaultEnvironment.with(settings: settings, checks: checks, logger: logger) { _ in }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Stores a connection with sealed tokens, as a completed authorization would.
    static func storeConnection(_ environment: VaultEnvironment, id: String = "conn_" + UUID().uuidString) async throws
        -> String
    {
        let time = Date()
        let cipher = environment.cipher
        var record = ConnectionRecord(
            connection: Connection(id: id, kind: .tiktokAccount, createdAt: time, updatedAt: time),
            accessToken: try cipher.seal("act.secret-access", connectionID: id, field: .accessToken),
            refreshToken: try cipher.seal("rft.secret-refresh", connectionID: id, field: .refreshToken),
            nextActionAt: nil)
        record.connection.openID = "open-\(id)"
        try await environment.store.insert(record, events: [])
        return id
    }
}

/// Direct SQL on a SQLite vault file, for setting up states the service itself never writes.
struct SQLiteFixture {
    let queue: DatabaseQueue

    init(path: String) throws { queue = try DatabaseQueue(path: path) }

    func execute(_ sql: String) throws { try queue.write { try $0.execute(sql: sql) } }
}
