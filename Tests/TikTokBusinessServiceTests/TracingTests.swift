import Testing
import TikTokBusinessService

/// When `serve` turns tracing on: only the standard OpenTelemetry variables decide, and with none of them it stays off
/// (no tracer is bootstrapped). The spans themselves are checked end to end in `TikTokConnectionsServerTests`.
@Suite("Tracing settings")
struct TracingTests {
    @Test func offWithoutAnOTLPEndpoint() throws {
        #expect(try TracingSettings.resolve(environment: [:]) == nil)
        #expect(try TracingSettings.resolve(environment: ["PATH": "/usr/bin", "TIKTOK_APP_ID": "app"]) == nil)
        // Other OTEL_* variables alone change nothing.
        let others = [
            "OTEL_SERVICE_NAME": "vault", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "  ",
        ]
        #expect(try TracingSettings.resolve(environment: others) == nil)
    }

    @Test func onWithAnEndpoint() throws {
        let shared = try #require(
            try TracingSettings.resolve(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector.internal:4318"]))
        #expect(shared.endpoint == "http://collector.internal:4318")
        #expect(shared.endpointHost == "collector.internal")
        #expect(shared.protocol == "http/protobuf")

        let traces = try #require(
            try TracingSettings.resolve(environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector.internal:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://user:pass@traces.example:443/v1/traces?x=1",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "HTTP/JSON",
            ]))
        #expect(traces.endpointHost == "traces.example")
        #expect(traces.protocol == "http/json")
    }

    @Test func exporterHeadersAreReadHereNotBySwiftOTel() throws {
        let endpoint = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"]
        let shared = try #require(
            try TracingSettings.resolve(
                environment: endpoint.merging(["OTEL_EXPORTER_OTLP_HEADERS": "api-key=abc%20def, x-team = t1"]) { $1 }))
        #expect(shared.headers == ["api-key": "abc def", "x-team": "t1"])
        let traces = try #require(
            try TracingSettings.resolve(
                environment: endpoint.merging([
                    "OTEL_EXPORTER_OTLP_HEADERS": "api-key=shared",
                    "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "api-key=traces",
                ]) { $1 }))
        #expect(traces.headers == ["api-key": "traces"])
        // A malformed value is refused without being repeated (it may hold a credential).
        let error = try #require(throws: SettingsError.self) {
            try TracingSettings.resolve(
                environment: endpoint.merging(["OTEL_EXPORTER_OTLP_HEADERS": "Bearer collector-key-123"]) { $1 })
        }
        #expect(error.description.contains("OTEL_EXPORTER_OTLP_HEADERS"))
        #expect(!error.description.contains("collector-key-123"))
    }

    @Test func explicitlyOff() throws {
        let endpoint = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"]
        #expect(try TracingSettings.resolve(environment: endpoint.merging(["OTEL_SDK_DISABLED": "TRUE"]) { $1 }) == nil)
        #expect(
            try TracingSettings.resolve(environment: endpoint.merging(["OTEL_TRACES_EXPORTER": "none"]) { $1 }) == nil)
        #expect(
            try TracingSettings.resolve(environment: endpoint.merging(["OTEL_SDK_DISABLED": "false"]) { $1 }) != nil)
    }

    @Test func unsupportedChoicesAreRefusedAtStart() {
        let endpoint = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"]
        #expect(throws: SettingsError.self) {
            try TracingSettings.resolve(environment: endpoint.merging(["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"]) { $1 })
        }
        #expect(throws: SettingsError.self) {
            try TracingSettings.resolve(
                environment: endpoint.merging(["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"]) { $1 })
        }
        #expect(throws: SettingsError.self) {
            try TracingSettings.resolve(environment: endpoint.merging(["OTEL_TRACES_EXPORTER": "zipkin"]) { $1 })
        }
        #expect(throws: SettingsError.self) {
            try TracingSettings.resolve(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"])
        }
    }
}
