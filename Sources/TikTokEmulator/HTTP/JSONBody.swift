import Hummingbird
import NIOCore

/// The JSON object body of a POST call.
struct JSONBody: Sendable {
    let value: JSONValue

    /// Reads the body as a JSON object, or 40002 when it is missing, not JSON, or not an object.
    static func read(_ request: Request, context: some RequestContext) async throws -> JSONBody {
        guard let body = try await self.readIfPresent(request, context: context) else {
            throw APIError.invalid("body", "The request body must be a JSON object.")
        }
        return body
    }

    /// Reads the body as a JSON object; `nil` when the body is empty, 40002 when it is not a JSON object.
    static func readIfPresent(_ request: Request, context: some RequestContext) async throws -> JSONBody? {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let bytes = buffer.readableBytesView
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        guard let value = JSONValue.parse(bytes), value.objectValue != nil else {
            throw APIError.invalid("body", "The request body must be a JSON object.")
        }
        return JSONBody(value: value)
    }

    /// A string field (numbers accepted, as ids often are), or 40002 naming the field.
    func required(_ field: String) throws(APIError) -> String {
        guard let member = self.value[field], member != .null else { throw APIError.missing(field) }
        guard let string = member.stringValue else { throw APIError.invalid(field, "Not a valid string.") }
        guard !string.isEmpty else { throw APIError.missing(field) }
        return string
    }

    /// An optional string field; 40002 when present but not a string.
    func optional(_ field: String) throws(APIError) -> String? {
        guard let member = self.value[field], member != .null else { return nil }
        guard let string = member.stringValue else { throw APIError.invalid(field, "Not a valid string.") }
        return string.isEmpty ? nil : string
    }

    /// An optional boolean field; 40002 when present but not a boolean.
    func bool(_ field: String) throws(APIError) -> Bool? {
        guard let member = self.value[field], member != .null else { return nil }
        guard let bool = member.boolValue else { throw APIError.invalid(field, "Not a valid boolean.") }
        return bool
    }
}
