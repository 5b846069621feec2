import Testing

@testable import TikTokEmulator

@Suite("Large token stores")
struct LargeStateTests {
    @Test("a sharded dictionary behaves as a dictionary, and a copy is unaffected by later changes")
    func shardedDictionary() {
        var dictionary = ShardedDictionary<String, Int>()
        var reference: [String: Int] = [:]
        for number in 0..<1_000 {
            dictionary["key-\(number)"] = number
            reference["key-\(number)"] = number
        }
        let copy = dictionary
        for number in stride(from: 0, to: 1_000, by: 3) {
            #expect(dictionary.removeValue(forKey: "key-\(number)") == number)
            reference.removeValue(forKey: "key-\(number)")
        }
        dictionary["key-1", default: 0] += 10
        reference["key-1", default: 0] += 10
        dictionary["new", default: 5] += 1
        reference["new", default: 5] += 1
        #expect(dictionary.count == reference.count)
        #expect(Dictionary(uniqueKeysWithValues: dictionary.elements.map { ($0.key, $0.value) }) == reference)
        #expect(copy.count == 1_000)
        #expect(copy["key-0"] == 0)
        #expect(copy["key-1"] == 1)
        #expect(copy["new"] == nil)
        #expect(dictionary["key-0"] == nil)
    }

    @Test("100,000 account grants: refreshes and lookups work, snapshots are complete and isolated")
    func hundredThousandGrants() throws {
        let store = AuthorizationStore()
        let directory = UserDirectory(seed: 1)
        let user = directory.user(named: "bulk")
        let settings = EmulatorSettings(configuration: .init(rotateRefreshTokens: true))
        let count = 100_000
        var refreshTokens: [String] = []
        refreshTokens.reserveCapacity(count)
        for _ in 0..<count {
            let code = store.mintCode(
                flow: .account, appID: "app", redirectURI: "r", user: user, scopes: ["user.info.basic"], scopeIDs: [],
                now: 1_000, lifetime: 600)
            let tokens = try store.exchangeAccountCode(
                code, appID: "app", redirectURI: "r", now: 1_000, settings: settings)
            refreshTokens.append(tokens.refreshToken)
        }
        let before = store.snapshot()
        #expect(before.grants.count == count)
        #expect(before.nextGrantID == UInt64(count) + 1)

        // Changes after the snapshot: rotations of the first thousand grants.
        var rotated: [String: String] = [:]
        for refreshToken in refreshTokens.prefix(1_000) {
            let tokens = try store.refresh(refreshToken, appID: "app", now: 1_010, settings: settings)
            rotated[refreshToken] = tokens.refreshToken
            #expect(try store.authenticate(tokens.accessToken, now: 1_011).appID == "app")
        }
        let after = store.snapshot()
        #expect(after.grants.count == count)
        for (old, new) in zip(before.grants.prefix(1_000), after.grants.prefix(1_000)) {
            #expect(old.id == new.id)
            #expect(old.accessTokens.count == 1)
            #expect(new.accessTokens.count == 2)
            let oldRefreshToken = try #require(old.refreshToken)
            #expect(new.refreshToken == rotated[oldRefreshToken])
            #expect(new.previousRefreshToken == oldRefreshToken)
        }
        #expect(before.grants.dropFirst(1_000) == after.grants.dropFirst(1_000))

        // The snapshot restores into an equivalent store.
        let restored = AuthorizationStore()
        try restored.restore(after)
        #expect(restored.snapshot() == after)
    }
}
