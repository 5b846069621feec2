internal import Foundation
internal import PostgresNIO
internal import TikTokConnections

/// Conversions between the models and PostgreSQL values.
///
/// Dates are `double precision` unix seconds (`Date.timeIntervalSince1970`), as in the SQLite store, so a date reads
/// back exactly as written. Arrays and dictionaries are JSON text, sealed tokens ``SealedToken/text``.
typealias PostgresColumns = StoredColumns

/// Reads one row, turning every failure into a ``ConnectionStoreError`` that names the column but never a value.
struct RowReader: StoredRowReading {
    let row: PostgresRandomAccessRow
    let table: String

    init(_ row: PostgresRow, table: String) {
        self.row = row.makeRandomAccess()
        self.table = table
    }

    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard row.contains(column) else { throw unreadable(column) }
        do {
            return try row[column].decode(T.self, context: .default)
        } catch {
            throw unreadable(column)
        }
    }

    func optional<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T?
    where T._DecodableType == T {
        guard row.contains(column) else { throw unreadable(column) }
        do {
            return try row[column].decode(T?.self, context: .default)
        } catch {
            throw unreadable(column)
        }
    }

    func string(_ column: String) throws -> String { try value(column) }
    func optionalString(_ column: String) throws -> String? { try optional(column) }
    func double(_ column: String) throws -> Double { try value(column) }
    func optionalDouble(_ column: String) throws -> Double? { try optional(column) }
    func integer(_ column: String) throws -> Int64 { try value(column) }
    func optionalInteger(_ column: String) throws -> Int64? { try optional(column) }
    func bool(_ column: String) throws -> Bool { try value(column) }
}

// MARK: - Models

extension ConnectionRecord {
    init(postgresRow: PostgresRow) throws {
        try self.init(reading: RowReader(postgresRow, table: "tiktok_business_connections"))
    }
}

extension AuthorizationState {
    init(postgresRow: PostgresRow) throws {
        try self.init(reading: RowReader(postgresRow, table: "tiktok_business_authorization_states"))
    }
}

extension ConnectionEvent {
    init(postgresRow: PostgresRow) throws {
        try self.init(reading: RowReader(postgresRow, table: "tiktok_business_events"))
    }
}
