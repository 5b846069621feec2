public import Foundation

/// Runs the CLI and collects its output.
public struct CLI {
    public let binary: String
    public let environment: [String: String]

    public init(binary: String, environment: [String: String]) {
        self.binary = binary
        self.environment = environment
    }

    /// Runs the executable with `arguments`; its status and its output and errors together.
    public func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TIKTOK_") }
        env.merge(environment) { $1 }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
