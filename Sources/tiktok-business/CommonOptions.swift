import ArgumentParser
import Foundation
import Logging
import TikTokBusinessService

/// The CLI's name for the service settings.
typealias Settings = ServiceSettings

/// Options every command shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "A JSON file with the same keys as the environment variables.")
    var configFile: String?

    /// Loads the settings and sets up logging to standard error at `LOG_LEVEL`.
    func settings() async throws -> Settings {
        let settings = try await Settings.load(configFile: configFile)
        Logging.bootstrapOnce(level: settings.logLevel)
        return settings
    }
}

enum Logging {
    nonisolated(unsafe) private static var bootstrapped = false

    /// Bootstraps swift-log once per process (commands run once per process; tests call commands in-process).
    static func bootstrapOnce(level: String) {
        guard !bootstrapped else { return }
        bootstrapped = true
        let parsed = Logger.Level(rawValue: level.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}

/// Unbuffered standard output, so banners and URLs show at once even when piped to a file.
enum Console {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
