public import Foundation
import TikTokConnections

/// The emulator as a process, with every kind's redirect URI for a `serve` process on a reserved port, and that
/// `serve`'s settings, in a temporary directory (kept when TIKTOK_BUSINESS_KEEP_E2E is set).
public struct LiveServices {
    public let binary: String
    public let directory: String
    public let emulatorURL: String
    public let servePort: Int
    public let serveURL: String
    public let appID: String
    public let apiKey: String
    public let emulator: Process

    public static func start(_ name: String, emulatorArguments: [String] = []) throws -> LiveServices {
        let binary = try ProcessHarness.binary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let emulatorPort = try ProcessHarness.freePort()
        let servePort = try ProcessHarness.freePort()
        let serveURL = "http://127.0.0.1:\(servePort)"
        let appID = "\(name)-app"
        var arguments = [
            "emulator", "--port", "\(emulatorPort)", "--auto-consent", "--app-id", appID, "--secret", "\(name)-secret",
        ]
        for kind in ConnectionKind.allCases {
            arguments += ["--redirect-uri", "\(serveURL)/oauth/callback/\(kind.rawValue)"]
        }
        let emulator = try ProcessHarness.start(
            binary, arguments + emulatorArguments, environment: [:], log: directory + "/emulator.log")
        return LiveServices(
            binary: binary, directory: directory, emulatorURL: "http://127.0.0.1:\(emulatorPort)", servePort: servePort,
            serveURL: serveURL, appID: appID, apiKey: "\(name)-api-key-0123456789abcdef", emulator: emulator)
    }

    /// The emulator's endpoints.
    public var endpoints: EmulatorEndpoints { EmulatorEndpoints(baseURL: emulatorURL) }

    /// `serve`'s environment: the emulator as TikTok, SQLite in the directory, plus `extra`.
    public func serveEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        endpoints.serviceEnvironment.merging([
            "TIKTOK_APP_ID": appID, "TIKTOK_APP_SECRET": appID.replacingOccurrences(of: "-app", with: "-secret"),
            "TIKTOK_BUSINESS_PUBLIC_URL": serveURL, "TIKTOK_BUSINESS_PORT": "\(servePort)",
            "TIKTOK_BUSINESS_DATABASE_URL": "sqlite://\(directory)/connections.sqlite",
            "TIKTOK_BUSINESS_API_KEY": apiKey, "TIKTOK_RATE_LIMIT_QPS": "500",
        ]) { $1 }.merging(extra) { $1 }
    }

    /// Starts `serve` with ``serveEnvironment(_:)``, logging to `log` in the directory.
    public func startServe(_ extra: [String: String] = [:], log: String) throws -> Process {
        try ProcessHarness.start(binary, ["serve"], environment: serveEnvironment(extra), log: directory + "/" + log)
    }

    /// Stops the emulator and removes the directory.
    public func cleanUp() {
        emulator.terminate()
        if ProcessInfo.processInfo.environment["TIKTOK_BUSINESS_KEEP_E2E"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
