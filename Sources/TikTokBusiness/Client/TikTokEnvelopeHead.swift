import Foundation

/// The head of TikTok's envelope, `{"code","message","request_id"}`, read without decoding `data` (which may be a
/// large report page): what a proxy needs to classify an answer.
public struct TikTokEnvelopeHead: Sendable, Hashable {
    /// TikTok's code (`0` on success), when the body is an envelope with one.
    public var code: Int?
    /// TikTok's message.
    public var message: String?
    /// TikTok's request id.
    public var requestID: String?

    /// Creates a head.
    public init(code: Int?, message: String?, requestID: String?) {
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    /// Reads the head of a JSON body; `nil` when the body is not a JSON object (a gateway's HTML page, say).
    ///
    /// `code` may be a number or a numeric string. The members other than `code`, `message` and `request_id` are
    /// skipped, not decoded: their structure is checked (strings end, brackets match), their content is not.
    public init?(json body: Data) {
        let scan = body.withUnsafeBytes { Self.scan($0, prefix: false) }
        guard case .head(let head) = scan else { return nil }
        self = head
    }

    /// The head of a parsed envelope; `nil` when the value is not an object.
    init?(node: JSONNode) {
        guard node.isObject else { return nil }
        self.init(
            code: node.lenientInt("code"), message: node.lenientString("message"),
            requestID: node.lenientString("request_id"))
    }

    /// What the start of a body tells of its envelope.
    public enum PrefixScan: Sendable, Equatable {
        /// The head: `code` was read and the reader reached `data` or the end of the object. `message` and
        /// `request_id` are there when they came before `data`.
        case head(TikTokEnvelopeHead)
        /// The bytes end before the head is known: read more of the body and scan again.
        case needMore
        /// The bytes cannot start a JSON object (an HTML page, say), or are not JSON.
        case notEnvelope
    }

    /// Reads the envelope head from the first bytes of a body. `.head` once `code` has been read and the reader reached
    /// the `data` member or the end of the top-level object (members after `data` are not waited for); `.needMore` when
    /// the bytes end before that; `.notEnvelope` when they cannot start a JSON object (an HTML page, say).
    ///
    /// When `code` does not come before `data`, the reader goes on past `data` only when the whole of its value is in
    /// `prefix` (else `.needMore`). An object that ends without `code` is a `.head` whose `code` is `nil`. Members are
    /// skipped without being decoded; a structure no JSON text has (an unterminated object followed by more, a
    /// mismatched bracket) is `.notEnvelope`.
    public static func scan(prefix: UnsafeRawBufferPointer) -> PrefixScan {
        switch scan(prefix, prefix: true) {
        case .head(let head): .head(head)
        case .needMore: .needMore
        case .invalid: .notEnvelope
        }
    }

    private enum Scan {
        case head(TikTokEnvelopeHead)
        case needMore
        case invalid
    }

    private enum Member {
        case code, message, requestID, data, other
    }

    /// Reads the top-level object's members up to `data` (when `prefix` and `code` came first) or to its end (then,
    /// unless `prefix`, requiring nothing but whitespace after it).
    private static func scan(_ bytes: UnsafeRawBufferPointer, prefix: Bool) -> Scan {
        let n = bytes.count
        var head = TikTokEnvelopeHead(code: nil, message: nil, requestID: nil)
        var sawCode = false
        var i = JSONTape.skipWhitespace(bytes, from: 0)
        guard i < n else { return .needMore }
        guard bytes[i] == UInt8(ascii: "{") else { return .invalid }
        i = JSONTape.skipWhitespace(bytes, from: i + 1)
        guard i < n else { return .needMore }
        if bytes[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            members: while true {
                // The key.
                guard i < n else { return .needMore }
                guard bytes[i] == UInt8(ascii: "\"") else { return .invalid }
                let keyEnd: Int
                let keyEscaped: Bool
                do throws(JSONParseError) {
                    (keyEnd, keyEscaped) = try JSONTape.scanString(bytes, at: i)
                } catch {
                    return error.reason == .truncated ? .needMore : .invalid
                }
                let member = Self.member(bytes, i + 1..<keyEnd, escaped: keyEscaped)
                i = JSONTape.skipWhitespace(bytes, from: keyEnd + 1)
                guard i < n else { return .needMore }
                guard bytes[i] == UInt8(ascii: ":") else { return .invalid }
                if member == .data, prefix, sawCode { return .head(head) }
                i = JSONTape.skipWhitespace(bytes, from: i + 1)
                guard i < n else { return .needMore }

                // The value.
                switch member {
                case .data, .other:
                    switch JSONSkip.value(bytes, at: i) {
                    case .end(let end): i = end
                    case .truncated: return .needMore
                    case .invalid: return .invalid
                    }
                case .code, .message, .requestID:
                    let (value, end): (Value, Int)
                    switch readValue(bytes, at: i) {
                    case .value(let read, let next): (value, end) = (read, next)
                    case .needMore: return .needMore
                    case .invalid: return .invalid
                    }
                    i = end
                    switch member {
                    case .code:
                        sawCode = true
                        head.code = value.isBool ? nil : value.text.flatMap(JSONNode.lenientInt(text:))
                    case .message: head.message = value.text
                    default: head.requestID = value.text
                    }
                }

                // After the value: the next member, or the end of the object.
                i = JSONTape.skipWhitespace(bytes, from: i)
                guard i < n else { return .needMore }
                switch bytes[i] {
                case UInt8(ascii: ","):
                    i = JSONTape.skipWhitespace(bytes, from: i + 1)
                case UInt8(ascii: "}"):
                    i += 1
                    break members
                default:
                    return .invalid
                }
            }
        }
        if !prefix {
            guard JSONTape.skipWhitespace(bytes, from: i) == n else { return .invalid }
        }
        return .head(head)
    }

    private static func member(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, escaped: Bool) -> Member {
        let name = UnsafeRawBufferPointer(rebasing: bytes[range])
        func matches(_ key: StaticString) -> Bool {
            if escaped {
                return JSONNode.unescape(bytes, range).utf8.elementsEqual(
                    UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            }
            return name.elementsEqual(UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        }
        if matches("code") { return .code }
        if matches("data") { return .data }
        if matches("message") { return .message }
        if matches("request_id") { return .requestID }
        return .other
    }

    /// A head member's value, read as ``JSONValue/stringValue`` reads it.
    private struct Value {
        var text: String?
        var isBool = false
    }

    private enum Read {
        case value(Value, end: Int)
        case needMore
        case invalid
    }

    private static func readValue(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Read {
        let n = bytes.count
        switch bytes[start] {
        case UInt8(ascii: "\""):
            do throws(JSONParseError) {
                let (end, escaped) = try JSONTape.scanString(bytes, at: start)
                let range = start + 1..<end
                let text =
                    escaped
                    ? JSONNode.unescape(bytes, range)
                    : String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
                return .value(Value(text: text), end: end + 1)
            } catch {
                return error.reason == .truncated ? .needMore : .invalid
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            do throws(JSONParseError) {
                let end = try JSONTape.scanNumber(bytes, at: start)
                // A number that reaches the end of the bytes may go on in the next ones.
                guard end < n else { return .needMore }
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                return .value(Value(text: text), end: end)
            } catch {
                return error.reason == .truncated ? .needMore : .invalid
            }
        default:
            switch JSONSkip.value(bytes, at: start) {
            case .end(let end):
                switch bytes[start] {
                case UInt8(ascii: "t"): return .value(Value(text: "true", isBool: true), end: end)
                case UInt8(ascii: "f"): return .value(Value(text: "false", isBool: true), end: end)
                default: return .value(Value(text: nil), end: end)
                }
            case .truncated: return .needMore
            case .invalid: return .invalid
            }
        }
    }

    /// The error this head and HTTP status stand for, or `nil` for a success (code 0 with a 2xx status). A body that
    /// is not an envelope at all is a transient failure for 5xx/429/408 and an invalid response otherwise.
    public static func failure(of head: TikTokEnvelopeHead?, status: Int, endpoint: String) -> TikTokError? {
        guard let head else {
            let transient = status >= 500 || status == 429 || status == 408
            return TikTokError(
                category: transient ? .transient : .invalidResponse,
                message: "HTTP \(status) without TikTok's JSON envelope.", httpStatus: status, endpoint: endpoint)
        }
        guard let code = head.code else {
            return TikTokError(
                category: status >= 500 ? .transient : .invalidResponse,
                message: "HTTP \(status): the response has no envelope code.", requestID: head.requestID,
                httpStatus: status, endpoint: endpoint)
        }
        guard code == 0 else {
            return TikTokError(
                code: code, message: head.message ?? "", requestID: head.requestID, httpStatus: status,
                endpoint: endpoint)
        }
        guard (200..<300).contains(status) else {
            return TikTokError(
                category: status >= 500 ? .transient : .invalidResponse,
                message: "HTTP \(status) with a success envelope.", requestID: head.requestID, httpStatus: status,
                endpoint: endpoint)
        }
        return nil
    }
}
