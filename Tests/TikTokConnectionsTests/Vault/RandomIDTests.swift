import Testing
import TikTokConnections

@Suite("Random identifiers")
struct RandomIDTests {
    @Test(arguments: [1, 7, 8, 9, 16, 32])
    func hexHasTwoLowercaseDigitsPerByteAndNeverRepeats(bytes: Int) {
        let ids = (0..<200).map { _ in RandomID.hex(bytes: bytes) }
        for id in ids {
            #expect(id.count == bytes * 2)
            #expect(id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
        }
        if bytes >= 8 { #expect(Set(ids).count == ids.count) }
        // Every digit turns up, in both halves of a byte.
        let all = ids.joined()
        #expect(Set(all).count == 16)
        #expect(RandomID.randomBytes(bytes).count == bytes)
    }
}
