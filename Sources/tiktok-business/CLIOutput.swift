import ArgumentParser
import Foundation
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections

/// A command failure with a clear message (exit code 1).
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Human and JSON output for the CLI.
enum CLIOutput {
    /// Runs a vault call, turning its errors into clear messages.
    static func vault<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ConnectionError {
            var text = "\(error.code): \(error.message)"
            if let tikTok = error.tikTokError {
                var parts: [String] = []
                // Only what the message does not say already.
                if let code = tikTok.code, !text.contains("TikTok code \(code)") { parts.append("TikTok code \(code)") }
                if let status = tikTok.httpStatus, !text.contains("HTTP \(status)") { parts.append("HTTP \(status)") }
                if let requestID = tikTok.requestID { parts.append("request_id \(requestID)") }
                if !parts.isEmpty { text += " (" + parts.joined(separator: ", ") + ")" }
            }
            throw CLIError(text)
        }
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func printJSON(_ value: JSONValue) {
        let data = (try? JSONEncoder.pretty.encode(value)) ?? Data(value.jsonText.utf8)
        print(String(decoding: data, as: UTF8.self))
    }

    static func who(_ connection: Connection) -> String {
        if let openID = connection.openID { return openID }
        if !connection.tcmAccountIDs.isEmpty { return connection.tcmAccountIDs.joined(separator: ",") }
        return connection.advertiserIDs.isEmpty ? "-" : connection.advertiserIDs.joined(separator: ",")
    }

    static func json(_ connection: Connection) -> JSONValue {
        func date(_ value: Date?) -> JSONValue { value.map { .string($0.formatted(.iso8601)) } ?? .null }
        return .object([
            "id": .string(connection.id), "kind": .string(connection.kind.rawValue),
            "status": .string(connection.status.rawValue),
            "display_name": connection.displayName.map { .string($0) } ?? .null,
            "names": .object(connection.names.mapValues { .string($0) }),
            "failing_since": date(connection.failingSince),
            "status_reason": connection.statusReason.map { .string($0) } ?? .null,
            "end_user_id": connection.endUserID.map { .string($0) } ?? .null,
            "advertiser_ids": .strings(connection.advertiserIDs),
            "open_id": connection.openID.map { .string($0) } ?? .null,
            "tto_tcm_account_ids": .strings(connection.tcmAccountIDs), "scopes": .strings(connection.scopes),
            "access_token_expires_at": date(connection.accessTokenExpiresAt),
            "refresh_token_expires_at": date(connection.refreshTokenExpiresAt),
            "last_refreshed_at": date(connection.lastRefreshedAt), "created_at": date(connection.createdAt),
            "updated_at": date(connection.updatedAt),
        ])
    }

    static func json(_ event: ConnectionEvent) -> JSONValue {
        .object([
            "sequence": .number(String(event.sequence)), "type": .string(event.type.rawValue),
            "connection_id": .string(event.connectionID), "occurred_at": .string(event.occurredAt.formatted(.iso8601)),
            "data": .object(event.data.mapValues { .string($0) }),
        ])
    }

    static func printDetails(_ connection: Connection) {
        let rows: [(String, String)] = [
            ("id", connection.id), ("kind", connection.kind.rawValue), ("status", connection.status.rawValue),
            ("name", connection.displayName ?? "-"),
            ("failing since", connection.failingSince?.formatted(.iso8601) ?? "-"),
            ("status reason", connection.statusReason ?? "-"), ("end user", connection.endUserID ?? "-"),
            ("advertisers", connection.advertiserIDs.joined(separator: ", ")), ("open id", connection.openID ?? "-"),
            ("TTCM accounts", connection.tcmAccountIDs.joined(separator: ", ")),
            ("scopes", connection.scopes.joined(separator: ", ")),
            ("access token expires", connection.accessTokenExpiresAt?.formatted(.iso8601) ?? "never"),
            ("refresh token expires", connection.refreshTokenExpiresAt?.formatted(.iso8601) ?? "-"),
            ("last refreshed", connection.lastRefreshedAt?.formatted(.iso8601) ?? "-"),
            ("created", connection.createdAt.formatted(.iso8601)),
        ]
        for (name, value) in rows where !value.isEmpty {
            print(name.padding(toLength: 22, withPad: " ", startingAt: 0) + value)
        }
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        return ([header] + rows).map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
