import Foundation
import Testing
import TikTokConnections
import TikTokConnectionsSQLite
import TikTokTestSupport

/// Whoever takes a connection's lease gives it back with its write: a write releases only its own lease, so every
/// writer that leases under a name of its own must write under that name.
@Suite("Lease ownership in the vault")
struct LeaseOwnershipTests {
    @Test func aKeyRotationLeavesNoLeaseBehind() async throws {
        try await VaultHarness.run { vault in
            var ids: [String] = []
            for index in 0..<5 {
                ids.append(try await vault.connectDirect(.tiktokAccount, user: "rotated-\(index)").connection.id)
            }
            _ = vault.manager.useKeyRing(try TokenCipher(keys: [.generate(id: "k2")] + vault.cipher.keys))
            #expect(try await vault.manager.rotateKeys() == 5)
            // Every connection is free for the next claimer at once, not when the rotation's 30 s leases lapse.
            let now = vault.clock.now()
            for id in ids {
                #expect(
                    try await vault.store.claim(
                        id: id, now: now, owner: "sweeper", leaseUntil: now.addingTimeInterval(60)) != nil,
                    "\(id) is still leased by the rotation")
            }
        }
    }
}
