import Foundation
import Synchronization
import TikTokBusiness
import TikTokConnections

/// An in-process TikTok for throughput and safety tests of the vault itself: it answers account token exchanges and
/// refreshes at once (or after `latency`), rotates refresh tokens on every refresh like TikTok does, and counts every
/// refresh token spent, so that a test can prove none was spent twice.
final class InstantTikTok: TikTokTransport {
    struct Ledger {
        /// Refresh tokens TikTok would accept now → the open id they belong to.
        var valid: [String: String] = [:]
        /// Every refresh token spent, with how many times.
        var spent: [String: Int] = [:]
        /// Refreshes answered with new tokens.
        var refreshes = 0
        /// Refreshes refused because the token was already spent or never issued.
        var refusals = 0
        var issued = 0
    }

    let ledger = Mutex(Ledger())
    let latency: Duration

    init(latency: Duration = .zero) { self.latency = latency }

    /// Registers a refresh token as valid for `openID` (a connection seeded directly into a store).
    func issue(refreshToken: String, openID: String) {
        ledger.withLock { $0.valid[refreshToken] = openID }
    }

    /// Refresh tokens spent more than once.
    var spentTwice: [String] { ledger.withLock { $0.spent.filter { $0.value > 1 }.map(\.key) } }

    var refreshes: Int { ledger.withLock { $0.refreshes } }
    var refusals: Int { ledger.withLock { $0.refusals } }

    func send(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokHTTPResponse {
        if latency > .zero { try await Task.sleep(for: latency) }
        let body = (request.body.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]) ?? [:]
        if request.url.hasSuffix("/tt_user/oauth2/refresh_token/") {
            let old = body["refresh_token"] as? String ?? ""
            let answer: (openID: String, serial: Int)? = ledger.withLock { ledger in
                ledger.spent[old, default: 0] += 1
                guard let openID = ledger.valid.removeValue(forKey: old) else {
                    ledger.refusals += 1
                    return nil
                }
                ledger.refreshes += 1
                ledger.issued += 1
                return (openID, ledger.issued)
            }
            guard let answer else {
                return Self.envelope(code: 40104, message: "The refresh token is invalid or expired.", data: "{}")
            }
            return grant(openID: answer.openID, serial: answer.serial)
        }
        if request.url.hasSuffix("/tt_user/oauth2/token/") {
            let code = body["auth_code"] as? String ?? ""
            let serial = ledger.withLock { ledger in
                ledger.issued += 1
                return ledger.issued
            }
            return grant(openID: "open-" + code, serial: serial)
        }
        return Self.envelope(code: 40002, message: "Not emulated here.", data: "{}")
    }

    private func grant(openID: String, serial: Int) -> TikTokHTTPResponse {
        let refresh = "rt-\(openID)-\(serial)-" + RandomID.hex(bytes: 8)
        ledger.withLock { $0.valid[refresh] = openID }
        let data = """
            {"access_token":"at-\(openID)-\(serial)-\(RandomID.hex(bytes: 8))","token_type":"Bearer",\
            "scope":"user.info.basic","expires_in":86400,"refresh_token":"\(refresh)",\
            "refresh_token_expires_in":31536000,"open_id":"\(openID)"}
            """
        return Self.envelope(code: 0, message: "OK", data: data)
    }

    static func envelope(code: Int, message: String, data: String) -> TikTokHTTPResponse {
        let body = #"{"code":\#(code),"message":"\#(message)","request_id":"req-instant","data":\#(data)}"#
        return TikTokHTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Data(body.utf8))
    }

    /// A client on this transport, without a QPS governor and with quick retries.
    func client(now: @escaping @Sendable () -> Date = { Date() }) -> TikTokClient {
        TikTokClient(
            configuration: .init(
                appID: "instant-app", secret: "instant-secret", apiBaseURL: "http://instant.invalid/open_api/v1.3/",
                retry: RetryPolicy(initialBackoff: .milliseconds(2), maximumBackoff: .milliseconds(20)),
                rateGovernor: nil, requestTimeout: .seconds(5), now: now),
            transport: self)
    }

    /// Seeds `count` tiktok_account connections whose access tokens are due for refresh at `now`, with refresh tokens
    /// this TikTok accepts; returns their ids.
    func seedDueAccounts(
        _ count: Int, into store: any ConnectionStore, cipher: TokenCipher, now: Date, prefix: String = "conn_seed"
    ) async throws -> [String] {
        let ids = (0..<count).map { "\(prefix)_\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = ids[...]
            func add() {
                guard let id = next.popFirst() else { return }
                group.addTask {
                    let openID = "open-\(id)"
                    let refresh = "rt-seed-\(id)"
                    self.issue(refreshToken: refresh, openID: openID)
                    let connection = Connection(
                        id: id, kind: .tiktokAccount, openID: openID, scopes: ["user.info.basic"],
                        accessTokenExpiresAt: now.addingTimeInterval(300),
                        refreshTokenExpiresAt: now.addingTimeInterval(300 * 86_400),
                        lastRefreshedAt: now.addingTimeInterval(300 - 86_400), createdAt: now, updatedAt: now)
                    let record = ConnectionRecord(
                        connection: connection,
                        accessToken: try cipher.seal("at-seed-\(id)", connectionID: id, field: .accessToken),
                        refreshToken: try cipher.seal(refresh, connectionID: id, field: .refreshToken),
                        nextActionAt: now.addingTimeInterval(-1))
                    try await store.insert(record, events: [])
                }
            }
            for _ in 0..<64 { add() }
            while try await group.next() != nil { add() }
        }
        return ids
    }
}
