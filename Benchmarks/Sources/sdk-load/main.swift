// Drives the SDK against a live API (the emulator): `calls` calls at `concurrency` at once, rotating through
// `authorizedAdvertisers`, `advertiserInfo` and the first page of `campaigns`, and prints one JSON line:
// {"calls":…,"seconds":…,"cpu_seconds":…} (CPU is this process's user + system time over the timed part).
//
// Usage: sdk-load <API base URL, e.g. http://127.0.0.1:9100/open_api/v1.3/> <app id> <secret> <access token>
//        <advertiser id> <calls> <concurrency>
import Foundation
import TikTokBusiness

let arguments = CommandLine.arguments
guard arguments.count == 8, let calls = Int(arguments[6]), let concurrency = Int(arguments[7]) else {
    FileHandle.standardError.write(
        Data("usage: sdk-load <api base url> <app id> <secret> <access token> <advertiser id> <calls> <concurrency>\n".utf8))
    exit(2)
}
let token = arguments[4]
let advertiserID = arguments[5]
let client = TikTokClient(
    configuration: .init(appID: arguments[2], secret: arguments[3], apiBaseURL: arguments[1], rateGovernor: nil))

func call(_ index: Int) async throws {
    switch index % 3 {
    case 0: _ = try await client.authorizedAdvertisers(accessToken: token)
    case 1: _ = try await client.advertiserInfo(advertiserIDs: [advertiserID], accessToken: token)
    default:
        var pages = client.campaigns(advertiserID: advertiserID, accessToken: token).makeAsyncIterator()
        _ = try await pages.next()
    }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func run(_ count: Int) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        for _ in 0..<min(concurrency, count) {
            let index = next
            group.addTask { try await call(index) }
            next += 1
        }
        while try await group.next() != nil {
            if next < count {
                let index = next
                group.addTask { try await call(index) }
                next += 1
            }
        }
    }
}

// Warm up the connection pool, then measure.
try await run(min(calls, concurrency * 3))
let cpuBefore = cpuSeconds()
let started = ContinuousClock.now
try await run(calls)
let elapsed = ContinuousClock.now - started
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let cpu = cpuSeconds() - cpuBefore
print(#"{"calls":\#(calls),"seconds":\#(seconds),"cpu_seconds":\#(cpu)}"#)
