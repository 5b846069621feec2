import Foundation

/// A count in a time bucket, for the overview's charts: events of a type per hour, refresh-token lapses per week,
/// connections of a status per hour.
public struct BucketCount: Sendable, Hashable {
    /// The bucket's start.
    public var start: Date
    /// Which series it belongs to (an event type, a kind, a status).
    public var series: String
    /// How many.
    public var count: Int

    /// Creates a count.
    public init(start: Date, series: String, count: Int) {
        self.start = start
        self.series = series
        self.count = count
    }
}
