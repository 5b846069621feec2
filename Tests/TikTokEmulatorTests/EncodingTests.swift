import Testing

@testable import TikTokEmulator

@Suite("Encoding helpers")
struct EncodingTests {
    @Test("form decoding treats + as a space and %2B as a plus")
    func formDecoding() throws {
        let values = try FormEncoding.decode("a=1+2&b=%5B%22x%22%2C+%22y%22%5D&c=%2B&d")
        #expect(values == ["a": "1 2", "b": #"["x", "y"]"#, "c": "+"])
        #expect(try FormEncoding.decode("") == [:])
        #expect(FormEncoding.decodeComponent("a+b%2Bc%C3%A9") == "a b+cé")
        #expect(FormEncoding.decodeComponent("50%") == "50%")
    }

    @Test("a malformed query string or form is 40002", arguments: ["a=1&a=2", "a=%zz", "a[b]=1", "a[]=1&a[]=2"])
    func malformedForms(text: String) {
        #expect(throws: APIError.self) { try FormEncoding.decode(text) }
        #expect((try? FormEncoding.decode(text)) == nil)
    }

    @Test("redirect query building keeps an existing query and fragment")
    func appending() {
        #expect(FormEncoding.appending([("code", "a b"), ("state", nil)], to: "http://x/cb") == "http://x/cb?code=a+b")
        #expect(FormEncoding.appending([("s", "1,2")], to: "http://x/cb?k=v#top") == "http://x/cb?k=v&s=1%2C2#top")
    }

    @Test("JSON round trip keeps member order and escapes strings")
    func jsonRoundTrip() throws {
        let text = #"{"b":1,"a":[true,null,-2.5,"é\n\"q\"\ud83d\ude00"],"c":{}}"#
        let value = try #require(JSONValue.parse(text))
        #expect(value.objectValue?.map(\.0) == ["b", "a", "c"])
        #expect(value["a"]?.arrayValue?[3] == "é\n\"q\"😀")
        #expect(JSONValue.parse(value.serialized) == value)
        #expect(JSONValue.parse("{\"a\":}") == nil)
        #expect(JSONValue.parse("[1,]") == nil)
        #expect(JSONValue.parse("1 2") == nil)
    }

    @Test("civil dates")
    func civilDates() throws {
        let date = try #require(CivilDate(parsing: "2024-02-29"))
        #expect(CivilDate(dayNumber: date.dayNumber) == date)
        #expect(CivilDate(parsing: "2023-02-29") == nil)
        #expect(CivilDate(parsing: "2024-2-01") == nil)
        #expect(CivilDate.timestamp(unixSeconds: 1_709_210_096) == "2024-02-29 12:34:56")
        #expect(CivilDate(dayNumber: 0).iso == "1970-01-01")
    }
}
