import Foundation

@testable import TikTokBusiness

extension FuzzTarget {
    /// TikTok's answers: the byte-level JSON reader (`JSONValue(parsing:)`, the tape behind it), the proxy's envelope
    /// head scanner (`TikTokEnvelopeHead.scan(prefix:)`, `TikTokEnvelopeHead(json:)`), and the typed decoding of every
    /// model the SDK reads from an envelope's `data`.
    ///
    /// Invariants, for a body that is valid JSON:
    /// - written back (`jsonText`) it parses to the same value;
    /// - the head scanner agrees with the parsed document on `code`, `message` and `request_id` (and reads a head
    ///   exactly when the document is an object);
    /// - for an object, no prefix of the body is `.notEnvelope`, and a prefix that gives a head gives the same `code`
    ///   (when the object has one `code` member).
    static let envelope = FuzzTarget(
        name: "envelope",
        summary: "TikTok response bodies: JSON reader, envelope head scanner, typed models",
        run: { bytes in
            let body = Data(bytes)
            let fullHead = TikTokEnvelopeHead(json: body)
            let wholeScan = TikTokEnvelopeHead.scan(prefix: bytes)
            if let value = try? JSONValue(parsing: body) {
                let text = value.jsonText
                let reparsed = try? JSONValue(parsing: text)
                check(reparsed == value, "\(text.debugDescription) does not parse back to the same value")
                checkHead(bytes, value: value, fullHead: fullHead, wholeScan: wholeScan)
            }
            decodeModels(body)
        })

    private static func checkHead(
        _ bytes: UnsafeRawBufferPointer, value: JSONValue, fullHead: TikTokEnvelopeHead?,
        wholeScan: TikTokEnvelopeHead.PrefixScan
    ) {
        guard value.objectValue != nil else {
            check(fullHead == nil, "a head was read from a JSON value that is not an object")
            return
        }
        check(fullHead != nil, "no head was read from a JSON object")
        guard let fullHead else { return }
        let document = try! JSONDocument(bytes: bytes, source: nil)
        let expected = TikTokEnvelopeHead(node: document.root)
        check(fullHead == expected, "the scanner read \(fullHead), the parsed document \(String(describing: expected))")

        var codeMembers = 0
        document.root.forEachMember { key, _ in if key.stringValue == "code" { codeMembers += 1 } }
        let n = bytes.count
        let cuts = n <= 96 ? Array(0...n) : (0...96).map { $0 * n / 96 }
        for cut in cuts {
            let scan = TikTokEnvelopeHead.scan(prefix: UnsafeRawBufferPointer(rebasing: bytes[0..<cut]))
            switch scan {
            case .notEnvelope:
                check(false, "the first \(cut) bytes of a JSON object were called not an envelope")
            case .head(let head) where codeMembers == 1:
                check(head.code == fullHead.code, "the first \(cut) bytes gave code \(String(describing: head.code))")
            case .head, .needMore:
                break
            }
        }
        check(wholeScan != .notEnvelope && wholeScan != .needMore, "a whole JSON object was not read as a head")
    }

    /// Decodes `data` as each model the SDK reads; errors are expected, crashes are not.
    private static func decodeModels(_ body: Data) {
        let response = TikTokHTTPResponse(status: 200, body: body)
        _ = try? EnvelopeDecoding.decode(response, endpoint: "/fuzz/") { data -> Int in
            _ = try? data.decode(AdvertiserTokenGrant.self)
            _ = try? data.decode(AccountTokenPayload.self)
            _ = try? data.decode(AccountTokenInfo.self)
            _ = try? data.decode(TCMAccountInfo.self)
            _ = try? data.decode(RevokedAdvertiserToken.self)
            _ = try? data.decode(BusinessAccount.self)
            _ = try? data.decode(Page<Advertiser>.self)
            _ = try? data.decode(Page<Campaign>.self)
            _ = try? data.decode(Page<AdGroup>.self)
            _ = try? data.decode(Page<Ad>.self)
            _ = try? data.decode(Page<ReportRow>.self)
            _ = try? data.decode(JSONValue.self)
            _ = try? data.member("videos")?.decodeArray(BusinessVideo.self)
            _ = try? data.member("comments")?.decodeArray(BusinessComment.self)
            _ = try? data.object(for: [AuthorizedAdvertiser].self).member("list")?.decodeArray(
                AuthorizedAdvertiser.self)
            _ = try? data.object(for: [String].self).lenientStrings("tto_tcm_account_ids")
            _ = try? data.lenientStringMap("metrics")
            return 0
        }
        for status in [200, 404, 503] {
            _ = TikTokEnvelopeHead.failure(of: TikTokEnvelopeHead(json: body), status: status, endpoint: "/fuzz/")
        }
    }
}
