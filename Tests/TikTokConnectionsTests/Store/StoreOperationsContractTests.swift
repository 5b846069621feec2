import Foundation
import Testing
import TikTokConnections

/// The store's part of running many connections (names, health, search, attention filters, charts' counts, the audit
/// trail, proxy use, API keys), run against every store in ``StoreFactory/all``, each test on a fresh database.
@Suite("ConnectionStore contract: operations")
struct StoreOperationsContractTests {
    private typealias F = StoreFixtures

    /// A connection with a name, an end user, a refresh-token lapse and a failure streak.
    private static func record(
        _ id: String, kind: ConnectionKind = .tiktokAccount, status: ConnectionStatus = .active, name: String? = nil,
        endUser: String? = nil, identity: String, lapsesAt: Date? = nil, failingSince: Date? = nil
    ) -> ConnectionRecord {
        var record = F.record(id, kind: kind, status: status, endUserID: endUser, identities: [identity])
        record.connection.displayName = name
        if let name { record.connection.names = [identity: name] }
        record.connection.refreshTokenExpiresAt = lapsesAt
        record.connection.failingSince = failingSince
        return record
    }

    @Test("names, avatar and failure streak round-trip and survive an update", arguments: StoreFactory.all)
    func namesRoundTrip(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let full = F.fullRecord("conn_named")
            try await store.insert(full, events: [])
            var read = try #require(try await store.record(id: full.id))
            #expect(read.connection == full.connection)
            read.connection.displayName = "Renamed"
            read.connection.names = [:]
            read.connection.failingSince = nil
            #expect(try await store.update(read, events: []))
            let updated = try #require(try await store.record(id: full.id))
            #expect(updated.connection.displayName == "Renamed")
            #expect(updated.connection.names.isEmpty && updated.connection.failingSince == nil)
            #expect(updated.connection.avatarURL == full.connection.avatarURL)
        }
    }

    @Test("search matches names, ids, identities and end users, case-insensitively", arguments: StoreFactory.all)
    func searchMatchesNamesAndIdentities(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insert(
                Self.record("conn_a", name: "Acme Shoes", endUser: "customer-1", identity: "open-a"), events: [])
            try await store.insert(Self.record("conn_b", name: "Blue 100% Lights_", identity: "open-b"), events: [])
            try await store.insert(
                Self.record("conn_c", kind: .advertiser, name: "Café Crème", endUser: "customer-2", identity: "7001"),
                events: [])
            func ids(_ text: String) async throws -> Set<String> {
                Set(try await store.list(.init(search: text), after: nil, limit: 10).map(\.id))
            }
            #expect(try await ids("acme") == ["conn_a"])
            #expect(try await ids("SHOES") == ["conn_a"])
            #expect(try await ids("customer-") == ["conn_a", "conn_c"])
            #expect(try await ids("open-b") == ["conn_b"])
            #expect(try await ids("7001") == ["conn_c"])
            #expect(try await ids("conn_c") == ["conn_c"])
            #expect(try await ids("café crème") == ["conn_c"])
            // LIKE wildcards are plain text.
            #expect(try await ids("100%") == ["conn_b"])
            #expect(try await ids("_") == ["conn_a", "conn_b", "conn_c"])  // every id has an underscore
            #expect(try await ids("lights_") == ["conn_b"])
            #expect(try await ids("%") == ["conn_b"])
            #expect(try await ids("nobody").isEmpty)
            #expect(try await store.count(.init(search: "customer")) == 2)
        }
    }

    @Test("degraded, lapsing and needs-attention filters, and counts", arguments: StoreFactory.all)
    func attentionFilters(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            try await store.insert(Self.record("conn_ok", identity: "o1", lapsesAt: F.at(90 * 86_400)), events: [])
            try await store.insert(Self.record("conn_failing", identity: "o2", failingSince: F.at(-600)), events: [])
            try await store.insert(Self.record("conn_degraded", identity: "o3", failingSince: F.at(-7_200)), events: [])
            try await store.insert(Self.record("conn_lapsing", identity: "o4", lapsesAt: F.at(10 * 86_400)), events: [])
            try await store.insert(
                Self.record("conn_reauth", status: .reauthorizationRequired, identity: "o5", lapsesAt: F.at(86_400)),
                events: [])
            try await store.insert(
                Self.record("conn_revoked", status: .revoked, identity: "o6", failingSince: F.at(-86_400)), events: [])
            func ids(_ filter: ConnectionFilter) async throws -> Set<String> {
                Set(try await store.list(filter, after: nil, limit: 100).map(\.id))
            }
            let hourAgo = F.at(-3_600)
            #expect(try await ids(.init(failingSinceBefore: hourAgo)) == ["conn_degraded"])
            #expect(
                try await ids(.init(refreshTokenExpiresBefore: F.at(30 * 86_400))) == ["conn_lapsing", "conn_reauth"])
            #expect(
                try await ids(.init(status: .active, refreshTokenExpiresBefore: F.at(30 * 86_400))) == ["conn_lapsing"])
            let attention = ConnectionFilter.Attention(degradedBefore: hourAgo, lapsingBefore: F.at(30 * 86_400))
            #expect(
                try await ids(.init(needsAttention: attention)) == ["conn_degraded", "conn_lapsing", "conn_reauth"])
            #expect(try await store.count(.init(needsAttention: attention)) == 3)
            #expect(try await ids(.init(kind: .creator, needsAttention: attention)).isEmpty)
            #expect(try await store.count(.init(failingSinceBefore: hourAgo)) == 1)
            #expect(try await store.count(.init()) == 6)
            // Pages after a cursor keep the filter.
            let first = try await store.list(.init(needsAttention: attention), after: nil, limit: 2)
            let rest = try await store.list(.init(needsAttention: attention), after: first.last?.id, limit: 2)
            #expect((first + rest).map(\.id) == ["conn_degraded", "conn_lapsing", "conn_reauth"])
        }
    }

    @Test("event counts per bucket, lapse counts per week, status history", arguments: StoreFactory.all)
    func chartCounts(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let hour = 3600.0
            let base = Date(timeIntervalSince1970: (F.origin.timeIntervalSince1970 / hour).rounded(.down) * hour)
            try await store.appendEvents([
                ConnectionEvent(type: .tokenRefreshed, connectionID: "c1", occurredAt: base.addingTimeInterval(10)),
                ConnectionEvent(type: .tokenRefreshed, connectionID: "c2", occurredAt: base.addingTimeInterval(3_599)),
                ConnectionEvent(type: .refreshFailed, connectionID: "c1", occurredAt: base.addingTimeInterval(3_600)),
                ConnectionEvent(type: .connectionCreated, connectionID: "c3", occurredAt: base.addingTimeInterval(20)),
                ConnectionEvent(type: .tokenRefreshed, connectionID: "c1", occurredAt: base.addingTimeInterval(-1)),
            ])
            let counts = try await store.eventCounts(
                types: [.tokenRefreshed, .refreshFailed], since: base, bucketSeconds: 3600)
            #expect(
                counts == [
                    BucketCount(start: base, series: "token.refreshed", count: 2),
                    BucketCount(start: base.addingTimeInterval(hour), series: "refresh.failed", count: 1),
                ])

            let now = F.origin
            let week = 7 * 86_400.0
            try await store.insert(
                Self.record("conn_1", identity: "o1", lapsesAt: now.addingTimeInterval(86_400)), events: [])
            try await store.insert(
                Self.record("conn_2", kind: .creator, identity: "o2", lapsesAt: now.addingTimeInterval(2 * 86_400)),
                events: [])
            try await store.insert(
                Self.record("conn_3", identity: "o3", lapsesAt: now.addingTimeInterval(week + 5)), events: [])
            try await store.insert(
                Self.record("conn_4", status: .revoked, identity: "o4", lapsesAt: now.addingTimeInterval(5)), events: []
            )
            try await store.insert(
                Self.record("conn_5", identity: "o5", lapsesAt: now.addingTimeInterval(-5)), events: [])
            let lapses = try await store.refreshTokenLapseCounts(
                from: now, to: now.addingTimeInterval(2 * week), bucketSeconds: Int(week))
            #expect(
                lapses == [
                    BucketCount(start: now, series: "creator", count: 1),
                    BucketCount(start: now, series: "tiktok_account", count: 1),
                    BucketCount(start: now.addingTimeInterval(week), series: "tiktok_account", count: 1),
                ])

            let counts1 = [ConnectionCount(kind: .advertiser, status: .active, count: 3)]
            let counts2 = [
                ConnectionCount(kind: .advertiser, status: .active, count: 4),
                ConnectionCount(kind: .creator, status: .revoked, count: 1),
            ]
            try await store.recordStatusSnapshot(start: base, counts: counts1)
            try await store.recordStatusSnapshot(start: base, counts: counts2)  // the last write of a bucket wins
            try await store.recordStatusSnapshot(start: base.addingTimeInterval(hour), counts: counts1)
            try await store.recordStatusSnapshot(start: base.addingTimeInterval(-hour), counts: counts1)
            #expect(
                try await store.statusHistory(since: base) == [
                    BucketCount(start: base, series: "advertiser/active", count: 4),
                    BucketCount(start: base, series: "creator/revoked", count: 1),
                    BucketCount(start: base.addingTimeInterval(hour), series: "advertiser/active", count: 3),
                ])
            #expect(try await store.deleteStatusHistory(before: base) == 1)
            #expect(try await store.statusHistory(since: .distantPast).count == 3)
        }
    }

    @Test("the audit trail pages newest first, per connection, and is pruned", arguments: StoreFactory.all)
    func auditTrail(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let entries = (0..<5).map { (index: Int) -> AuditEntry in
                let action: AuditEntry.Action = index.isMultiple(of: 2) ? .tokenRead : .linkCreated
                let connectionID: String? = index == 4 ? nil : "conn_\(index % 2)"
                let requestID: String? = index == 1 ? nil : "req-\(index)"
                let data: [String: String] = index == 3 ? ["kind": "advertiser"] : [:]
                return AuditEntry(
                    occurredAt: F.at(Double(index) * 10), action: action, connectionID: connectionID,
                    actor: "api_key:key_\(index)", requestID: requestID, data: data)
            }
            try await store.appendAudit(Array(entries.prefix(3)))
            try await store.appendAudit(Array(entries.suffix(2)))
            let all = try await store.auditEntries(before: nil, connectionID: nil, limit: 10)
            #expect(all.map(\.id) == entries.reversed().map(\.id))
            #expect(all.map(\.sequence) == all.map(\.sequence).sorted(by: >))
            var expected = entries.reversed() as [AuditEntry]
            for index in expected.indices { expected[index].sequence = all[index].sequence }
            #expect(all == expected)
            let page = try await store.auditEntries(before: all[1].sequence, connectionID: nil, limit: 2)
            #expect(page.map(\.id) == [entries[2].id, entries[1].id])
            #expect(
                try await store.auditEntries(before: nil, connectionID: "conn_0", limit: 10).map(\.id) == [
                    entries[2].id, entries[0].id,
                ])
            #expect(try await store.deleteAudit(occurredBefore: F.at(25), limit: 2) == 2)
            #expect(try await store.deleteAudit(occurredBefore: F.at(25), limit: 2) == 1)
            #expect(
                try await store.auditEntries(before: nil, connectionID: nil, limit: 10).map(\.id) == [
                    entries[4].id, entries[3].id,
                ])
            await #expect(throws: (any Error).self) { try await store.appendAudit([entries[4]]) }
        }
    }

    @Test("proxy use adds up per connection, day and caller, from several writers", arguments: StoreFactory.all)
    func proxyUsageAddsUp(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let other = try await contract.openStore()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        let target = writer.isMultiple(of: 2) ? store : other
                        for _ in 0..<5 {
                            try await target.addProxyUsage([
                                ProxyUsage(
                                    connectionID: "conn_1", day: "2026-12-03", actor: "api_key:a", calls: 2, errors: 1),
                                ProxyUsage(connectionID: "conn_1", day: "2026-12-04", actor: "api_key:a", calls: 1),
                                ProxyUsage(connectionID: "conn_2", day: "2026-12-04", actor: "api_key:b", calls: 3),
                            ])
                        }
                    }
                }
                try await group.waitForAll()
            }
            let usage = try await store.proxyUsage(connectionID: nil, sinceDay: "2026-12-01", limit: 10)
            #expect(
                usage == [
                    ProxyUsage(connectionID: "conn_1", day: "2026-12-04", actor: "api_key:a", calls: 40),
                    ProxyUsage(connectionID: "conn_2", day: "2026-12-04", actor: "api_key:b", calls: 120),
                    ProxyUsage(connectionID: "conn_1", day: "2026-12-03", actor: "api_key:a", calls: 80, errors: 40),
                ])
            #expect(try await store.proxyUsage(connectionID: "conn_2", sinceDay: "2026-12-01", limit: 10).count == 1)
            #expect(try await store.proxyUsage(connectionID: nil, sinceDay: "2026-12-04", limit: 10).count == 2)
            #expect(try await store.deleteProxyUsage(beforeDay: "2026-12-04") == 1)
            #expect(try await store.proxyUsage(connectionID: nil, sinceDay: "2000-01-01", limit: 10).count == 2)
        }
    }

    @Test("API keys are found by hash, listed and revoked once; duplicates are refused", arguments: StoreFactory.all)
    func apiKeys(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let (reader, readerSecret) = APIKey.generate(name: "reporting", scope: .read, at: F.at(0))
            let (admin, _) = APIKey.generate(name: "ops \"team\"", scope: .admin, at: F.at(10))
            try await store.insertAPIKey(reader)
            try await store.insertAPIKey(admin)
            #expect(try await store.apiKey(hash: APIKey.hash(readerSecret)) == reader)
            #expect(try await store.apiKey(hash: APIKey.hash("tbk_wrong")) == nil)
            #expect(try await store.apiKeys() == [reader, admin])
            await #expect(throws: ConnectionStoreError.self) { try await store.insertAPIKey(reader) }
            #expect(try await store.revokeAPIKey(id: reader.id, at: F.at(20)))
            #expect(try await !store.revokeAPIKey(id: reader.id, at: F.at(30)))
            #expect(try await !store.revokeAPIKey(id: "key_missing", at: F.at(30)))
            #expect(try await store.apiKey(hash: reader.keyHash)?.revokedAt == F.at(20))
        }
    }

    @Test("proxy tokens are found by hash and id, listed per connection and revoked once", arguments: StoreFactory.all)
    func proxyTokens(_ factory: StoreFactory) async throws {
        try await factory.run { contract in
            let store = contract.store
            let (open, secret) = ProxyToken.generate(
                connectionID: "conn_1", allowedPaths: nil, expiresAt: nil, createdBy: "api_key:primary", at: F.at(0))
            let (limited, _) = ProxyToken.generate(
                connectionID: "conn_1", allowedPaths: ["/advertiser/info/", "/report/*"], expiresAt: F.at(3_600),
                createdBy: "admin:primary", at: F.at(10))
            let (other, _) = ProxyToken.generate(
                connectionID: "conn_2", allowedPaths: nil, expiresAt: nil, createdBy: "cli", at: F.at(20))
            for token in [open, limited, other] { try await store.insertProxyToken(token) }
            await #expect(throws: ConnectionStoreError.self) { try await store.insertProxyToken(open) }
            #expect(try await store.proxyToken(hash: APIKey.hash(secret)) == open)
            #expect(try await store.proxyToken(hash: APIKey.hash("tbp_wrong")) == nil)
            #expect(try await store.proxyToken(id: limited.id) == limited)
            #expect(try await store.proxyTokens(connectionID: "conn_1") == [limited, open])
            #expect(try await store.revokeProxyToken(id: open.id, at: F.at(30)))
            #expect(try await !store.revokeProxyToken(id: open.id, at: F.at(40)))
            #expect(try await !store.revokeProxyToken(id: "ptk_missing", at: F.at(40)))
            #expect(try await store.proxyToken(id: open.id)?.revokedAt == F.at(30))
        }
    }
}

@Suite("Proxy tokens: allow-lists and lifetimes")
struct ProxyTokenRuleTests {
    @Test func allowListsMatchPathsAndPrefixes() {
        let (token, secret) = ProxyToken.generate(
            connectionID: "conn_1", allowedPaths: ["/advertiser/info/", "/report/*", "/campaign/get"], expiresAt: nil,
            createdBy: "cli", at: Date())
        #expect(secret.hasPrefix("tbp_") && secret.count == 47 && token.id.hasPrefix("ptk_"))
        for path in [
            "/advertiser/info/", "/advertiser/info", "/report/integrated/get/", "/report/", "/report", "/campaign/get/",
        ] {
            #expect(token.allows(path: path), "\(path)")
        }
        for path in ["/advertiser/", "/advertiser/info/x/", "/reports/get/", "/campaign/get/x", "/"] {
            #expect(!token.allows(path: path), "\(path)")
        }
        var open = token
        open.allowedPaths = nil
        #expect(open.allows(path: "/anything/"))
    }

    @Test func usableUntilRevokedOrExpired() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        var token = ProxyToken.generate(
            connectionID: "c", allowedPaths: nil, expiresAt: now.addingTimeInterval(60), createdBy: "cli", at: now
        ).record
        #expect(token.isUsable(at: now) && !token.isUsable(at: now.addingTimeInterval(60)))
        token.expiresAt = nil
        #expect(token.isUsable(at: .distantFuture))
        token.revokedAt = now
        #expect(!token.isUsable(at: now))
    }

    @Test func badAllowListsAreExplained() {
        #expect(ProxyToken.problem(in: ["/advertiser/info/", "/report/*"]) == nil)
        for bad in [
            [], ["advertiser/info/"], ["/a*b/"], ["/../oauth2/"], ["/Campaign/"], ["/a b/"],
            Array(repeating: "/a/", count: 101), ["/" + String(repeating: "a", count: 200)],
        ] {
            #expect(ProxyToken.problem(in: bad) != nil, "\(bad.prefix(2))")
        }
    }
}
