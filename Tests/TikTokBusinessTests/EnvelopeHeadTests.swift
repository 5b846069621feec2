import Foundation
import Testing
import TikTokBusiness

@Suite("Reading TikTok's envelope head without its data")
struct EnvelopeHeadTests {
    static func scan(_ text: String) -> TikTokEnvelopeHead.PrefixScan {
        Array(text.utf8).withUnsafeBytes { TikTokEnvelopeHead.scan(prefix: $0) }
    }

    static func head(_ code: Int?, _ message: String? = nil, _ requestID: String? = nil)
        -> TikTokEnvelopeHead.PrefixScan
    {
        .head(TikTokEnvelopeHead(code: code, message: message, requestID: requestID))
    }

    static let bigList =
        "["
        + Array(repeating: #"{"campaign_id":"1800000000000000001","name":"a \"b\" c"}"#, count: 2000)
        .joined(separator: ",") + "]"

    @Test func codeFirstThenHugeDataTruncatedIsAHead() {
        let body = #"{"code":0,"message":"OK","request_id":"r-1","data":{"list":"# + Self.bigList
        let truncated = String(body.prefix(body.utf8.count / 2))
        #expect(Self.scan(truncated) == Self.head(0, "OK", "r-1"))
        // Enough to answer as soon as `data`'s key is read.
        #expect(Self.scan(#"{"code":40100,"message":"limit","data""#) == .needMore)
        #expect(Self.scan(#"{"code":40100,"message":"limit","data":"#) == Self.head(40100, "limit"))
    }

    @Test func dataFirstTruncatedNeedsMore() {
        let body = #"{"data":{"list":"# + Self.bigList + #"},"code":0,"message":"OK"}"#
        #expect(Self.scan(String(body.prefix(5_000))) == .needMore)
        // The whole of data in the prefix: the reader goes on to the code after it.
        #expect(Self.scan(body) == Self.head(0, "OK"))
        #expect(Self.scan(#"{"data":[1,2],"code":"40002","message":"bad"}"#) == Self.head(40002, "bad"))
    }

    @Test func htmlAndOtherTextsAreNotEnvelopes() {
        #expect(Self.scan("<html><body>502 Bad Gateway</body></html>") == .notEnvelope)
        #expect(Self.scan("  \n<!DOCTYPE html>") == .notEnvelope)
        #expect(Self.scan("[1,2]") == .notEnvelope)
        #expect(Self.scan(#""code""#) == .notEnvelope)
        #expect(Self.scan(#"{code:0}"#) == .notEnvelope)
        #expect(Self.scan(#"{"code" 0}"#) == .notEnvelope)
        #expect(Self.scan(#"{"code":0 "data":1}"#) == .notEnvelope)
        #expect(Self.scan(#"{"x":[1,2}, "code":0}"#) == .notEnvelope)
    }

    @Test func shortPrefixesNeedMore() {
        for text in [
            "", "   ", "{", #"{"co"#, #"{"code""#, #"{"code":"#, #"{"code":4"#, #"{"code":40100"#,
            #"{"code":40100,"#, #"{"message":"O"#, #"{"code":"4010"#, #"{"x":tru"#, #"{"x":[{"y":"]"#,
        ] {
            #expect(Self.scan(text) == .needMore, "\(text)")
        }
    }

    @Test func lenientCodes() {
        #expect(Self.scan(#"{"code":"40105","message":"expired","data":{}}"#) == Self.head(40105, "expired"))
        #expect(Self.scan(#"{ "request_id" : 12 , "code" : 0.0 , "data" : null }"#) == Self.head(0, nil, "12"))
        #expect(Self.scan(#"{"code":true,"data":{}}"#) == Self.head(nil))
        #expect(Self.scan(#"{"code":{"a":1},"message":"m\u00e9","data":{}}"#) == Self.head(nil, "mé"))
        #expect(Self.scan(#"{"message":"no code"}"#) == Self.head(nil, "no code"))
        #expect(Self.scan(#"{"c\u006fde":7,"data":1}"#) == Self.head(7))
    }

    @Test func everyPrefixOfAnEnvelopeNeedsMoreOrIsItsHead() throws {
        let body = #"{"request_id":"r\"1","code":0,"message":"OK","data":{"list":[{"a":"}]\\"},[],null,-1.5e3]},"x":1}"#
        let bytes = Array(body.utf8)
        let full = try #require(TikTokEnvelopeHead(json: Data(bytes)))
        #expect(full == TikTokEnvelopeHead(code: 0, message: "OK", requestID: "r\"1"))
        var sawHead = false
        for end in 0...bytes.count {
            let scan = bytes[..<end].withUnsafeBytes { TikTokEnvelopeHead.scan(prefix: $0) }
            switch scan {
            case .needMore: #expect(!sawHead, "needMore after a head, at \(end)")
            case .head(let head):
                sawHead = true
                #expect(head == full)
            case .notEnvelope: Issue.record("notEnvelope at \(end)")
            }
        }
        #expect(sawHead)
    }

    @Test func wholeBodies() throws {
        #expect(TikTokEnvelopeHead(json: Data("<html></html>".utf8)) == nil)
        #expect(TikTokEnvelopeHead(json: Data("[]".utf8)) == nil)
        #expect(TikTokEnvelopeHead(json: Data()) == nil)
        #expect(TikTokEnvelopeHead(json: Data(#"{"code":0,"data":{"a":[1}}"#.utf8)) == nil)
        #expect(TikTokEnvelopeHead(json: Data(#"{"code":0,"data":{}} x"#.utf8)) == nil)
        #expect(TikTokEnvelopeHead(json: Data(#"{"code":0,"data":{}"#.utf8)) == nil)
        // Members after data count, for a whole body.
        let late = try #require(TikTokEnvelopeHead(json: Data(#"{"data":{},"code":"50002","request_id":"q"}"#.utf8)))
        #expect(late == TikTokEnvelopeHead(code: 50002, message: nil, requestID: "q"))
        #expect(
            TikTokEnvelopeHead(json: Data("{}".utf8)) == TikTokEnvelopeHead(code: nil, message: nil, requestID: nil))
        // A large data value is skipped, not decoded.
        let big = Data((#"{"code":0,"message":"OK","data":{"list":"# + Self.bigList + "}} \n").utf8)
        #expect(TikTokEnvelopeHead(json: big) == TikTokEnvelopeHead(code: 0, message: "OK", requestID: nil))
    }
}
