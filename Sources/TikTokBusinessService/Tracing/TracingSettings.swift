import Foundation

/// Whether `serve` exports traces, decided from the standard OpenTelemetry variables alone.
///
/// Tracing is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; even then
/// `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` keep it off. Spans go over OTLP/HTTP, as protobuf
/// (`http/protobuf`, the default) or JSON (`http/json`) per `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or
/// `OTEL_EXPORTER_OTLP_PROTOCOL`; this build has no gRPC exporter. The exporter's headers
/// (`OTEL_EXPORTER_OTLP_TRACES_HEADERS` or `OTEL_EXPORTER_OTLP_HEADERS`, often a collector's API key) are read here so
/// that swift-otel never logs them; it reads the other `OTEL_*` variables itself (`OTEL_SERVICE_NAME`, `OTEL_BSP_*`,
/// `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_TIMEOUT`, …).
public struct TracingSettings: Sendable, Equatable {
    /// The service name spans carry unless `OTEL_SERVICE_NAME` says otherwise.
    public static let defaultServiceName = "tiktok-business"

    /// Where spans go, as given (the traces-specific variable wins).
    public var endpoint: String
    /// The endpoint's host alone, for the start log line (no path, no credentials).
    public var endpointHost: String
    /// `http/protobuf` or `http/json`.
    public var `protocol`: String
    /// Headers sent with every export, by name (percent-decoded). Secrets, possibly: never log them.
    public var headers: [String: String] = [:]

    /// The settings `environment` asks for, or `nil` when tracing stays off.
    /// - Throws: ``SettingsError`` for an endpoint that is not an http(s) URL, the `grpc` protocol (not in this
    ///   build), or a traces exporter other than `otlp` or `none`.
    public static func resolve(environment: [String: String]) throws -> TracingSettings? {
        func value(_ name: String) -> String? {
            environment[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let endpointVariable =
            value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != nil
            ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT"
        guard let endpoint = value(endpointVariable) else { return nil }
        if value("OTEL_SDK_DISABLED")?.lowercased() == "true" { return nil }
        switch value("OTEL_TRACES_EXPORTER")?.lowercased() {
        case nil, "otlp": break
        case "none": return nil
        case let other?:
            throw SettingsError("OTEL_TRACES_EXPORTER=\(other) is not supported: use otlp (the default) or none.")
        }
        let protocolVariable =
            value("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") != nil
            ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL"
        let chosen = value(protocolVariable)?.lowercased() ?? "http/protobuf"
        guard ["http/protobuf", "http/json"].contains(chosen) else {
            throw SettingsError(
                "\(protocolVariable)=\(chosen) is not supported: this build exports traces over OTLP/HTTP only "
                    + "(http/protobuf, the default, or http/json).")
        }
        guard let url = URLComponents(string: endpoint), let scheme = url.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = url.host, !host.isEmpty
        else {
            throw SettingsError("\(endpointVariable) must be an http:// or https:// URL, e.g. http://127.0.0.1:4318.")
        }
        var settings = TracingSettings(endpoint: endpoint, endpointHost: host, protocol: chosen)
        let headersVariable =
            value("OTEL_EXPORTER_OTLP_TRACES_HEADERS") != nil
            ? "OTEL_EXPORTER_OTLP_TRACES_HEADERS" : "OTEL_EXPORTER_OTLP_HEADERS"
        for entry in value(headersVariable)?.split(separator: ",") ?? [] {
            let pair = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                // The value is not repeated: it may hold a credential.
                throw SettingsError("\(headersVariable) must be comma-separated name=value pairs.")
            }
            settings.headers[pair[0]] = pair[1].removingPercentEncoding ?? pair[1]
        }
        return settings
    }
}
