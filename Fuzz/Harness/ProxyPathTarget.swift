import Foundation
import Hummingbird

@testable import TikTokConnectionsServer

extension FuzzTarget {
    /// The proxy's path check, `ProxyRelay.apiPath(_:)`: the segments after `/v1/proxy/{id}/`, here the input split
    /// at `/` (invalid UTF-8 replaced, as a server would hand it on).
    ///
    /// Invariants: it accepts exactly the non-empty lists of segments made of ASCII letters, digits, `_`, `-` and `.`,
    /// none of them `.` or `..`; what it returns is `/` + the segments joined by `/` + `/`; and that path, appended to
    /// the API base URL, stays below it.
    static let proxyPath = FuzzTarget(
        name: "proxy-path",
        summary: "the proxy's path check (ProxyRoutes.apiPath)",
        run: { bytes in
            let segments = bytes.text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let path = try? ProxyRelay.apiPath(segments)
            let allowed =
                !segments.isEmpty
                && segments.allSatisfy { segment in
                    !segment.isEmpty && segment != "." && segment != ".."
                        && segment.utf8.allSatisfy { byte in
                            switch byte {
                            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
                                UInt8(ascii: "."):
                                true
                            default: false
                            }
                        }
                }
            check((path != nil) == allowed, "\(segments) was \(path == nil ? "refused" : "accepted")")
            guard let path else { return }
            check(path == "/" + segments.joined(separator: "/") + "/", "\(segments) became \(path.debugDescription)")
            let base = "https://business-api.tiktok.com/open_api/v1.3"
            let resolved = URL(string: base + path)?.standardized.path
            check(
                resolved?.hasPrefix("/open_api/v1.3/") == true,
                "\(path.debugDescription) leaves the API base (\(resolved ?? "not a URL"))")
        })
}
