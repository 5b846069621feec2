import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Who a request comes from, for rate limits: the peer's address, or with trusted proxies the address they saw.
enum ClientAddress {
    /// The client key of `request`: an IPv4 address, an IPv6 /64 prefix (one subscriber usually holds a whole /64),
    /// or `unknown` when there is no address (in-process tests).
    ///
    /// With `trustedProxyHops` = N > 0 the address is the N-th from the right of `X-Forwarded-For` (each trusted
    /// proxy appends the address it received the request from; entries further left are the client's word). A
    /// request with fewer entries than that came around the proxies, and counts as its peer.
    static func key(peer: SocketAddress?, forwardedFor: String?, trustedProxyHops: Int) -> String {
        if trustedProxyHops > 0, let forwardedFor {
            let entries = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if entries.count >= trustedProxyHops {
                let entry = entries[entries.count - trustedProxyHops]
                if let normalized = normalize(entry) { return normalized }
            }
        }
        guard let peer, let ip = peer.ipAddress else { return "unknown" }
        return normalize(ip) ?? "unknown"
    }

    /// An IPv4 address as is; an IPv6 address as its /64 prefix; `nil` for anything else.
    static func normalize(_ text: String) -> String? {
        var text = Substring(text)
        if text.hasPrefix("["), let end = text.firstIndex(of: "]") {  // [v6]:port
            text = text[text.index(after: text.startIndex)..<end]
        }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        if text.contains(":") {
            guard let address = try? SocketAddress(ipAddress: String(text), port: 0), case .v6(let v6) = address
            else { return nil }
            // The first 8 bytes of the address (a sockaddr_in6: family, port, flow info, then the 16 bytes): the /64.
            let bytes = withUnsafeBytes(of: v6.address) { Array($0[8..<16]) }
            if bytes == [0, 0, 0, 0, 0, 0, 0, 0] {
                // ::ffff:a.b.c.d and other v4-mapped forms: the whole address.
                return String(text).lowercased()
            }
            return bytes.map { String($0, radix: 16).leftPadded(2) }.joined() + "::/64"
        }
        guard (try? SocketAddress(ipAddress: String(text), port: 0)) != nil else { return nil }
        return String(text)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
