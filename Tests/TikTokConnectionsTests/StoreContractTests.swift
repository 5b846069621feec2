import Testing

/// The ``ConnectionStoreContract`` run against every store in ``StoreFactory/all``, each test on a fresh database.
@Suite("ConnectionStore contract")
struct StoreContractTests {
    @Test("insert then read returns every field", arguments: StoreFactory.all)
    func insertAndReadRoundTrip(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.insertAndReadRoundTrip() }
    }

    @Test("insert rejects an existing id and a non-zero version", arguments: StoreFactory.all)
    func insertRejectsDuplicatesAndNonZeroVersions(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.insertRejectsDuplicatesAndNonZeroVersions() }
    }

    @Test("update is a compare-and-swap on the version", arguments: StoreFactory.all)
    func updateIsCompareAndSwap(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.updateIsCompareAndSwap() }
    }

    @Test("events are appended with writes and read by sequence, connection and limit", arguments: StoreFactory.all)
    func eventsAreAppendedWithWritesAndPaged(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.eventsAreAppendedWithWritesAndPaged() }
    }

    @Test("a failed write appends no event", arguments: StoreFactory.all)
    func failedWritesAppendNoEvents(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.failedWritesAppendNoEvents() }
    }

    @Test("identities find the most recently updated connection", arguments: StoreFactory.all)
    func identitiesFindTheMostRecentlyUpdatedConnection(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.identitiesFindTheMostRecentlyUpdatedConnection() }
    }

    @Test("identities match only connections of the same end user", arguments: StoreFactory.all)
    func identitiesMatchOnlyTheSameEndUser(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.identitiesMatchOnlyTheSameEndUser() }
    }

    @Test("list pages by id and filters by kind, status and end user", arguments: StoreFactory.all)
    func listPagesAndFilters(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.listPagesAndFilters() }
    }

    @Test("counts group by kind and status", arguments: StoreFactory.all)
    func countsGroupByKindAndStatus(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.countsGroupByKindAndStatus() }
    }

    @Test("states are stored, read and consumed once", arguments: StoreFactory.all)
    func statesAreStoredAndConsumedOnce(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.statesAreStoredAndConsumedOnce() }
    }

    @Test("20 concurrent consumers of a state: exactly one succeeds", arguments: StoreFactory.all)
    func concurrentConsumersGetOneSuccess(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.concurrentConsumersGetOneSuccess() }
    }

    @Test("deleteStates removes only expired states", arguments: StoreFactory.all)
    func deleteStatesRemovesOnlyExpired(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.deleteStatesRemovesOnlyExpired() }
    }

    @Test("deleteStates works in batches, oldest first", arguments: StoreFactory.all)
    func deleteStatesWorksInBatchesOldestFirst(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.deleteStatesWorksInBatchesOldestFirst() }
    }

    @Test("deleteEvents prunes old events with finished deliveries; cursors stay valid", arguments: StoreFactory.all)
    func deleteEventsKeepsPendingDeliveriesAndCursorsValid(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.deleteEventsKeepsPendingDeliveriesAndCursorsValid() }
    }

    @Test("two instances prune at once: every row deleted once, nothing else", arguments: StoreFactory.all)
    func instancesPruneConcurrentlyWithoutErrorsOrLosses(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.instancesPruneConcurrentlyWithoutErrorsOrLosses() }
    }

    @Test("claimDue leases due connections until the lease expires or an update", arguments: StoreFactory.all)
    func claimDueLeasesOnlyDueConnections(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.claimDueLeasesOnlyDueConnections() }
    }

    @Test("claim(id:) takes free, expired or own leases", arguments: StoreFactory.all)
    func claimByIDHonoursLeases(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.claimByIDHonoursLeases() }
    }

    @Test("releaseLease releases only the owner's lease", arguments: StoreFactory.all)
    func releaseLeaseOnlyByItsOwner(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.releaseLeaseOnlyByItsOwner() }
    }

    @Test("nextActionDate is the earliest next action", arguments: StoreFactory.all)
    func nextActionDateIsTheEarliest(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.nextActionDateIsTheEarliest() }
    }

    @Test("app identity, sealed-token counts and instance reports", arguments: StoreFactory.all)
    func vaultMetadata(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.vaultMetadata() }
    }

    @Test("records(notSealedWith:) finds tokens sealed with other keys", arguments: StoreFactory.all)
    func recordsNotSealedWithAKey(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.recordsNotSealedWithAKey() }
    }

    @Test("migrate again keeps the data; ping answers", arguments: StoreFactory.all)
    func migrateAgainAndPing(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.migrateAgainAndPing() }
    }

    @Test("two instances claiming concurrently never get the same connection", arguments: StoreFactory.all)
    func twoInstancesNeverClaimTheSameConnection(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.twoInstancesNeverClaimTheSameConnection() }
    }

    // MARK: Webhook outbox

    @Test("the outbox starts at the end of the log and enqueues each event once", arguments: StoreFactory.all)
    func outboxStartsAtTheEndOfTheLogAndEnqueuesEachEventOnce(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.outboxStartsAtTheEndOfTheLogAndEnqueuesEachEventOnce() }
    }

    @Test("the outbox hands out the head of each connection only, and records outcomes", arguments: StoreFactory.all)
    func outboxClaimsTheHeadOfEachConnectionOnly(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.outboxClaimsTheHeadOfEachConnectionOnly() }
    }

    @Test("outbox leases expire; only the lease holder records an attempt", arguments: StoreFactory.all)
    func outboxLeasesExpireAndOnlyTheirOwnerRecords(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.outboxLeasesExpireAndOnlyTheirOwnerRecords() }
    }

    @Test(
        "two instances enqueue and claim the outbox concurrently: each event once, in order per connection",
        arguments: StoreFactory.all)
    func instancesEnqueueAndClaimTheOutboxWithoutDuplicates(_ factory: StoreFactory) async throws {
        try await factory.run { try await $0.instancesEnqueueAndClaimTheOutboxWithoutDuplicates() }
    }
}
