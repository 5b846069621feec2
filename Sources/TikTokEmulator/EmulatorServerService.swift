import ServiceLifecycle

/// The emulator's HTTP application as a `Service` that writes the state file once the server has stopped (see
/// ``TikTokEmulator/makeService(host:port:onServerRunning:)``).
struct EmulatorServerService<Application: Service>: Service {
    let application: Application
    let emulator: TikTokEmulator

    func run() async throws {
        do {
            try await self.application.run()
        } catch {
            await self.emulator.flushAfterServerError()
            throw error
        }
        try await self.emulator.flush()
    }
}
