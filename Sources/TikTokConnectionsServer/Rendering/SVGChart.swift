import Foundation

/// A chart rendered on the server as one self-contained `<svg>` element, so the admin page needs no JavaScript.
///
/// `render()` returns markup that is safe to embed in HTML unescaped (for example through a triple mustache):
/// every text is XML-escaped, colours are validated, and numbers are written with at most one decimal and `.` as the
/// separator whatever the locale. The output is compact and deterministic: the same chart always renders the same
/// string. It uses presentation attributes only (no `style`, no script), so it passes a `default-src 'none'` CSP.
///
/// Layout, top to bottom: the legend (a coloured square and the name of each series), the plot with 3–5 "nice"
/// integer gridlines labelled on the left (0 and round steps of 1, 2 or 5×10ⁿ up to at least the maximum), and at
/// most 8 evenly spaced x labels. Every `<rect>` in the output is a bar, with a `<title>` tooltip
/// "label · series: value". When every value is 0, or there are no buckets, the plot is replaced by "No data yet".
///
/// Texts use `currentColor`, so the chart follows the colour of the surrounding page.
struct SVGChart: Sendable {
    /// One series of a chart: a name (shown in the legend), a CSS colour, and one value per bucket.
    struct Series: Sendable {
        /// Shown in the legend and in the tooltips.
        var name: String
        /// `#rgb`, `#rrggbb` or one of ``SVGChart/namedColors``; anything else is drawn in a default palette colour.
        var color: String
        /// One value per bucket (per label). Missing values count as 0, extra values are ignored, negatives are 0.
        var values: [Int]
    }

    /// How the series are drawn.
    enum Style: Sendable {
        /// One column per bucket with the series stacked bottom-up in their order; one `<rect>` per non-zero value.
        case stackedBars
        /// One `<polyline>` per series, plus a small circle per point when there are at most 60 buckets.
        case lines
    }

    /// Used for the `<title>` and the `aria-label` of the `<svg>`.
    var title: String
    /// One per bucket (the x axis); at most 8, evenly spaced, are drawn so that they never overlap.
    var labels: [String]
    /// The series, drawn (and stacked) in this order.
    var series: [Series]
    /// Bars or lines.
    var style: Style
    /// The width of the `viewBox`, clamped to 200...4000.
    var width: Int = 720
    /// The height of the `viewBox`, clamped to 120...2000.
    var height: Int = 220

    /// The complete `<svg>` element as a string, safe to embed in HTML unescaped.
    ///
    /// Every text (title, labels, series names) is XML-escaped (`& < > " '`, and characters XML forbids are dropped),
    /// colours are validated (see ``safeColor(_:fallbackIndex:)``), and numbers have at most one decimal with `.` as
    /// the separator. Never traps: empty labels, value counts that differ from the label count, huge or negative
    /// values and any number of buckets are all drawn.
    func render() -> String {
        let w = Self.clamped(width, 200, 4000)
        let h = Self.clamped(height, 120, 2000)
        let (width, height) = (Double(w), Double(h))
        let count = labels.count
        let values: [[Int]] = series.map { one in
            (0..<count).map { index in index < one.values.count ? max(0, one.values[index]) : 0 }
        }
        let colors = series.indices.map { Self.safeColor(series[$0].color, fallbackIndex: $0) }
        let name = Self.escape(title.isEmpty ? "Chart" : title)

        var out = ""
        out.reserveCapacity(2048 + count * max(1, series.count) * 96)
        out += #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(w) \#(h)" role="img""#
        out += #" aria-label="\#(name)" class="chart">"#
        out += "<title>\(name)</title>"
        out += #"<g font-family="system-ui,sans-serif" font-size="10">"#
        let legendBottom = appendLegend(to: &out, colors: colors, width: width)

        // The largest thing to draw: a column total for stacked bars, a single value for lines. In Double, so that
        // sums of huge values cannot overflow.
        var maximum = 0.0
        for index in 0..<count {
            switch style {
            case .stackedBars: maximum = max(maximum, values.reduce(0.0) { $0 + Double($1[index]) })
            case .lines: maximum = max(maximum, values.reduce(0.0) { max($0, Double($1[index])) })
            }
        }
        guard maximum > 0, maximum.isFinite else {
            let top = series.isEmpty ? 0 : legendBottom
            let attributes = #" class="chart-empty" text-anchor="middle" font-size="13" fill="currentColor""#
            out += Self.text(width / 2, (top + height) / 2, "No data yet", attributes + #" fill-opacity="0.7""#)
            out += "</g></svg>"
            return out
        }

        // The y scale and the plot area (left margin sized for the widest tick label).
        let ticks = Self.yTicks(forMaximum: maximum)
        let top = ticks.last ?? maximum
        let compact = top >= 10_000
        let tickTexts = ticks.map { compact ? Self.compactNumber($0) : Self.format($0) }
        let left = max(28, Double(tickTexts.map(\.count).max() ?? 1) * 6 + 12)
        let right = width - 12
        let plotTop = series.isEmpty ? 12 : legendBottom + 10
        let base = height - 22
        let plotHeight = max(1, base - plotTop)
        let slot = max(0.01, (right - left) / Double(max(1, count)))
        func y(_ value: Double) -> Double { base - value / top * plotHeight }
        let f: (Double) -> String = Self.format

        // Gridlines and tick labels.
        out += #"<g class="grid" stroke="currentColor" stroke-opacity="0.15">"#
        for tick in ticks.dropFirst() {
            out += #"<line x1="\#(f(left))" y1="\#(f(y(tick)))" x2="\#(f(right))" y2="\#(f(y(tick)))"/>"#
        }
        out += #"<line x1="\#(f(left))" y1="\#(f(base))" x2="\#(f(right))" y2="\#(f(base))" stroke-opacity="0.5"/>"#
        out += "</g>"
        out += #"<g class="y-axis" fill="currentColor" fill-opacity="0.75" text-anchor="end">"#
        for (tick, text) in zip(ticks, tickTexts) {
            out += Self.text(left - 5, y(tick) + 3.5, text)
        }
        out += "</g>"

        // X labels, thinned: at most 8, and far enough apart for the widest (shortened) label.
        let shortLabels = labels.map { Self.shortened($0, to: 16) }
        let labelWidth = Double(shortLabels.map(\.count).max() ?? 0) * 6 + 10
        let step = max(1, (count + 7) / 8, Int((labelWidth / slot).rounded(.up)))
        out += #"<g class="x-axis" fill="currentColor" fill-opacity="0.75" text-anchor="middle">"#
        for index in stride(from: 0, to: count, by: step) where !shortLabels[index].isEmpty {
            let half = Double(shortLabels[index].count) * 3 + 2
            let center = min(max(left + (Double(index) + 0.5) * slot, half), width - half)
            out += Self.text(center, base + 14, Self.escape(shortLabels[index]))
        }
        out += "</g>"

        switch style {
        case .stackedBars:
            let barWidth = min(slot * 0.8, 48)
            out += #"<g class="bars">"#
            for index in 0..<count {
                let x = f(left + Double(index) * slot + (slot - barWidth) / 2)
                let widthText = f(barWidth)
                var total = 0.0
                for (seriesIndex, one) in series.enumerated() {
                    let value = values[seriesIndex][index]
                    guard value > 0 else { continue }
                    let bottom = Self.tenths(y(total))
                    total += Double(value)
                    let upper = Self.tenths(y(total))
                    out += #"<rect x="\#(x)" y="\#(f(upper))" width="\#(widthText)" height="\#(f(bottom - upper))""#
                    out += #" fill="\#(colors[seriesIndex])">"#
                    out += "<title>\(Self.escape(Self.tooltip(labels[index], one.name, value)))</title></rect>"
                }
            }
            out += "</g>"
        case .lines:
            out += #"<g class="lines" fill="none" stroke-width="2" stroke-linejoin="round" stroke-linecap="round">"#
            for (seriesIndex, one) in series.enumerated() {
                let points = (0..<count).map { index in
                    f(left + (Double(index) + 0.5) * slot) + "," + f(y(Double(values[seriesIndex][index])))
                }
                out += #"<polyline points="\#(points.joined(separator: " "))" stroke="\#(colors[seriesIndex])">"#
                out += "<title>\(Self.escape(one.name))</title></polyline>"
                guard count <= 60 else { continue }
                for index in 0..<count {
                    let value = values[seriesIndex][index]
                    let (cx, cy) = (f(left + (Double(index) + 0.5) * slot), f(y(Double(value))))
                    out += #"<circle cx="\#(cx)" cy="\#(cy)" r="2.5" fill="\#(colors[seriesIndex])">"#
                    out += "<title>\(Self.escape(Self.tooltip(labels[index], one.name, value)))</title></circle>"
                }
            }
            out += "</g>"
        }
        out += "</g></svg>"
        return out
    }

    /// Draws the legend (at most 3 rows; what does not fit is summarised as "+N more") and returns its bottom edge.
    private func appendLegend(to out: inout String, colors: [String], width: Double) -> Double {
        guard !series.isEmpty else { return 0 }
        let rowHeight = 16.0, maximumRows = 3
        var items: [(x: Double, row: Int, index: Int, name: String)] = []
        var x = 8.0, row = 0, hidden = 0
        for (index, one) in series.enumerated() {
            let name = Self.shortened(one.name, to: 32)
            let itemWidth = 14 + Double(name.count) * 6.5 + 12
            if x + itemWidth > width - 8, x > 8 {
                if row + 1 >= maximumRows {
                    hidden = series.count - index
                    break
                }
                row += 1
                x = 8
            }
            items.append((x, row, index, name))
            x += itemWidth
        }
        // "+N more" goes after the last item shown, replacing items at the end of the last row until it fits.
        var more: (x: Double, row: Int)?
        if hidden > 0 {
            var moreX = x
            while let last = items.last, last.row == row, moreX + Double("+\(hidden) more".count) * 6.5 > width - 8 {
                items.removeLast()
                hidden += 1
                moreX = last.x
            }
            more = (moreX, row)
        }
        out += #"<g class="legend" font-size="11" fill="currentColor">"#
        for item in items {
            let top = 6 + Double(item.row) * rowHeight
            out +=
                #"<path d="M\#(Self.format(item.x)) \#(Self.format(top))h10v10h-10z" fill="\#(colors[item.index])"/>"#
            out += Self.text(item.x + 14, top + 9.5, Self.escape(item.name))
        }
        if let more {
            let top = 6 + Double(more.row) * rowHeight
            out += Self.text(more.x, top + 9.5, "+\(hidden) more", #" fill-opacity="0.7""#)
        }
        out += "</g>"
        return 6 + Double(row + 1) * rowHeight
    }

    // MARK: - Helpers

    /// The CSS colour names a series may use (lowercase; matched case-insensitively).
    static let namedColors: Set<String> = [
        "black", "white", "gray", "grey", "silver", "red", "maroon", "orange", "gold", "yellow", "olive", "lime",
        "green", "teal", "aqua", "cyan", "blue", "navy", "purple", "fuchsia", "magenta", "pink", "brown",
    ]

    /// The colours used in place of an invalid one, by series index.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f"]

    /// `color` when it is `#rgb`, `#rrggbb` or one of ``namedColors`` (lowercased), otherwise the palette colour for
    /// `fallbackIndex`. The result never needs escaping.
    static func safeColor(_ color: String, fallbackIndex: Int) -> String {
        let candidate = color.trimmingCharacters(in: .whitespaces).lowercased()
        if namedColors.contains(candidate) { return candidate }
        let utf8 = Array(candidate.utf8)
        let isHex = { (byte: UInt8) in (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) }
        if utf8.first == UInt8(ascii: "#"), utf8.count == 4 || utf8.count == 7, utf8.dropFirst().allSatisfy(isHex) {
            return candidate
        }
        return palette[Int(fallbackIndex.magnitude % UInt(palette.count))]
    }

    /// `text` XML-escaped for use in element content and attribute values (`& < > " '`); characters that XML 1.0
    /// does not allow (most C0 controls, U+FFFE, U+FFFF) are dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                guard scalar.value >= 0x20, scalar.value != 0xFFFE, scalar.value != 0xFFFF else { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `value` rounded to one decimal, with `.` as the separator and no trailing `.0` (never locale-dependent).
    /// Non-finite values are written as `0`.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int(max(-1e15, min(1e15, (value * 10).rounded())))
        let magnitude = tenths.magnitude
        let sign = tenths < 0 ? "-" : ""
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }

    /// The y ticks for a positive maximum: 0 and multiples of the smallest step of 1, 2 or 5×10ⁿ that reaches the
    /// maximum in at most 4 steps, with at least 2 steps; so 3 to 5 integer ticks, the last one ≥ `maximum`.
    static func yTicks(forMaximum maximum: Double) -> [Double] {
        guard maximum > 0, maximum.isFinite else { return [0, 1, 2] }
        var power = 1.0
        while power < 1e300 {
            for multiple in [1.0, 2.0, 5.0] {
                let step = multiple * power
                let steps = (maximum / step).rounded(.up)
                if steps <= 4 { return (0...max(2, Int(steps))).map { Double($0) * step } }
            }
            power *= 10
        }
        return [0, maximum / 2, maximum]
    }

    /// A tick value with a k/M/B/T/P/E suffix and at most one decimal: `15000` → `15k`, `1500000` → `1.5M`.
    static func compactNumber(_ value: Double) -> String {
        let units: [(Double, String)] = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in units where value >= scale { return format(value / scale) + suffix }
        return format(value)
    }

    /// `<text x=… y=…>content</text>`, with `attributes` (each with a leading space) after the position. `content`
    /// must already be escaped.
    private static func text(_ x: Double, _ y: Double, _ content: String, _ attributes: String = "") -> String {
        #"<text x="\#(format(x))" y="\#(format(y))"\#(attributes)>\#(content)</text>"#
    }

    /// The tooltip of one value: "label · series: value".
    private static func tooltip(_ label: String, _ series: String, _ value: Int) -> String {
        "\(label) · \(series): \(value)"
    }

    /// `text` cut to `length` characters (the last one an ellipsis) when longer.
    private static func shortened(_ text: String, to length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    /// `value` rounded to one decimal, so that stacked edges are computed from the same rounded positions.
    private static func tenths(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    /// `value` limited to `lower...upper`.
    private static func clamped(_ value: Int, _ lower: Int, _ upper: Int) -> Int { min(max(value, lower), upper) }
}
