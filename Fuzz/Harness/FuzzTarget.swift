import Foundation
import Logging

/// One libFuzzer target: a name for the command line, and what it does with each input.
struct FuzzTarget: Sendable {
    /// The name on the command line and of the corpus folder (`Fuzz/Corpus/<name>/`).
    var name: String
    /// What it feeds, for the usage text.
    var summary: String
    /// Runs once before the first input (opens what the target needs).
    var setUp: @Sendable () -> Void = {}
    /// Runs one input: returns normally, or stops the process through ``check(_:_:)`` when an invariant breaks.
    var run: @Sendable (UnsafeRawBufferPointer) -> Void

    static let all: [FuzzTarget] = [
        .callbackQuery, .state, .envelope, .proxyPath, .adminForm, .settings,
    ]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    /// The target this process runs; set once in `main.swift`, before libFuzzer starts.
    nonisolated(unsafe) static var selected: FuzzTarget?

    static func runSelected(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        selected?.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }

    /// Stops the process when an invariant does not hold: libFuzzer keeps the input as a crash.
    static func check(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID,
        line: UInt = #line
    ) {
        if !condition() {
            fatalError("invariant broken: \(message())", file: file, line: line)
        }
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes as text, invalid UTF-8 replaced (what an HTTP server hands a route).
    var text: String { String(decoding: self, as: UTF8.self) }
}

/// Runs `body` to its end from synchronous code (libFuzzer's callback), on the concurrency pool.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        result.value = await body()
        done.signal()
    }
    done.wait()
    return result.value!
}

/// Written by one task, read after the semaphore that task signals: the semaphore orders the two.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

/// Percent-encodes everything but RFC 3986's unreserved characters: a form any decoder reads back as `text`.
func strictPercentEncoded(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            out += String(format: "%%%02X", byte)
        }
    }
    return out
}

/// A logger for what the targets build: nothing below critical, so that runs print libFuzzer's lines only.
let quietLogger: Logger = {
    var logger = Logger(label: "tiktok-business.fuzz")
    logger.logLevel = .critical
    return logger
}()

/// libFuzzer's entry point, for its own `main` (linked in, though `main.swift` calls the driver itself).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.runSelected(data, size)
}
