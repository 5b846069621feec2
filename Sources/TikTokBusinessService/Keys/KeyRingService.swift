import Foundation
import Logging
import ServiceLifecycle
import TikTokConnections
import UnixSignals

/// Keeps a running instance's key ring current and tells the others which key it seals with.
///
/// Every ``interval`` and at once on SIGHUP it re-reads the key file (when keys come from one) and adopts a changed
/// ring (``ConnectionManager/useKeyRing(_:)``: new tokens are sealed under the file's first key; keys the file no
/// longer has are kept in memory until the next start). Then it reports the sealing key in the database
/// (``ConnectionStore/recordInstance(_:)``), which `keys rotate` waits on before it re-seals and drops an old key.
/// A key file that cannot be read is logged and the current ring kept.
public struct KeyRingService: Service {
    let manager: ConnectionManager
    let store: any ConnectionStore
    let keyFile: String?
    let interval: Duration
    let logger: Logger

    /// Creates the service.
    /// - Parameters:
    ///   - keyFile: the key file to follow; `nil` when keys come from the environment (then it only reports).
    ///   - interval: how often to re-read and report.
    public init(
        manager: ConnectionManager, store: any ConnectionStore, keyFile: String?, interval: Duration, logger: Logger
    ) {
        self.manager = manager
        self.store = store
        self.keyFile = keyFile
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let interval = self.interval
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) { wake.yield() }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    wake.yield()
                }
            }
            await report()
            // Crashed instances leave their reports behind: forget those not seen for a day.
            _ = try? await store.removeInstances(seenBefore: manager.now().addingTimeInterval(-86_400))
            for await _ in wakes.cancelOnGracefulShutdown() {
                reload()
                await report()
            }
            group.cancelAll()
        }
        try? await store.removeInstance(id: manager.configuration.instanceID)
    }

    /// Re-reads the key file and adopts a changed ring.
    func reload() {
        guard let keyFile else { return }
        do {
            guard let ring = try KeyRingLoader.read(keyFile) else {
                logger.error(
                    "The key file is gone; keeping the keys in memory",
                    metadata: ["tiktok_business.key_file": "\(keyFile)"])
                return
            }
            if manager.useKeyRing(ring) {
                logger.notice(
                    "Key ring reloaded",
                    metadata: [
                        "tiktok_business.key_file": "\(keyFile)",
                        "tiktok_business.sealing_key_id": "\(manager.cipher.currentKeyID)",
                        "tiktok_business.key_ids": "\(manager.cipher.keys.map(\.id).joined(separator: ","))",
                    ])
            }
        } catch {
            logger.error(
                "The key file could not be read; keeping the keys in memory",
                metadata: ["tiktok_business.key_file": "\(keyFile)", "error": "\(error)"])
        }
    }

    /// Reports this instance's sealing key.
    func report() async {
        let cipher = manager.cipher
        do {
            try await store.recordInstance(
                VaultInstance(
                    id: manager.configuration.instanceID, sealingKeyID: cipher.currentKeyID,
                    keyIDs: cipher.keys.map(\.id), seenAt: manager.now()))
        } catch {
            logger.warning("Could not report this instance's key", metadata: ["error": "\(error)"])
        }
    }
}
