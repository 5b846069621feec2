/// TikTok's report catalogue as the emulator serves it: data levels, dimensions and metrics, read from the data file
/// `Resources/report-catalogue.json` (embedded in the binary), not written as code.
///
/// Every metric is computed from **counters**: additive integers generated per ad and day. A root counter draws from
/// `range`; any other is drawn per ad-day from its parent (`of`): `per_mille` thousandths of it (up to 1,000 it never
/// exceeds its parent, in any split either) or `per_unit` (a value per parent unit, such as a purchase's value in
/// cents). `money` counters are in cents.
/// A metric is one of:
/// - `counter`: a counter as TikTok formats it (`"4696"`, or `"20.00"` for money);
/// - `ratio`: `numerator / denominator × scale`, with two decimals, `"0.00"` when the denominator is zero (money
///   counters count in currency units, so `cpc` is spend / clicks and `ctr` is clicks / impressions × 100);
/// - `difference`: `minuend − subtrahend` (voucher spend is spend minus cash spend);
/// - `sum`: the sum of `counters`;
/// - `attribute`: a property of the row's object (`campaign_name`), or `constant`: a fixed text.
/// `levels`, when present, lists the data levels (by their id dimension) that have the metric; attributes and
/// constants also need the level's id among the dimensions.
struct ReportCatalogue: Sendable {
    struct Counter: Sendable {
        enum Derivation: Sendable {
            case range(ClosedRange<Int>)
            case perMille(parent: Int, ClosedRange<Int>)
            case perUnit(parent: Int, ClosedRange<Int>)
        }
        let name: String
        let derivation: Derivation
        let money: Bool

        var parent: Int? {
            switch self.derivation {
            case .range: nil
            case .perMille(let parent, _), .perUnit(let parent, _): parent
            }
        }
    }

    struct Metric: Sendable {
        enum Kind: Sendable {
            case counter(Int)
            case ratio(numerator: Int, denominator: Int, scale: Int)
            case difference(Int, Int)
            case sum([Int])
            case attribute(String)
            case constant(String)
        }
        let name: String
        let kind: Kind
        /// The id dimensions of the data levels that have the metric; `nil`: every level.
        let levels: Set<String>?

        /// Attributes and constants describe one object: they need the level's id dimension.
        var describesAnObject: Bool {
            switch self.kind {
            case .attribute, .constant: true
            default: false
            }
        }
    }

    struct DataLevel: Sendable {
        let dimension: String
        let serviceType: String
    }

    struct AudienceDimension: Sendable {
        let values: [String]
        let weights: [Int]
        let reportTypes: Set<String>
    }

    let dataLevels: [String: DataLevel]
    let reportTypes: Set<String>
    /// The longest date range per time dimension, in days.
    let maximumDays: [String: Int]
    let maximumDaysWithoutTimeDimension: Int
    let audienceDimensions: [String: AudienceDimension]
    let counters: [Counter]
    let metrics: [String: Metric]

    /// The catalogue in the binary.
    static let shared: ReportCatalogue = {
        do {
            return try ReportCatalogue(json: PackageResources.report_catalogue_json)
        } catch {
            fatalError("Resources/report-catalogue.json is invalid: \(error)")
        }
    }()

    /// A fault in the catalogue file (found by the emulator's tests, never at a caller's request).
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    init(json bytes: [UInt8]) throws {
        guard let root = JSONValue.parse(bytes) else { throw Invalid(description: "not JSON") }
        func object(_ value: JSONValue?, _ name: String) throws -> [(String, JSONValue)] {
            guard let members = value?.objectValue else { throw Invalid(description: "\(name) must be an object") }
            return members
        }
        func strings(_ value: JSONValue?, _ name: String) throws -> [String] {
            guard let list = value?.arrayValue?.compactMap(\.stringValue), list.count == value?.arrayValue?.count else {
                throw Invalid(description: "\(name) must be an array of strings")
            }
            return list
        }
        func ints(_ value: JSONValue?, _ name: String) throws -> [Int] {
            guard let list = value?.arrayValue?.compactMap(\.intValue), list.count == value?.arrayValue?.count else {
                throw Invalid(description: "\(name) must be an array of integers")
            }
            return list
        }
        func range(_ value: JSONValue?, _ name: String) throws -> ClosedRange<Int> {
            let bounds = try ints(value, name)
            guard bounds.count == 2, bounds[0] >= 0, bounds[0] <= bounds[1] else {
                throw Invalid(description: "\(name) must be [low, high]")
            }
            return bounds[0]...bounds[1]
        }

        var dataLevels: [String: DataLevel] = [:]
        for (name, level) in try object(root["data_levels"], "data_levels") {
            guard let dimension = level["dimension"]?.stringValue, let service = level["service_type"]?.stringValue
            else { throw Invalid(description: "data level \(name) needs dimension and service_type") }
            dataLevels[name] = DataLevel(dimension: dimension, serviceType: service)
        }
        self.dataLevels = dataLevels
        self.reportTypes = Set(try strings(root["report_types"], "report_types"))
        var maximumDays: [String: Int] = [:]
        for (name, dimension) in try object(root["time_dimensions"], "time_dimensions") {
            guard let days = dimension["maximum_days"]?.intValue, days > 0 else {
                throw Invalid(description: "time dimension \(name) needs maximum_days")
            }
            maximumDays[name] = days
        }
        self.maximumDays = maximumDays
        guard let withoutTime = root["maximum_days_without_time_dimension"]?.intValue, withoutTime > 0 else {
            throw Invalid(description: "maximum_days_without_time_dimension is missing")
        }
        self.maximumDaysWithoutTimeDimension = withoutTime
        var audience: [String: AudienceDimension] = [:]
        for (name, dimension) in try object(root["audience_dimensions"], "audience_dimensions") {
            let values = try strings(dimension["values"], "\(name).values")
            let weights = try ints(dimension["weights"], "\(name).weights")
            guard !values.isEmpty, values.count == weights.count, weights.allSatisfy({ $0 > 0 }) else {
                throw Invalid(description: "audience dimension \(name) needs as many positive weights as values")
            }
            audience[name] = AudienceDimension(
                values: values, weights: weights,
                reportTypes: Set(try strings(dimension["report_types"], "\(name).report_types")))
        }
        self.audienceDimensions = audience

        var counters: [Counter] = []
        var counterIndex: [String: Int] = [:]
        for counter in root["counters"]?.arrayValue ?? [] {
            guard let name = counter["name"]?.stringValue, counterIndex[name] == nil else {
                throw Invalid(description: "every counter needs a unique name")
            }
            let derivation: Counter.Derivation
            if let parentName = counter["of"]?.stringValue {
                guard let parent = counterIndex[parentName] else {
                    throw Invalid(description: "counter \(name) is of \(parentName), which must come before it")
                }
                if counter["per_mille"] != nil {
                    derivation = .perMille(parent: parent, try range(counter["per_mille"], "\(name).per_mille"))
                } else {
                    derivation = .perUnit(parent: parent, try range(counter["per_unit"], "\(name).per_unit"))
                }
            } else {
                derivation = .range(try range(counter["range"], "\(name).range"))
            }
            counterIndex[name] = counters.count
            counters.append(Counter(name: name, derivation: derivation, money: counter["money"] == .bool(true)))
        }
        guard !counters.isEmpty else { throw Invalid(description: "no counters") }
        self.counters = counters

        func counter(_ value: JSONValue?, _ metric: String) throws -> Int {
            guard let name = value?.stringValue, let index = counterIndex[name] else {
                throw Invalid(description: "metric \(metric) names a counter that does not exist")
            }
            return index
        }
        var metrics: [String: Metric] = [:]
        for metric in root["metrics"]?.arrayValue ?? [] {
            guard let name = metric["name"]?.stringValue, metrics[name] == nil else {
                throw Invalid(description: "every metric needs a unique name")
            }
            let kind: Metric.Kind
            switch metric["kind"]?.stringValue {
            case "counter": kind = .counter(try counter(metric["counter"], name))
            case "ratio":
                kind = .ratio(
                    numerator: try counter(metric["numerator"], name),
                    denominator: try counter(metric["denominator"], name),
                    scale: metric["scale"]?.intValue ?? 1)
            case "difference":
                kind = .difference(try counter(metric["minuend"], name), try counter(metric["subtrahend"], name))
            case "sum": kind = .sum(try (metric["counters"]?.arrayValue ?? []).map { try counter($0, name) })
            case "attribute":
                guard let attribute = metric["attribute"]?.stringValue else {
                    throw Invalid(description: "attribute metric \(name) needs attribute")
                }
                kind = .attribute(attribute)
            case "constant": kind = .constant(metric["value"]?.stringValue ?? "")
            default: throw Invalid(description: "metric \(name) has an unknown kind")
            }
            let levels = try metric["levels"].map { Set(try strings($0, "\(name).levels")) }
            metrics[name] = Metric(name: name, kind: kind, levels: levels)
        }
        self.metrics = metrics
    }
}
