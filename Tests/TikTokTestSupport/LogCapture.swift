public import Logging
public import Synchronization

/// Collects every log line (message and metadata) at trace level.
public final class LogCapture: Sendable {
    /// The lines logged so far: level, label, message and metadata.
    public let lines = Mutex<[String]>([])

    public init() {}

    /// A logger at trace level whose lines go to this capture.
    public func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { label in CapturingHandler(label: label, capture: self) }
        logger.logLevel = .trace
        return logger
    }

    /// Every line, one per line.
    public var text: String { lines.withLock { $0.joined(separator: "\n") } }

    struct CapturingHandler: LogHandler {
        let label: String
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
            capture.lines.withLock { $0.append("\(event.level) \(label) \(event.message) \(merged)") }
        }
    }
}
