import Foundation

/// A JSON value kept as the bytes it was read from, and turned into a ``JSONValue`` only when read: what models store
/// behind their `raw` property, so that decoding a page costs nothing for the `raw` nobody reads.
///
/// It keeps the whole response body alive (shared, not copied) for as long as it lives. Each read of ``value`` parses
/// the value's bytes again; read it once and keep the result when reading it often. Equality and hashing are by
/// content, whatever the storage.
struct LazyJSON: Sendable, Hashable {
    private enum Storage: Sendable {
        /// The value's text: `range` of `source`'s bytes, offsets from its first byte. Validated when it was read.
        case bytes(source: Data, range: Range<Int>)
        case value(JSONValue)
    }

    private let storage: Storage

    /// A value already materialized.
    init(_ value: JSONValue) {
        storage = .value(value)
    }

    /// The value whose text is `range` of `source`'s bytes (offsets from its first byte).
    init(source: Data, range: Range<Int>) {
        storage = .bytes(source: source, range: range)
    }

    /// The value.
    var value: JSONValue {
        switch storage {
        case .value(let value):
            return value
        case .bytes(let source, let range):
            return source.withUnsafeBytes { all in
                guard range.lowerBound >= 0, range.upperBound <= all.count,
                    let document = try? JSONDocument(bytes: UnsafeRawBufferPointer(rebasing: all[range]), source: nil)
                else { return .null }
                return document.root.jsonValue
            }
        }
    }

    static func == (lhs: LazyJSON, rhs: LazyJSON) -> Bool {
        if case .bytes(let left, let leftRange) = lhs.storage, case .bytes(let right, let rightRange) = rhs.storage,
            left.withUnsafeBytes({ leftBytes in
                right.withUnsafeBytes { rightBytes in
                    leftRange.upperBound <= leftBytes.count && rightRange.upperBound <= rightBytes.count
                        && leftBytes[leftRange].elementsEqual(rightBytes[rightRange])
                }
            })
        {
            return true
        }
        return lhs.value == rhs.value
    }

    func hash(into hasher: inout Hasher) {
        value.hash(into: &hasher)
    }
}
