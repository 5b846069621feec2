import Foundation
import Logging
import ServiceLifecycle
import TikTokBusiness

/// Keeps this instance's ``RateGovernor`` at its share of the app's QPS budget, which every instance on one database
/// shares (TikTok counts calls per app, not per process).
///
/// Each instance holds a place in the store, renewed every ``Configuration/renewalInterval`` (one small statement;
/// no call waits for the database), and runs at the share ``QPSBudget`` gives it among the members. Members that stop
/// gracefully leave at once; a crashed one's place lapses after ``Configuration/placeDuration`` and the others take
/// its part. While the database is unreachable the instance keeps its share as long as its place holds, then falls
/// back to ``QPSBudget/fallbackShare(current:lastMemberCount:)``, since the others may have taken its part meanwhile.
///
/// Until its first renewal the instance makes no call (its governor's rate is zero): authorization calls wait for
/// the moments that takes, data calls are refused with a retry delay.
public struct QPSBudgetService: Service, CustomStringConvertible {
    /// The budget and the pace of renewals.
    public struct Configuration: Sendable {
        /// The app's budget and how it is split.
        public var budget: QPSBudget
        /// How often the place is renewed and the share recomputed. Default 1 s.
        public var renewalInterval: Duration
        /// How long a place holds without renewal, by the database's clock. Default 5 s.
        public var placeDuration: TimeInterval

        /// Creates a configuration with the documented defaults.
        public init(budget: QPSBudget, renewalInterval: Duration = .seconds(1), placeDuration: TimeInterval = 5) {
            self.budget = budget
            self.renewalInterval = renewalInterval
            self.placeDuration = placeDuration
        }
    }

    let store: any ConnectionStore
    let governor: RateGovernor
    let instanceID: String
    let configuration: Configuration
    let logger: Logger

    /// Creates the service for the instance `instanceID`, whose client calls through `governor`.
    public init(
        store: any ConnectionStore, governor: RateGovernor, instanceID: String, configuration: Configuration,
        logger: Logger = Logger(label: "tiktok-business.qps-budget")
    ) {
        self.store = store
        self.governor = governor
        self.instanceID = instanceID
        self.configuration = configuration
        self.logger = logger
    }

    public var description: String { "QPSBudgetService" }

    public func run() async throws {
        governor.setRate(0)
        await cancelWhenGracefulShutdown {
            var round = Round(share: 0, lastMemberCount: 1, lastRenewal: ContinuousClock.now)
            while !Task.isCancelled {
                await renew(&round)
                guard (try? await Task.sleep(for: configuration.renewalInterval)) != nil else { break }
            }
        }
        // Leave at once so the others take this share at their next renewal, not after the place lapses.
        do {
            try await store.leaveBudget(instanceID: instanceID)
        } catch {
            logger.notice(
                "Could not leave the shared QPS budget; the place lapses on its own", metadata: ["error": "\(error)"])
        }
    }

    struct Round {
        var share: Double
        var lastMemberCount: Int
        var lastRenewal: ContinuousClock.Instant
        var fellBack = false
    }

    /// One renewal: publish the share in use, learn the members, and move to the new share.
    func renew(_ round: inout Round) async {
        let budget = configuration.budget
        do {
            let members = try await store.renewBudgetMembership(
                instanceID: instanceID, share: round.share, ttl: configuration.placeDuration)
            let share = budget.share(for: instanceID, members: members)
            if share != round.share || round.fellBack {
                governor.setRate(share)
                logger.info(
                    "QPS share changed",
                    metadata: [
                        "qps.share": "\(Self.format(share))", "qps.members": "\(members.count)",
                        "qps.budget": "\(Self.format(budget.requestsPerSecond))",
                    ])
            }
            round = Round(share: share, lastMemberCount: members.count, lastRenewal: .now)
        } catch is CancellationError {
            return
        } catch {
            let unreachable = ContinuousClock.now - round.lastRenewal
            guard unreachable >= .seconds(configuration.placeDuration) else { return }
            let fallback = budget.fallbackShare(current: round.share, lastMemberCount: round.lastMemberCount)
            if !round.fellBack || fallback != round.share {
                logger.warning(
                    "The database is unreachable; running at a conservative QPS share until it answers",
                    metadata: ["qps.share": "\(Self.format(fallback))", "error": "\(error)"])
            }
            governor.setRate(fallback)
            round.share = fallback
            round.fellBack = true
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
