import Foundation
import Logging
import Synchronization
import TikTokBusiness

/// TikTok rejecting this instance's own app id or secret (40101, ``TikTokError/Category/appCredentials``): a fault of
/// the instance's configuration, not of any connection. While it lasts no connection is marked; every refresh,
/// liveness check, code exchange and revocation fails the same way until the configuration is fixed.
public struct ConfigurationFault: Sendable, Hashable, CustomStringConvertible {
    /// The fault's stable name: `tiktok_app_credentials_rejected`.
    public var code: String
    /// TikTok's envelope code (40101).
    public var tikTokCode: Int?
    /// TikTok's message.
    public var message: String
    /// TikTok's `request_id` of the latest such answer, for a support ticket.
    public var requestID: String?
    /// The API path that answered it, e.g. `/oauth2/advertiser/get/`.
    public var endpoint: String?
    /// When TikTok first gave such an answer since the last success.
    public var firstSeenAt: Date
    /// When TikTok last gave such an answer.
    public var lastSeenAt: Date
    /// How many such answers since the last success.
    public var occurrences: Int

    /// The ``code`` of app credentials TikTok rejected.
    public static let appCredentialsRejected = "tiktok_app_credentials_rejected"

    /// Creates a fault.
    public init(
        code: String = ConfigurationFault.appCredentialsRejected, tikTokCode: Int?, message: String,
        requestID: String?, endpoint: String?, firstSeenAt: Date, lastSeenAt: Date, occurrences: Int = 1
    ) {
        self.code = code
        self.tikTokCode = tikTokCode
        self.message = message
        self.requestID = requestID
        self.endpoint = endpoint
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
        self.occurrences = occurrences
    }

    public var description: String {
        var text = "ConfigurationFault(\(code)"
        if let tikTokCode { text += ", tiktok code: \(tikTokCode)" }
        text += ", message: \"\(message)\""
        if let requestID { text += ", request_id: \(requestID)" }
        return text + ", occurrences: \(occurrences))"
    }
}

/// The mutable part behind ``ConnectionManager/configurationFault``.
struct ConfigurationFaultState: Sendable {
    var fault: ConfigurationFault?
    /// When the fault was last logged at error level (at most once a minute after the first).
    var loggedAt: Date?
}

extension ConnectionManager {
    /// Set while TikTok rejects this instance's app id or secret (40101) on a refresh, a liveness check, a code
    /// exchange or a revocation; cleared by the next successful call of any of those kinds. A fault of the instance's
    /// configuration, not of any connection: fix `TIKTOK_APP_ID`/`TIKTOK_APP_SECRET`.
    public var configurationFault: ConfigurationFault? {
        configurationFaultState.withLock { $0.fault }
    }

    /// Records the outcome of a TikTok call that authenticates the app (refresh, liveness check, code exchange,
    /// revocation): `nil` for a success, which clears ``configurationFault``; an error of category
    /// ``TikTokError/Category/appCredentials`` sets it and logs at error level. Other errors change nothing.
    func noteTikTokOutcome(_ error: TikTokError?) {
        guard let error else {
            let cleared = configurationFaultState.withLock { state -> ConfigurationFault? in
                defer { state = ConfigurationFaultState() }
                return state.fault
            }
            if let cleared {
                logger.notice(
                    "TikTok accepts the app credentials again; configuration fault cleared",
                    metadata: [
                        "tiktok.fault": "\(cleared.code)", "tiktok.fault_occurrences": "\(cleared.occurrences)",
                    ])
            }
            return
        }
        guard error.category == .appCredentials else { return }
        let time = now()
        let (fault, log) = configurationFaultState.withLock { state -> (ConfigurationFault, Bool) in
            var fault =
                state.fault
                ?? ConfigurationFault(
                    tikTokCode: error.code, message: error.message, requestID: error.requestID,
                    endpoint: error.endpoint, firstSeenAt: time, lastSeenAt: time, occurrences: 0)
            fault.tikTokCode = error.code
            fault.message = error.message
            fault.requestID = error.requestID
            fault.endpoint = error.endpoint
            fault.lastSeenAt = time
            fault.occurrences += 1
            state.fault = fault
            let log = state.loggedAt.map { time.timeIntervalSince($0) >= 60 || $0 > time } ?? true
            if log { state.loggedAt = time }
            return (fault, log)
        }
        guard log else { return }
        logger.error(
            "TikTok rejected the app id or secret; check TIKTOK_APP_ID and TIKTOK_APP_SECRET. No connection is marked",
            metadata: [
                "tiktok.fault": "\(fault.code)",
                "tiktok.code": "\(error.code.map(String.init) ?? "-")",
                "tiktok.request_id": "\(error.requestID ?? "-")",
                "tiktok.endpoint": "\(error.endpoint ?? "-")",
                "tiktok.fault_occurrences": "\(fault.occurrences)",
            ])
    }
}
