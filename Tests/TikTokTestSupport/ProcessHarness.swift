public import Foundation
import NIOCore
import NIOPosix

/// Starts the project's executable.
public enum ProcessHarness {
    /// The executable: `TIKTOK_BUSINESS_BINARY`, or the debug build's.
    public static func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["TIKTOK_BUSINESS_BINARY"] { return path }
        let candidates = [
            ".build/debug/tiktok-business", ".build/x86_64-unknown-linux-gnu/debug/tiktok-business",
            ".build/aarch64-unknown-linux-gnu/debug/tiktok-business",
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HarnessError("Build the executable first (swift build), or set TIKTOK_BUSINESS_BINARY.")
        }
        return found
    }

    /// Starts `binary` with `arguments`, the test's environment less its `TIKTOK_` variables plus `environment`, its
    /// output and errors going to the file `log`.
    public static func start(_ binary: String, _ arguments: [String], environment: [String: String], log: String) throws
        -> Process
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TIKTOK_") }
        env.merge(environment) { $1 }
        process.environment = env
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// A free loopback port (bound then released).
    public static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }
}
