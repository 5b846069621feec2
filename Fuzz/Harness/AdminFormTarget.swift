import Foundation

@testable import TikTokConnectionsServer

extension FuzzTarget {
    /// The admin page's `application/x-www-form-urlencoded` decoder, `FormInput.parse(_:)` (Hummingbird's
    /// `URLEncodedFormDecoder` into flat fields; sign-in, link and connection forms).
    ///
    /// Invariants: malformed input is a 400 `invalid_form`, never a crash; written back as a form (names and values
    /// percent-encoded, in any order) the fields parse to the same dictionary; and a value's spaces written as `+`
    /// read the same (in a form `+` is a space in values; names are only percent-decoded).
    static let adminForm = FuzzTarget(
        name: "admin-form",
        summary: "the admin page's form decoder (FormInput.parse over URLEncodedFormDecoder)",
        run: { bytes in
            let fields: [String: String]
            do throws(APIError) {
                fields = try FormInput.parse(bytes.text)
            } catch {
                check(error.description.hasPrefix("APIError(400 invalid_form:"), "\(error) is not a 400 invalid_form")
                return
            }
            let sorted = fields.sorted { $0.key < $1.key }
            let form = sorted.map { strictPercentEncoded($0.key) + "=" + strictPercentEncoded($0.value) }
                .joined(separator: "&")
            let reparsed = try? FormInput.parse(form)
            check(reparsed == fields, "\(form.debugDescription) does not parse back to \(fields)")
            let plus = sorted.map {
                strictPercentEncoded($0.key) + "="
                    + strictPercentEncoded($0.value).replacingOccurrences(of: "%20", with: "+")
            }.joined(separator: "&")
            check((try? FormInput.parse(plus)) == fields, "\(plus.debugDescription) does not read spaces from `+`")
        })
}
