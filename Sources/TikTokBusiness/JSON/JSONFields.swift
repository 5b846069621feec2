/// The member names a model reads, in the order of its `Key` cases.
struct JSONKeys: Sendable {
    /// The names' UTF-8, one after the other.
    private let bytes: [UInt8]
    /// Where each name starts in `bytes`, and (last) where the last one ends.
    private let bounds: [Int]

    /// The names, in order (at most ``JSONFields/capacity``).
    init(_ names: [String]) {
        precondition(names.count <= JSONFields<Never>.capacity, "JSONKeys: too many names")
        var bytes: [UInt8] = []
        var bounds = [0]
        for name in names {
            bytes += name.utf8
            bounds.append(bytes.count)
        }
        self.bytes = bytes
        self.bounds = bounds
    }

    var count: Int { bounds.count - 1 }

    /// The index of the name whose UTF-8 is `length` bytes of `text` from `start`, trying `hint` first (members tend
    /// to come in the same order in every object of a list).
    @inline(__always)
    func index(of text: UnsafeRawBufferPointer, start: Int, length: Int, hint: Int) -> Int? {
        let count = self.count
        guard count > 0, start >= 0, start + length <= text.count else { return nil }
        var k = hint < count ? hint : 0
        for _ in 0..<count {
            let from = bounds[k]
            if bounds[k + 1] - from == length {
                var offset = 0
                while offset < length, text[start + offset] == bytes[from + offset] { offset += 1 }
                if offset == length { return k }
            }
            k = k + 1 == count ? 0 : k + 1
        }
        return nil
    }

    /// The index of `name`.
    func index(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { index(of: UnsafeRawBufferPointer($0), start: 0, length: $0.count, hint: 0) }
    }
}

/// The names of the members a model reads: an `Int` enum whose cases are in the order of ``keys``.
protocol JSONFieldKey: RawRepresentable where RawValue == Int {
    /// The member names, in the order of the cases.
    static var keys: JSONKeys { get }
}

/// The members of an object a model reads, found in one pass over the object (the last one, when a name repeats).
struct JSONFields<Key> {
    static var capacity: Int { 16 }

    let object: JSONNode
    /// Tape index + 1 of each key's value; 0 when absent.
    private var slots:
        (
            UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
            UInt32, UInt32, UInt32, UInt32, UInt32
        ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    init(object: JSONNode, keys: JSONKeys) {
        self.object = object
        let document = object.document
        let tape = document.tape
        let entry = tape[object.index]
        guard entry.kind == .object else { return }
        let bytes = document.bytes
        var hint = 0
        var i = object.index + 1
        let end = Int(entry.next)
        while i + 1 < end {
            let key = tape[i]
            let found: Int?
            if key.kind == .string {
                let start = Int(key.start)
                found = keys.index(of: bytes, start: start, length: Int(key.end) - start, hint: hint)
            } else {
                found = JSONNode(document: document, index: i).stringValue.flatMap(keys.index(of:))
            }
            if let found {
                set(found, UInt32(i + 2))
                hint = found + 1
            }
            i = Int(tape[i + 1].next)
        }
    }

    private mutating func set(_ slot: Int, _ value: UInt32) {
        guard slot >= 0, slot < Self.capacity else { return }
        withUnsafeMutableBytes(of: &slots) { $0.storeBytes(of: value, toByteOffset: slot * 4, as: UInt32.self) }
    }

    private func get(_ slot: Int) -> UInt32 {
        guard slot >= 0, slot < Self.capacity else { return 0 }
        return withUnsafeBytes(of: slots) { $0.load(fromByteOffset: slot * 4, as: UInt32.self) }
    }

    /// The member's value, when present.
    func node(_ slot: Int) -> JSONNode? {
        let value = get(slot)
        return value == 0 ? nil : JSONNode(document: object.document, index: Int(value) - 1)
    }
}

extension JSONFields where Key: JSONFieldKey {
    /// The member's value, when present.
    subscript(_ key: Key) -> JSONNode? { node(key.rawValue) }

    /// A string, or a number's or bool's text; `nil` when absent, null or a container.
    func lenientString(_ key: Key) -> String? { self[key]?.lenientString }
    /// An integer sent as a number or a numeric string.
    func lenientInt(_ key: Key) -> Int? { self[key]?.lenientInt }
    /// A double sent as a number or a numeric string.
    func lenientDouble(_ key: Key) -> Double? { self[key]?.lenientDouble }
}

extension JSONNode {
    /// The members named by `Key` of this object, found in one pass; throws a `DecodingError` naming `type` when the
    /// value is not an object.
    func fields<Key: JSONFieldKey>(for type: Any.Type, keyedBy: Key.Type) throws -> JSONFields<Key> {
        guard kind == .object else { throw mismatch(type, "an object") }
        return JSONFields(object: self, keys: Key.keys)
    }
}
