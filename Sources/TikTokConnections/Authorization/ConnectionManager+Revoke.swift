import Foundation
import Logging
import TikTokBusiness

extension ConnectionManager {
    /// Revokes the connection at TikTok (the right endpoint for its kind), then marks it revoked and erases its
    /// tokens. Revoking a revoked connection does nothing.
    ///
    /// The tokens are erased only when TikTok confirms the revocation, or answers that the token is already dead
    /// (40102/40104/40105, ``TikTokError/Category/accessTokenInvalid``). Any other answer leaves the connection and its
    /// tokens as they were (erasing them would leave the grant alive at TikTok with nothing left to revoke it with).
    ///
    /// - Throws: ``ConnectionError/Code/tikTokUnavailable`` on a transient failure (rate limit, 5xx, timeout), or
    ///   ``ConnectionError/Code/revokeFailed`` when TikTok refused otherwise (40001, 40002, 40101, an unknown code, a
    ///   non-JSON 4xx page); both carry TikTok's error and can be retried.
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
                    noteTikTokOutcome(nil)
                } catch let error as TikTokError {
                    noteTikTokOutcome(error)
                    let tikTok: Logger.Metadata = [
                        "tiktok.code": "\(error.code.map(String.init) ?? "-")",
                        "tiktok.request_id": "\(error.requestID ?? "-")",
                        "tiktok.error_category": "\(error.category)",
                        "tiktok.http_status": "\(error.httpStatus.map(String.init) ?? "-")",
                    ]
                    guard error.category == .accessTokenInvalid else {
                        logger.warning(
                            "TikTok did not revoke the token; the connection and its tokens are kept",
                            metadata: metadata(record).merging(tikTok, uniquingKeysWith: { $1 }))
                        throw ConnectionError(
                            error.category.isRetryable ? .tikTokUnavailable : .revokeFailed,
                            "TikTok did not revoke the token (\(Self.describe(error))); the connection and its tokens "
                                + "are kept. Try again.",
                            connectionID: id, tikTokError: error)
                    }
                    logger.notice(
                        "TikTok reports the token already invalid; marking the connection revoked",
                        metadata: metadata(record).merging(tikTok, uniquingKeysWith: { $1 }))
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
        throw ConnectionError(
            .storeFailure, "The connection kept changing while it was being revoked.", connectionID: id)
    }

    /// TikTok's answer in a few words, for an error message: its code and message, or the HTTP status of a page that
    /// was not TikTok's JSON. Never a token or secret (TikTok's messages carry neither).
    static func describe(_ error: TikTokError) -> String {
        if let code = error.code { return "TikTok code \(code): \(error.message)" }
        if let status = error.httpStatus { return "HTTP \(status): \(error.message)" }
        return error.message
    }

    /// Re-seals every token under the cipher's current key, `batchSize` connections at a time and `concurrency` of
    /// them at once, each under a lease of its own (a connection being refreshed is retried once its lease ends),
    /// reporting progress (connections re-sealed so far). Returns how many were re-sealed.
    @discardableResult
    public func rotateKeys(
        batchSize: Int = 500, concurrency: Int = 8, progress: @Sendable (Int) -> Void = { _ in }
    ) async throws -> Int {
        let current = cipher.currentKeyID
        // Re-sealing takes each connection's lease first, like a refresh: a write here must never release the lease
        // of an instance that is refreshing the connection (another instance would then spend the refresh token it
        // is replacing). Leased connections are skipped and retried until their leases end.
        let owner = "key-rotation-" + RandomID.hex(bytes: 6)
        // Elapsed time, for waiting only (how long to keep retrying leased connections): no decision about a
        // connection reads this clock, only the injected `now()`.
        let busyDeadline = ContinuousClock.now + .seconds(configuration.leaseDuration + 10)
        var done = 0
        while true {
            let batch = try await storeCall {
                try await self.store.records(notSealedWith: current, limit: max(1, batchSize))
            }
            if batch.isEmpty { return done }
            let outcomes = try await withThrowingTaskGroup(of: ResealOutcome.self) { group in
                var pending = batch[...]
                var outcomes: [ResealOutcome] = []
                for _ in 0..<max(1, concurrency) {
                    guard let record = pending.popFirst() else { break }
                    group.addTask { try await self.reseal(record, owner: owner) }
                }
                while let outcome = try await group.next() {
                    outcomes.append(outcome)
                    if let record = pending.popFirst() { group.addTask { try await self.reseal(record, owner: owner) } }
                }
                return outcomes
            }
            let resealed = outcomes.filter { $0 == .resealed }.count
            done += resealed
            progress(done)
            if resealed == 0 {
                guard outcomes.contains(.busy), ContinuousClock.now < busyDeadline else {
                    throw ConnectionError(.storeFailure, "Key rotation made no progress; connections keep changing.")
                }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    enum ResealOutcome: Sendable { case resealed, busy, conflicted }

    /// Re-seals one record's tokens under the current key, under a lease of its own (re-reading it when another
    /// write got in first).
    private func reseal(_ original: ConnectionRecord, owner: String) async throws -> ResealOutcome {
        for _ in 0..<10 {
            let time = now()
            guard
                var record = try await storeCall({
                    try await self.store.claim(
                        id: original.id, now: time, owner: owner, leaseUntil: time.addingTimeInterval(30))
                })
            else { return .busy }
            record.accessToken = try record.accessToken.map {
                try seal(open($0, of: record, field: .accessToken), connectionID: record.id, field: .accessToken)
            }
            record.refreshToken = try record.refreshToken.map {
                try seal(open($0, of: record, field: .refreshToken), connectionID: record.id, field: .refreshToken)
            }
            // The write releases this lease.
            if try await write(record, events: [], leaseOwner: owner) != nil { return .resealed }
        }
        try? await store.releaseLease(id: original.id, owner: owner)
        return .conflicted
    }
}
