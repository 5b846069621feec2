import Foundation
import Testing

@testable import TikTokBusiness

@Suite("The byte-level JSON reader")
struct JSONReaderTests {
    static let valid: [(String, JSONValue)] = [
        ("{}", .object([:])),
        ("[]", .array([])),
        (" \n\t\r[1, 2 ,3 ]\n ", [1, 2, 3]),
        (#"{"a":{"b":[true,false,null]}}"#, ["a": ["b": [true, false, nil]]]),
        (#""a\"b\\c\/d\b\f\n\r\t""#, .string("a\"b\\c/d\u{08}\u{0C}\n\r\t")),
        (#""\u00e9\u4E2D""#, .string("é中")),
        (#""\ud83d\ude00 and \uD83D\uDE00""#, .string("😀 and 😀")),
        (#""\u0000""#, .string("\u{0}")),
        ("\"é中😀\"", .string("é中😀")),
        ("0", .number("0")),
        ("-0", .number("-0")),
        ("1.5e+10", .number("1.5e+10")),
        ("1E-2", .number("1E-2")),
        ("-12.50", .number("-12.50")),
        ("7301234567890123456", .number("7301234567890123456")),
        ("123456789012345678901234567890", .number("123456789012345678901234567890")),
        ("true", true),
        ("null", nil),
        (#"{"a":1,"a":2}"#, ["a": 2]),
        (#"{"k\u0065y":"v"}"#, ["key": "v"]),
        (#"{"":""}"#, ["": ""]),
    ]

    @Test(arguments: valid.indices)
    func readsValidText(_ index: Int) throws {
        let (text, expected) = Self.valid[index]
        #expect(try JSONValue(parsing: text) == expected)
        #expect(try JSONValue(parsing: Data(text.utf8)) == expected)
    }

    static let invalid: [(String, JSONParseError.Reason)] = [
        ("", .truncated), (" ", .truncated), ("{", .truncated), ("[1,", .truncated), (#""abc"#, .truncated),
        ("[1,]", .unexpectedByte), (#"{"a":1,}"#, .unexpectedByte), (#"{"a" 1}"#, .unexpectedByte),
        ("{a:1}", .unexpectedByte), ("[1 2]", .unexpectedByte), ("tru", .truncated), ("nul]", .unexpectedByte),
        ("NaN", .unexpectedByte), ("+1", .unexpectedByte), ("[1]]", .trailingBytes), ("[1] x", .trailingBytes),
        ("01", .trailingBytes), ("1.", .truncated), ("1.x", .invalidNumber), (".5", .unexpectedByte),
        ("-", .truncated), ("-a", .invalidNumber), ("1e", .truncated), ("1e+]", .invalidNumber),
        (#""\x""#, .invalidEscape), (#""\u12""#, .invalidEscape), (#""\u12g4""#, .invalidEscape),
        (#""\ud83d""#, .invalidUnicode), (#""\ude00""#, .invalidUnicode), (#""\ud83d\u0041""#, .invalidUnicode),
        ("\"a\tb\"", .controlCharacter), ("\"a\nb\"", .controlCharacter), ("{]", .unexpectedByte),
        ("[}", .unexpectedByte), (#"{"a":1]"#, .unexpectedByte), ("\u{FEFF}{}", .unexpectedByte),
    ]

    @Test(arguments: invalid.indices)
    func rejectsInvalidText(_ index: Int) {
        let (text, reason) = Self.invalid[index]
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        #expect(error?.reason == reason, "\(text.debugDescription): \(String(describing: error))")
    }

    @Test(
        arguments: [
            [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
            [0x22, 0xE4, 0xB8, 0x22], [0x22, 0x80, 0x22], [0x5B, 0xC3, 0xA9, 0x5D],
        ] as [[UInt8]])
    func rejectsBytesThatAreNotUTF8(_ bytes: [UInt8]) {
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: Data(bytes)) }
        #expect(error?.reason == .invalidUnicode || error?.reason == .unexpectedByte)
    }

    @Test func nestingIsBoundedNotRecursive() throws {
        let depth = JSONParseError.maximumDepth
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try JSONValue(parsing: deepest)
        for _ in 1..<depth { value = try #require(value.arrayValue?.first) }
        #expect(value == .array([]))

        let tooDeep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        #expect(throws: JSONParseError(.tooDeep, at: depth)) { try JSONValue(parsing: tooDeep) }
        // Far deeper than any stack would take, were the reader recursive.
        let absurd = String(repeating: #"{"a":["#, count: 200_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: absurd) }
    }

    @Test func everyTruncationIsAnErrorNeverACrash() throws {
        let text =
            #"{"code":0,"data":{"list":[{"id":"7301234567890123456","n":-1.5e3,"s":"é\n\ud83d\ude00","t":true,"f":false,"z":null}],"x":[]}}"#
        let bytes = Array(text.utf8)
        _ = try JSONValue(parsing: Data(bytes))
        for end in 0..<bytes.count {
            let prefix = Data(bytes[..<end])
            #expect(throws: JSONParseError.self, "prefix of \(end) bytes") { try JSONValue(parsing: prefix) }
        }
    }

    @Test func errorsNameTheOffsetNotTheText() {
        let error = #expect(throws: JSONParseError.self) {
            try JSONValue(parsing: #"{"access_token":"secret-token-value" oops}"#)
        }
        #expect(error?.offset == 37)
        #expect(error.map { "\($0)" }?.contains("secret") == false)
    }

    @Test func agreesWithJSONDecoderOnATikTokPage() throws {
        let text = #"""
            {"code":0,"message":"OK","request_id":"2026","data":{"list":[{"campaign_id":"1800000000000000001",
            "campaign_name":"Caf\u00e9 \"one\"","budget":50.5,"is_new_structure":true,"special_industries":[],
            "rta_id":null,"nested":{"a":[1,{"b":"c"}]}}],"page_info":{"page":1,"page_size":10,"total_number":1,
            "total_page":1}}}
            """#
        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(try JSONValue(parsing: text) == expected)
    }

    /// Random values, written by ``JSONValue/jsonText`` (and pretty-printed with whitespace), read back equal.
    @Test func randomValuesRoundTrip() throws {
        var generator = SplitMix64(seed: 0x5EED_1234)
        for _ in 0..<500 {
            let value = JSONValue.random(depth: 4, using: &generator)
            let text = value.jsonText
            #expect(try JSONValue(parsing: text) == value, "\(text)")
            // The same through a document, as models read it: raw materialized lazily from the bytes.
            let data = Data(text.utf8)
            let lazy = try data.withUnsafeBytes { bytes in
                try JSONDocument(bytes: bytes, source: data).root.lazyValue
            }
            #expect(lazy.value == value)
            #expect(lazy == LazyJSON(value))
            #expect(lazy.hashValue == LazyJSON(value).hashValue)
        }
    }

    /// Random edits of a valid text: the reader answers (a value or an error) and never crashes.
    @Test func mutatedTextNeverCrashes() {
        var generator = SplitMix64(seed: 42)
        let base = Array(
            #"{"code":0,"data":{"list":[{"a":"x\u00e9\ud83d\ude00","b":[1,2.5e-3,-0],"c":{"d":null}}],"e":true}}"#.utf8)
        let alphabet = Array(#"{}[]",:\u0123456789.eE+-tfn "#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xED, 0xFF]
        for _ in 0..<3000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                let byte = alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = byte
                case 1: bytes.insert(byte, at: position)
                default: if bytes.count > 1 { bytes.remove(at: position) }
                }
            }
            let data = Data(bytes)
            if let value = try? JSONValue(parsing: data) {
                // The reader is no less strict than Foundation's.
                #expect((try? JSONDecoder().decode(JSONValue.self, from: data)) != nil, "\(value.jsonText)")
            }
            _ = TikTokEnvelopeHead(json: data)
            _ = data.withUnsafeBytes { TikTokEnvelopeHead.scan(prefix: $0) }
        }
    }
}

/// A small seeded generator, so that failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension JSONValue {
    static func random(depth: Int, using generator: inout SplitMix64) -> JSONValue {
        let choice = Int.random(in: 0..<(depth > 0 ? 7 : 5), using: &generator)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .number(randomNumber(using: &generator))
        case 3, 4: return .string(randomString(using: &generator))
        case 5:
            let count = Int.random(in: 0..<5, using: &generator)
            return .array((0..<count).map { _ in random(depth: depth - 1, using: &generator) })
        default:
            let count = Int.random(in: 0..<5, using: &generator)
            var members: [String: JSONValue] = [:]
            for _ in 0..<count {
                members[randomString(using: &generator)] = random(depth: depth - 1, using: &generator)
            }
            return .object(members)
        }
    }

    static func randomNumber(using generator: inout SplitMix64) -> String {
        switch Int.random(in: 0..<5, using: &generator) {
        case 0: return String(Int64.random(in: .min ... .max, using: &generator))
        case 1: return String(UInt64.random(in: 0 ... .max, using: &generator)) + "123"
        case 2: return "-0"
        case 3: return "\(Int.random(in: -999...999, using: &generator)).\(Int.random(in: 0...999, using: &generator))"
        default:
            return
                "\(Int.random(in: 1...9, using: &generator))e\(["", "+", "-"].randomElement(using: &generator) ?? "")\(Int.random(in: 0...300, using: &generator))"
        }
    }

    static func randomString(using generator: inout SplitMix64) -> String {
        let pool: [Unicode.Scalar] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "中", "😀",
            "\u{FFFD}", "\u{10FFFF}", "\u{2028}",
        ]
        let count = Int.random(in: 0..<8, using: &generator)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<count { scalars.append(pool[Int.random(in: 0..<pool.count, using: &generator)]) }
        return String(scalars)
    }
}
