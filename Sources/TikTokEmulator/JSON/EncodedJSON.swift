/// A JSON value with its compact text, encoded once: responses splice the text in as is (``JSONValue/encoded(_:)``),
/// so that data which never changes (the seeded catalog) is not encoded again on every request.
struct EncodedJSON: Sendable {
    /// The value.
    let value: JSONValue
    /// Its compact JSON text, exactly as ``JSONValue/write(into:)`` writes `value`.
    let bytes: [UInt8]

    init(_ value: JSONValue) {
        var bytes: [UInt8] = []
        value.write(into: &bytes)
        self.value = value
        self.bytes = bytes
    }
}
