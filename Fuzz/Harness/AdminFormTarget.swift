import Foundation

@testable import TikTokConnectionsServer

extension FuzzTarget {
    /// The admin page's `application/x-www-form-urlencoded` decoder, `FormInput.parse(_:)` (sign-in, link and
    /// connection forms).
    ///
    /// Invariants: no field has an empty name; written back as a form (names and values percent-encoded, in any
    /// order) the fields parse to the same dictionary; and parsing is idempotent on that form.
    static let adminForm = FuzzTarget(
        name: "admin-form",
        summary: "the admin page's form decoder (FormInput.parse)",
        run: { bytes in
            let fields = FormInput.parse(bytes.text)
            for name in fields.keys { check(!name.isEmpty, "a field with an empty name was kept") }
            let form = fields.sorted { $0.key < $1.key }
                .map { strictPercentEncoded($0.key) + "=" + strictPercentEncoded($0.value) }
                .joined(separator: "&")
            let reparsed = FormInput.parse(form)
            check(reparsed == fields, "\(form.debugDescription) does not parse back to \(fields)")
            // A `+` is a space in a form: a name or value with spaces written with `+` reads the same.
            let plus = form.replacingOccurrences(of: "%20", with: "+")
            check(FormInput.parse(plus) == fields, "\(plus.debugDescription) does not read spaces from `+`")
        })
}
