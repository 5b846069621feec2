import Foundation
import Logging
import TikTokBusiness

extension ConnectionManager {
    /// Revokes the connection at TikTok (the right endpoint for its kind), then marks it revoked and erases its
    /// tokens. Revoking a revoked connection does nothing. A token TikTok already considers invalid is still marked
    /// revoked; a transient failure changes nothing and throws ``ConnectionError/Code/tikTokUnavailable``.
    @discardableResult
    public func revoke(id: String) async throws -> Connection {
        for _ in 0..<10 {
            let record = try await loadRecord(id: id)
            if record.connection.status == .revoked { return record.connection }
            if let sealed = record.accessToken {
                let token = try open(sealed, of: record, field: .accessToken)
                do {
                    if record.connection.kind.usesAdvertiserFlow {
                        try await client.revokeAdvertiserToken(token)
                    } else {
                        try await client.revokeAccountToken(token)
                    }
                } catch let error as TikTokError {
                    if error.category.isRetryable || error.category == .appCredentials {
                        throw ConnectionError(
                            .tikTokUnavailable, "TikTok did not revoke the token: \(error.message)", connectionID: id,
                            tikTokError: error)
                    }
                    logger.notice(
                        "TikTok refused the revocation; the token is unusable anyway",
                        metadata: metadata(record).merging(["tiktok.code": "\(error.code ?? 0)"], uniquingKeysWith: { $1 }))
                }
            }
            var revoked = record
            let time = now()
            revoked.connection.status = .revoked
            revoked.connection.statusReason = "revoked"
            revoked.connection.updatedAt = time
            revoked.accessToken = nil
            revoked.refreshToken = nil
            revoked.nextActionAt = nil
            let event = ConnectionEvent(
                type: .connectionRevoked, connectionID: id, occurredAt: time, data: eventData(revoked.connection))
            if let stored = try await write(revoked, events: [event]) {
                logger.info("Connection revoked", metadata: metadata(stored))
                return stored.connection
            }
        }
        throw ConnectionError(.storeFailure, "The connection kept changing while it was being revoked.", connectionID: id)
    }

    /// Re-seals every token under the cipher's current key, `batchSize` connections at a time, reporting progress
    /// (connections re-sealed so far). Returns how many were re-sealed.
    @discardableResult
    public func rotateKeys(batchSize: Int = 500, progress: @Sendable (Int) -> Void = { _ in }) async throws -> Int {
        let current = cipher.currentKeyID
        var done = 0
        while true {
            let batch = try await storeCall {
                try await self.store.records(notSealedWith: current, limit: max(1, batchSize))
            }
            if batch.isEmpty { return done }
            var progressed = false
            for original in batch {
                var record = original
                for _ in 0..<10 {
                    record.accessToken = try record.accessToken.map {
                        try seal(open($0, of: record, field: .accessToken), connectionID: record.id, field: .accessToken)
                    }
                    record.refreshToken = try record.refreshToken.map {
                        try seal(open($0, of: record, field: .refreshToken), connectionID: record.id, field: .refreshToken)
                    }
                    if try await write(record, events: []) != nil {
                        done += 1
                        progressed = true
                        break
                    }
                    record = try await loadRecord(id: record.id)
                }
            }
            progress(done)
            if !progressed {
                throw ConnectionError(.storeFailure, "Key rotation made no progress; connections keep changing.")
            }
        }
    }
}
