import Logging
import OTel
import ServiceLifecycle
import Synchronization

/// Turns tracing on with swift-otel: traces only (the service has Prometheus metrics and swift-log already, so
/// swift-otel's metrics and logs backends stay off and neither `MetricsSystem` nor `LoggingSystem` is touched).
enum TracingBootstrap {
    private static let bootstrapped = Mutex(false)

    /// Bootstraps the process-wide tracer from `settings` and the other `OTEL_*` variables of `environment`, and
    /// returns the exporter's service, to run first in the service group (so it stops last and flushes the spans
    /// of everything else). `nil` when an earlier run in this process bootstrapped it already (tests run the
    /// service in-process; a tracer can be bootstrapped once per process).
    static func start(_ settings: TracingSettings, environment: [String: String], logger: Logger) throws
        -> (any Service)?
    {
        try bootstrapped.withLock { done -> (any Service)? in
            guard !done else {
                logger.notice("Tracing was bootstrapped by an earlier run in this process; not again")
                return nil
            }
            var configuration = OTel.Configuration.default
            configuration.serviceName = TracingSettings.defaultServiceName
            configuration.traces.enabled = true
            configuration.metrics.enabled = false
            configuration.logs.enabled = false
            configuration.diagnosticLogger = .custom(Logger(label: "tiktok-business.otel"))
            // swift-otel logs each OTEL_* variable it reads, value included, at info: warnings and errors only
            // (`OTEL_LOG_LEVEL` overrides).
            configuration.diagnosticLogLevel = .warning
            configuration.traces.otlpExporter.headers = settings.headers.sorted { $0.key < $1.key }
                .map { ($0.key, $0.value) }
            // Decided by TracingSettings already. Passed on, `OTEL_SDK_DISABLED=false` would switch swift-otel's
            // metrics and logs back on (and bootstrap them a second time), and swift-otel would log the headers.
            let environment = environment.filter { name, _ in
                name != "OTEL_SDK_DISABLED" && !(name.hasPrefix("OTEL_EXPORTER_OTLP_") && name.hasSuffix("HEADERS"))
            }
            let service = try OTel.bootstrap(configuration: configuration, environment: environment)
            done = true
            logger.info(
                "Tracing on: exporting spans over OTLP/HTTP",
                metadata: ["otel.endpoint_host": "\(settings.endpointHost)", "otel.protocol": "\(settings.protocol)"])
            return service
        }
    }
}
