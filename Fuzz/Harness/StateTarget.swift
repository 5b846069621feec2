import Foundation
import Logging
import Synchronization
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite

extension FuzzTarget {
    /// State verification: `ConnectionManager.completeAuthorization(kind:query:browserBinding:)` on a real SQLite
    /// vault holding four states — `{V}` valid (advertiser), `{B}` valid and bound to a browser (TikTok account),
    /// `{E}` expired, `{C}` already used (creator). TikTok answers every code exchange with a refusal.
    ///
    /// Input: one byte picks the kind (low 2 bits) and the browser binding presented (none, the right one, another);
    /// the rest is the query string, in which `{V}`, `{B}`, `{E}` and `{C}` stand for those states' values, and `{V*}`,
    /// `{B*}`… for those values with one character changed.
    ///
    /// Invariant: the state passes verification (the vault goes on to TikTok, or reports the user's refusal) exactly
    /// when the query's state is `{V}` for an advertiser, or `{B}` for a TikTok account with the right binding; every
    /// other state — unknown, mutated, expired, replayed, of another kind, from another browser — is refused. A state
    /// that passed is used up, and a new one takes its place.
    static let state = FuzzTarget(
        name: "state",
        summary: "callback state verification against a SQLite vault (completeAuthorization)",
        setUp: { StateVault.shared.withLock { $0 = StateVault.open() } },
        run: { bytes in
            guard let first = bytes.first else { return }
            let vault = StateVault.shared.withLock { $0! }
            let kind = ConnectionKind.allCases[Int(first & 3)]
            let binding = [nil, StateVault.binding, StateVault.binding + "-other"][Int(first >> 2) % 3]
            let template = UnsafeRawBufferPointer(rebasing: bytes.dropFirst()).text
            let states = vault.states.withLock { $0 }
            var substituted = template
            for (placeholder, value) in states {
                // `{V*}`: the state with one character changed (which one follows from the input's length).
                let changed = placeholder.dropLast() + "*}"
                substituted = substituted.replacingOccurrences(of: changed, with: altered(value, at: bytes.count))
                substituted = substituted.replacingOccurrences(of: placeholder, with: value)
            }
            let query = substituted

            let presented = (try? AuthorizationCallback(query: query))?.state
            let expected: String? =
                switch (kind, presented) {
                case (.advertiser, states["{V}"]): "{V}"
                case (.tiktokAccount, states["{B}"]) where binding == StateVault.binding: "{B}"
                default: nil
                }
            let manager = vault.manager
            let outcome: ConnectionError.Code? = runBlocking {
                do {
                    _ = try await manager.completeAuthorization(kind: kind, query: query, browserBinding: binding)
                    return nil
                } catch let error as ConnectionError {
                    return error.code
                } catch {
                    return .storeFailure
                }
            }
            let refusals: [ConnectionError.Code] = [
                .unknownState, .kindMismatch, .stateReplayed, .stateExpired, .browserMismatch, .malformedCallback,
            ]
            let passed: Bool
            switch outcome {
            case let code? where refusals.contains(code): passed = false
            case nil, .authorizationDenied?, .exchangeFailed?, .tikTokUnavailable?: passed = true
            case let code?: fatalError("unexpected outcome \(code) for kind \(kind)")
            }
            check(
                passed == (expected != nil),
                passed
                    ? "state \(presented.debugDescription) passed for \(kind) with binding \(binding.debugDescription)"
                    : "the valid state \(expected ?? "") was refused (\(outcome.map { "\($0)" } ?? "-")) for \(kind)")
            if let expected { vault.reissue(expected) }
        })
}

/// `state` with the character at `position` (modulo its length) replaced by another URL-safe one.
private func altered(_ state: String, at position: Int) -> String {
    var characters = Array(state)
    let index = position % characters.count
    characters[index] = characters[index] == "A" ? "B" : "A"
    return String(characters)
}

/// The vault the `state` target verifies against: a SQLite file in a temporary folder, removed at exit.
final class StateVault: Sendable {
    static let shared = Mutex<StateVault?>(nil)
    static let binding = "fuzz-browser-binding"

    let manager: ConnectionManager
    /// The placeholders' current values.
    let states: Mutex<[String: String]>

    private init(manager: ConnectionManager, states: [String: String]) {
        self.manager = manager
        self.states = Mutex(states)
    }

    static func open() -> StateVault {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tiktok-business-fuzz-state-\(ProcessInfo.processInfo.processIdentifier)"
        ).path
        try? FileManager.default.removeItem(atPath: folder)
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        temporaryFolder = strdup(folder)
        atexit {
            if let folder = temporaryFolder { try? FileManager.default.removeItem(atPath: String(cString: folder)) }
        }
        let quiet = quietLogger
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        return runBlocking {
            let store = try! SQLiteConnectionStore(path: folder + "/connections.sqlite", logger: quiet)
            try! await store.migrate()
            let client = TikTokClient(
                configuration: .init(
                    appID: "fuzz-app", secret: "fuzz-secret", apiBaseURL: "http://127.0.0.1:9/open_api/v1.3/",
                    retry: .none, rateGovernor: nil),
                transport: RefusingTransport(), logger: quiet)
            let manager = ConnectionManager(
                client: client, store: store, cipher: try! TokenCipher(keys: [.generate(id: "fuzz")]),
                configuration: .init(
                    redirectURIs: ConnectionManager.Configuration.redirectURIs(publicURL: "https://app.example")),
                now: { clock.withLock { $0 } }, logger: quiet)
            let expired = try! await manager.authorizationLink(for: .advertiser, options: .init(expiresIn: 60))
            clock.withLock { $0 += 3_600 }
            let valid = try! await manager.authorizationLink(for: .advertiser)
            let bound = try! await manager.authorizationLink(
                for: .tiktokAccount, options: .init(browserBinding: binding))
            let used = try! await manager.authorizationLink(for: .creator)
            _ = try? await manager.completeAuthorization(kind: .creator, query: "code=c&state=" + used.state)
            return StateVault(
                manager: manager,
                states: ["{V}": valid.state, "{B}": bound.state, "{E}": expired.state, "{C}": used.state])
        }
    }

    /// Replaces a state that passed (and so was used up) with a new one of the same kind.
    func reissue(_ placeholder: String) {
        let manager = manager
        let state = runBlocking {
            placeholder == "{B}"
                ? try! await manager.authorizationLink(
                    for: .tiktokAccount, options: .init(browserBinding: StateVault.binding)
                ).state
                : try! await manager.authorizationLink(for: .advertiser).state
        }
        states.withLock { $0[placeholder] = state }
    }
}

nonisolated(unsafe) private var temporaryFolder: UnsafeMutablePointer<CChar>?

/// TikTok refusing every call (a parameter error): the exchange that follows a verified state fails at once.
struct RefusingTransport: TikTokTransport {
    func send(_ request: TikTokHTTPRequest, timeout: Duration) async throws -> TikTokHTTPResponse {
        TikTokHTTPResponse(
            status: 200, headers: [("Content-Type", "application/json")],
            body: Data(#"{"code":40002,"message":"refused by the fuzz harness","request_id":"fuzz"}"#.utf8))
    }
}
