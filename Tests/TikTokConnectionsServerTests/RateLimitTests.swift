import NIOCore
import Synchronization
import Testing

@testable import TikTokConnectionsServer

/// The rate limit's parts without I/O: the token bucket on a given clock, client addresses, and the bounded table.
@Suite("Rate limits (pure)")
struct RateLimitTests {
    @Test func aBucketAllowsItsBurstThenTheRateAndSaysWhenToComeBack() {
        var bucket = TokenBucket(capacity: 3, at: 0)
        let take = { (time: Double) in bucket.take(at: time, capacity: 3, rate: 0.5) }  // 30 per minute
        #expect(take(0) == .allowed)
        #expect(take(0) == .allowed)
        #expect(take(0) == .allowed)
        #expect(take(0) == .limited(retryAfter: 2))
        #expect(take(1) == .limited(retryAfter: 1))
        #expect(take(2) == .allowed)
        #expect(take(2.1) == .limited(retryAfter: 2))
        // Idle: refills to the burst, never beyond.
        #expect(bucket.isFull(at: 100, capacity: 3, rate: 0.5))
        #expect(take(100) == .allowed)
        #expect(take(100) == .allowed)
        #expect(take(100) == .allowed)
        #expect(take(100) == .limited(retryAfter: 2))
        // A clock that goes back is ignored, not a refill.
        #expect(take(50) == .limited(retryAfter: 2))
    }

    @Test func aSlowRateRoundsRetryAfterUpToWholeSeconds() {
        var bucket = TokenBucket(capacity: 1, at: 0)
        #expect(bucket.take(at: 0, capacity: 1, rate: 5.0 / 60) == .allowed)
        #expect(bucket.take(at: 0, capacity: 1, rate: 5.0 / 60) == .limited(retryAfter: 12))
        #expect(bucket.take(at: 11.5, capacity: 1, rate: 5.0 / 60) == .limited(retryAfter: 1))
    }

    @Test func clientAddressesAndForwardedFor() throws {
        let peer = try SocketAddress(ipAddress: "10.0.0.7", port: 5555)
        // The header is ignored unless proxies are trusted: any client can send it.
        #expect(ClientAddress.key(peer: peer, forwardedFor: "1.2.3.4", trustedProxyHops: 0) == "10.0.0.7")
        // One trusted proxy: the address it appended (the rightmost); what the client wrote further left is not used.
        #expect(ClientAddress.key(peer: peer, forwardedFor: "6.6.6.6, 1.2.3.4", trustedProxyHops: 1) == "1.2.3.4")
        #expect(
            ClientAddress.key(peer: peer, forwardedFor: "6.6.6.6, 1.2.3.4, 10.0.0.2", trustedProxyHops: 2) == "1.2.3.4")
        // Fewer entries than trusted hops, or garbage: the peer.
        #expect(ClientAddress.key(peer: peer, forwardedFor: "1.2.3.4", trustedProxyHops: 2) == "10.0.0.7")
        #expect(ClientAddress.key(peer: peer, forwardedFor: "not an address", trustedProxyHops: 1) == "10.0.0.7")
        #expect(ClientAddress.key(peer: nil, forwardedFor: nil, trustedProxyHops: 0) == "unknown")
        // IPv6: one subscriber's /64 is one client.
        let a = ClientAddress.normalize("2001:db8:1:2:aaaa::1")
        #expect(a == "20010db800010002::/64")
        #expect(ClientAddress.normalize("[2001:db8:1:2:ffff:ffff:ffff:ffff]") == a)
        #expect(ClientAddress.normalize("2001:db8:1:3::1") != a)
        #expect(ClientAddress.normalize("::1") == "::1")
        #expect(ClientAddress.normalize("1.2.3") == nil)
    }

    @Test func theClientTableStaysBoundedAndForgetsIdleClientsFirst() {
        let time = Mutex<Double>(0)
        let limiter = ClientRateLimiter(
            limit: .init(perMinute: 60, burst: 2), maximumClients: 100, clock: { time.withLock { $0 } })
        // A client that keeps asking (its bucket empty) survives a flood of one-shot addresses: idle clients go
        // first, then the least recently seen.
        #expect(limiter.take("active") == .allowed)
        #expect(limiter.take("active") == .allowed)
        for index in 0..<10_000 {
            time.withLock { $0 += 0.000_01 }
            _ = limiter.take("stranger-\(index)")
            if index % 20 == 0 { #expect(limiter.take("active") != .allowed) }
        }
        #expect(limiter.trackedClients <= 100)
        #expect(limiter.take("active") != .allowed)
        // Off: nothing tracked.
        let off = ClientRateLimiter(limit: .off, maximumClients: 10)
        for _ in 0..<100 { #expect(off.take("x") == .allowed) }
        #expect(off.trackedClients == 0)
    }
}
