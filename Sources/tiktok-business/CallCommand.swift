import ArgumentParser
import Foundation
import Logging
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections

/// `tiktok-business call <connection> <METHOD> <path>`: calls the TikTok API with a connection's token.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Call the TikTok API with a connection's access token and print the answer.",
        discussion:
            "Example: tiktok-business call conn_… GET /campaign/get/ --query advertiser_id=7301… --query page_size=5")

    @OptionGroup var options: CommonOptions
    @Argument(help: "The connection id.") var connection: String
    @Argument(help: "GET, POST, …") var method: String
    @Argument(help: "The API path, e.g. /campaign/get/.") var path: String
    @Option(name: .customLong("query"), help: "A query parameter k=v (repeatable). JSON values are sent as they are.")
    var query: [String] = []
    @Option(help: "A JSON body.") var body: String?

    func validate() throws {
        guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method.uppercased()) else {
            throw ValidationError("METHOD must be GET, POST, PUT, PATCH or DELETE.")
        }
        for item in query where !item.contains("=") { throw ValidationError("--query takes k=v, got \(item).") }
        if let body, (try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))) == nil {
            throw ValidationError("--body must be JSON.")
        }
    }

    func run() async throws {
        try await VaultEnvironment.with(
            settings: try await options.settings(), logger: Logger(label: "tiktok-business")
        ) { environment in
            let token = try await CLIOutput.vault { try await environment.manager.accessToken(for: connection) }
            let rawQuery = query.map { item -> String in
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                return QueryEncoding.escape(parts[0]) + "=" + QueryEncoding.escape(parts.count > 1 ? parts[1] : "")
            }.joined(separator: "&")
            let upper = method.uppercased()
            let response: TikTokHTTPResponse
            do {
                response = try await environment.client.forward(
                    method: upper, path: path, rawQuery: rawQuery,
                    headers: body == nil ? [] : [("Content-Type", "application/json")],
                    body: body.map { Data($0.utf8) },
                    accessToken: token, retry: upper == "GET" ? .idempotent : .rateLimitOnly)
            } catch let error as TikTokError {
                throw CLIError("TikTok did not answer: \(error.message)")
            }
            if let value = try? JSONDecoder().decode(JSONValue.self, from: response.body) {
                CLIOutput.printJSON(value)
                if let code = value["code"]?.intValue, code != 0 { throw ExitCode(2) }
            } else {
                print(String(decoding: response.body, as: UTF8.self))
                throw ExitCode(2)
            }
        }
    }
}
