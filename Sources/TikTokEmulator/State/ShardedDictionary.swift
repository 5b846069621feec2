/// A dictionary split into a fixed number of buckets by key hash, for state that a snapshot copies in O(1) (copy on
/// write): the first change after a snapshot then copies one bucket (about 1/64 of the entries), never the whole
/// dictionary, so no single request pays for copying every token.
struct ShardedDictionary<Key: Hashable, Value> {
    /// How many buckets the entries are spread over.
    static var bucketCount: Int { 64 }

    private var buckets: [[Key: Value]]

    init() {
        self.buckets = Array(repeating: [:], count: Self.bucketCount)
    }

    private static func bucket(_ key: Key) -> Int {
        key.hashValue & (Self.bucketCount - 1)
    }

    /// The number of entries (sums the buckets).
    var count: Int { self.buckets.reduce(0) { $0 + $1.count } }

    /// Every entry, bucket by bucket (in no particular order).
    var elements: FlattenSequence<[[Key: Value]]> { self.buckets.joined() }

    subscript(key: Key) -> Value? {
        get { self.buckets[Self.bucket(key)][key] }
        _modify { yield &self.buckets[Self.bucket(key)][key] }
    }

    subscript(key: Key, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self.buckets[Self.bucket(key)][key] ?? defaultValue() }
        _modify { yield &self.buckets[Self.bucket(key)][key, default: defaultValue()] }
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        self.buckets[Self.bucket(key)].removeValue(forKey: key)
    }
}

extension ShardedDictionary: Sendable where Key: Sendable, Value: Sendable {}
