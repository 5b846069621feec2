import Synchronization

/// A consent screen in progress, kept server-side and referenced by an opaque id in a hidden form field.
struct PendingConsent: Sendable {
    let id: String
    let flow: AuthorizationFlow
    let appID: String
    let redirectURI: String
    let state: String?
    let scopes: [String]
    let expiresAt: Double
    /// Set once the user has authorized (advertiser flow: then the verification step follows).
    var user: String?
    /// The verification code "sent by email or phone" (advertiser flow).
    var verificationCode: String?
    var failedVerifications = 0
}

/// Pending consent screens, remembered approvals (for account-flow auto-authorization) and scripted consents.
///
/// Only the approvals are durable: a new approval calls `onChange` after the lock is released.
final class ConsentStore: Sendable {
    /// The outcome of entering a verification code.
    enum Verification: Sendable {
        /// The code matched; the consent is consumed.
        case verified(PendingConsent)
        /// The code did not match; the consent stays pending.
        case wrongCode(PendingConsent)
        /// Too many wrong codes; the consent is consumed.
        case tooManyAttempts
        /// No such consent at the verification step (unknown, expired or already used).
        case unknown
    }

    private struct State {
        var pending: [String: PendingConsent] = [:]
        /// Sharded: the snapshot shares it, and the next approval copies one bucket, not every approval.
        var approvals = ShardedDictionary<String, Set<String>>()
        var scripted: [(user: String, decision: ConsentDecision)] = []
        var createdSinceSweep = 0
    }

    /// Seconds a consent screen stays usable.
    static let pendingLifetime = 3_600.0
    /// Wrong verification codes accepted before the consent is dropped.
    static let maximumFailedVerifications = 5

    private let state: Mutex<State>
    private let onChange: @Sendable () -> Void

    /// Creates an empty store.
    /// - Parameter onChange: called after every new approval, outside the lock.
    init(onChange: @escaping @Sendable () -> Void = {}) {
        self.state = Mutex(State())
        self.onChange = onChange
    }

    /// Starts a consent screen.
    func create(
        flow: AuthorizationFlow,
        appID: String,
        redirectURI: String,
        state oauthState: String?,
        scopes: [String],
        now: Double
    ) -> PendingConsent {
        let consent = PendingConsent(
            id: TokenFactory.hex(32),
            flow: flow,
            appID: appID,
            redirectURI: redirectURI,
            state: oauthState,
            scopes: scopes,
            expiresAt: now + Self.pendingLifetime
        )
        self.state.withLock { state in
            state.pending[consent.id] = consent
            state.createdSinceSweep += 1
            if state.createdSinceSweep >= 256 {
                state.createdSinceSweep = 0
                state.pending = state.pending.filter { $0.value.expiresAt > now }
            }
        }
        return consent
    }

    /// A pending consent of `flow` that has not expired.
    func pending(_ id: String, flow: AuthorizationFlow, now: Double) -> PendingConsent? {
        self.state.withLock { state in
            guard let consent = state.pending[id], consent.flow == flow, now < consent.expiresAt else { return nil }
            return consent
        }
    }

    /// Removes and returns a pending consent of `flow` (single use).
    func take(_ id: String, flow: AuthorizationFlow, now: Double) -> PendingConsent? {
        self.state.withLock { state in
            guard let consent = state.pending[id], consent.flow == flow else { return nil }
            state.pending.removeValue(forKey: id)
            return now < consent.expiresAt ? consent : nil
        }
    }

    /// Records that `user` authorized an advertiser consent and must now enter `verificationCode`.
    func awaitVerification(_ id: String, user: String, verificationCode: String, now: Double) -> PendingConsent? {
        self.state.withLock { state in
            guard var consent = state.pending[id], consent.flow == .advertiser, now < consent.expiresAt else {
                return nil
            }
            consent.user = user
            consent.verificationCode = verificationCode
            consent.failedVerifications = 0
            state.pending[id] = consent
            return consent
        }
    }

    /// Checks a verification code, consuming the consent when it matches.
    func verify(_ id: String, code: String, now: Double) -> Verification {
        self.state.withLock { state in
            guard var consent = state.pending[id], consent.flow == .advertiser, now < consent.expiresAt,
                consent.user != nil, let expected = consent.verificationCode
            else { return .unknown }
            if code == expected {
                state.pending.removeValue(forKey: id)
                return .verified(consent)
            }
            consent.failedVerifications += 1
            if consent.failedVerifications >= Self.maximumFailedVerifications {
                state.pending.removeValue(forKey: id)
                return .tooManyAttempts
            }
            state.pending[id] = consent
            return .wrongCode(consent)
        }
    }

    /// Remembers that `user` approved `scopes` for `appID`.
    func recordApproval(appID: String, user: String, scopes: [String]) {
        let changed = self.state.withLock { state in
            let key = Self.approvalKey(appID, user)
            let before = state.approvals[key]?.count
            state.approvals[key, default: []].formUnion(scopes)
            return state.approvals[key]?.count != before
        }
        if changed {
            self.onChange()
        }
    }

    /// Whether `user` already approved every one of `scopes` for `appID`.
    func hasApproved(appID: String, user: String, scopes: [String]) -> Bool {
        self.state.withLock { state in
            guard let approved = state.approvals[Self.approvalKey(appID, user)] else { return false }
            return scopes.allSatisfy(approved.contains)
        }
    }

    /// Queues the answer of a future consent screen.
    func script(user: String, decision: ConsentDecision) {
        self.state.withLock { $0.scripted.append((user, decision)) }
    }

    /// Takes the next scripted answer, if any.
    func nextScripted() -> (user: String, decision: ConsentDecision)? {
        self.state.withLock { state in
            state.scripted.isEmpty ? nil : state.scripted.removeFirst()
        }
    }

    /// Every remembered approval. The lock is held only to copy the approvals (O(1), copy on write; later approvals
    /// copy single buckets of them).
    func approvalsSnapshot() -> [Approval] {
        let approvals = self.state.withLock { $0.approvals }
        return approvals.elements.sorted { $0.key < $1.key }.compactMap { key, scopes in
            let parts = key.split(separator: Self.approvalSeparator, maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            return Approval(appID: String(parts[0]), user: String(parts[1]), scopes: scopes.sorted())
        }
    }

    /// Replaces the remembered approvals with `approvals` (before the emulator serves).
    func restore(_ approvals: [Approval]) {
        var restored = ShardedDictionary<String, Set<String>>()
        for approval in approvals {
            restored[Self.approvalKey(approval.appID, approval.user), default: []].formUnion(approval.scopes)
        }
        self.state.withLock { $0.approvals = restored }
    }

    private static let approvalSeparator: Character = "\u{1F}"

    private static func approvalKey(_ appID: String, _ user: String) -> String {
        "\(appID)\(Self.approvalSeparator)\(user)"
    }
}
