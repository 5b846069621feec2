import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer <API key>` on every request it guards; compares in constant time.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let keyDigest: SHA256Digest

    init(apiKey: String) {
        keyDigest = SHA256.hash(data: Data(apiKey.utf8))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else {
            throw APIError(.unauthorized, code: "unauthorized", message: "A bearer API key is required.")
        }
        // Hash both sides so the comparison takes the same time whatever the lengths.
        let presented = SHA256.hash(data: Data(header.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8))
        guard Self.constantTimeEqual(presented, keyDigest) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "The API key is not valid.")
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ lhs: SHA256Digest, _ rhs: SHA256Digest) -> Bool {
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
        return difference == 0
    }
}
