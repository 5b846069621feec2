import Foundation
import Testing

@testable import TikTokConnectionsServer

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The server-side SVG chart: well-formed XML, escaping, colours, scales, thinning, odd inputs, determinism.
@Suite struct SVGChartTests {
    // MARK: Well-formed output

    @Test func rendersAWellFormedSVGElement() throws {
        for style in [SVGChart.Style.stackedBars, .lines] {
            let chart = SVGChart(
                title: "Requests", labels: ["Mon", "Tue", "Wed"],
                series: [
                    .init(name: "ok", color: "#127a3a", values: [3, 5, 2]),
                    .init(name: "failed", color: "red", values: [1, 0, 4]),
                ],
                style: style
            )
            let svg = chart.render()
            let start = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 720 220" role="img""#
            #expect(svg.hasPrefix(start + #" aria-label="Requests" class="chart"><title>Requests</title>"#))
            #expect(svg.hasSuffix("</svg>"))
            #expect(!svg.contains("\n"))
            let parsed = try ParsedSVG(svg)
            let root = try #require(parsed.elements.first)
            #expect(root.name == "svg" && root.attributes["role"] == "img" && root.attributes["class"] == "chart")
            #expect(root.attributes["viewBox"] == "0 0 720 220" && root.attributes["aria-label"] == "Requests")
            #expect(parsed.elements.dropFirst().first?.name == "title")
            #expect(parsed.elements.dropFirst().first?.text == "Requests")
            #expect(parsed.texts(in: "legend") == ["ok", "failed"])
            #expect(parsed.texts(in: "x-axis") == ["Mon", "Tue", "Wed"])
            #expect(!svg.contains("No data yet"))
        }
        let sized = SVGChart(
            title: "t", labels: ["a"], series: [.init(name: "s", color: "blue", values: [1])], style: .lines,
            width: 400, height: 150)
        #expect(try ParsedSVG(sized.render()).elements.first?.attributes["viewBox"] == "0 0 400 150")
    }

    @Test func escapesHostileTexts() throws {
        let hostile = #"<script>alert(1)</script>&"'"#
        for style in [SVGChart.Style.stackedBars, .lines] {
            let chart = SVGChart(
                title: hostile, labels: [hostile, "b"],
                series: [.init(name: hostile, color: hostile, values: [1, 2])], style: style
            )
            let svg = chart.render()
            #expect(!svg.lowercased().contains("<script"))
            #expect(!svg.contains("alert(1)</"))
            #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;"))
            let parsed = try ParsedSVG(svg)
            #expect(parsed.elements.first?.attributes["aria-label"] == hostile)
            #expect(parsed.elements.dropFirst().first?.text == hostile)
            #expect(parsed.texts(in: "legend") == [hostile])
            #expect(parsed.texts(in: "x-axis").first == String(hostile.prefix(15)) + "…")
            #expect(parsed.tooltips.contains("\(hostile) · \(hostile): 1"))
            #expect(!parsed.elements.contains { $0.name == "script" })
        }
        // Characters XML forbids are dropped rather than breaking the document.
        let controls = SVGChart(
            title: "a\u{0}b\u{1B}c", labels: ["x\u{7}"], series: [.init(name: "\u{FFFE}n", color: "red", values: [1])],
            style: .stackedBars)
        let parsed = try ParsedSVG(controls.render())
        #expect(parsed.elements.dropFirst().first?.text == "abc")
        #expect(SVGChart.escape("tab\tnew\nline") == "tab\tnew\nline")
    }

    // MARK: Bars

    @Test func oneRectPerNonZeroValueEachWithATooltip() throws {
        let chart = SVGChart(
            title: "Calls", labels: ["a", "b", "c", "d"],
            series: [
                .init(name: "A", color: "#4e79a7", values: [1, 0, 3, 0]),
                .init(name: "B", color: "#f28e2b", values: [0, 0, 7, 2]),
                .init(name: "C", color: "#e15759", values: [5, 0, -4, 1]),
            ],
            style: .stackedBars
        )
        let parsed = try ParsedSVG(chart.render())
        let rects = parsed.all("rect")
        #expect(rects.count == 6)
        #expect(rects.allSatisfy { parsed.tooltip(of: $0) != nil })
        #expect(Set(parsed.tooltips) == ["a · A: 1", "a · C: 5", "c · A: 3", "c · B: 7", "d · B: 2", "d · C: 1"])
        #expect(parsed.all("polyline").isEmpty && parsed.all("circle").isEmpty)
    }

    @Test func stackedHeightsAreProportionalToTheValues() throws {
        let chart = SVGChart(
            title: "Stack", labels: ["a", "b", "c"],
            series: [
                .init(name: "A", color: "#111", values: [10, 0, 5]),
                .init(name: "B", color: "#222", values: [10, 20, 0]),
            ],
            style: .stackedBars
        )
        let parsed = try ParsedSVG(chart.render())
        #expect(parsed.texts(in: "y-axis") == ["0", "5", "10", "15", "20"])
        let a0 = try parsed.bar("a · A: 10"), b0 = try parsed.bar("a · B: 10")
        let b1 = try parsed.bar("b · B: 20"), a2 = try parsed.bar("c · A: 5")
        let full = b1.height
        #expect(full > 100)
        // The tallest column reaches the top gridline (20) from the baseline; the others scale with their totals.
        let grid = parsed.all("line").filter { $0.group == "grid" }
        let topLine = try #require(grid.compactMap { Double($0.attributes["y1"] ?? "") }.min())
        let baseline = try #require(grid.compactMap { Double($0.attributes["y1"] ?? "") }.max())
        #expect(abs(b1.y - topLine) < 0.11)
        #expect(abs(b1.y + b1.height - baseline) < 0.11)
        #expect(abs(a0.height + b0.height - full) < 0.21)
        #expect(abs(a0.height - b0.height) < 0.11)
        #expect(abs(a2.height / full - 0.25) < 0.01)
        // Stacked: B sits on A in the first column (A first, at the bottom).
        #expect(abs(b0.y + b0.height - a0.y) < 0.01)
        #expect(abs(a0.y + a0.height - baseline) < 0.11)
    }

    // MARK: Scales and labels

    @Test func yTicksAreThreeToFiveNiceIntegers() throws {
        #expect(SVGChart.yTicks(forMaximum: 1) == [0, 1, 2])
        #expect(SVGChart.yTicks(forMaximum: 2) == [0, 1, 2])
        #expect(SVGChart.yTicks(forMaximum: 3) == [0, 1, 2, 3])
        #expect(SVGChart.yTicks(forMaximum: 7) == [0, 2, 4, 6, 8])
        #expect(SVGChart.yTicks(forMaximum: 10) == [0, 5, 10])
        #expect(SVGChart.yTicks(forMaximum: 1234) == [0, 500, 1000, 1500])
        for maximum in [1, 2, 3, 4, 5, 6, 9, 11, 19, 21, 99, 101, 999, 12_345, 987_654_321, Int.max / 2, Int.max] {
            let ticks = SVGChart.yTicks(forMaximum: Double(maximum))
            #expect((3...5).contains(ticks.count), "\(maximum): \(ticks)")
            #expect(ticks.first == 0 && ticks.last! >= Double(maximum), "\(maximum): \(ticks)")
            let step = ticks[1]
            #expect(ticks.allSatisfy { $0 == $0.rounded() }, "\(maximum): \(ticks)")
            let mantissa = step / pow(10, (log10(step)).rounded(.down))
            #expect(
                [1, 2, 5].contains(mantissa.rounded()) && abs(mantissa - mantissa.rounded()) < 1e-9,
                "\(maximum): \(ticks)")
        }
        let chart = SVGChart(
            title: "t", labels: ["a", "b"], series: [.init(name: "s", color: "red", values: [0, 1])], style: .lines)
        #expect(try ParsedSVG(chart.render()).texts(in: "y-axis") == ["0", "1", "2"])
        let big = SVGChart(
            title: "t", labels: ["a"], series: [.init(name: "s", color: "red", values: [1_400_000])],
            style: .stackedBars)
        #expect(try ParsedSVG(big.render()).texts(in: "y-axis") == ["0", "500k", "1M", "1.5M"])
    }

    @Test func xLabelsAreThinnedToAtMostEight() throws {
        for count in [1, 7, 8, 9, 30, 31, 100, 499] {
            let labels = (0..<count).map { "2025-01-\($0)" }
            let chart = SVGChart(
                title: "t", labels: labels,
                series: [.init(name: "s", color: "red", values: Array(repeating: 1, count: count))], style: .stackedBars
            )
            let parsed = try ParsedSVG(chart.render())
            let drawn = parsed.all("text").filter { $0.group == "x-axis" }
            #expect(drawn.count <= 8 && drawn.count >= min(count, 4), "\(count): \(drawn.count)")
            #expect(drawn.first?.text == labels.first)
            // Evenly spaced and far enough apart for the label widths (6 px per character estimate).
            let xs = drawn.compactMap { Double($0.attributes["x"] ?? "") }
            let gaps = zip(xs.dropFirst(), xs).map { $0 - $1 }
            #expect(gaps.allSatisfy { $0 >= Double(labels[0].count) * 6 }, "\(count): \(gaps)")
            if let first = gaps.last { #expect(gaps.allSatisfy { abs($0 - first) < 1 }, "\(count): \(gaps)") }
        }
        let long = SVGChart(
            title: "t", labels: [String(repeating: "x", count: 200)],
            series: [.init(name: "s", color: "red", values: [1])], style: .lines)
        let text = try #require(ParsedSVG(long.render()).texts(in: "x-axis").first)
        #expect(text.count == 16 && text.hasSuffix("…"))
    }

    // MARK: Lines

    @Test func linesDrawOnePolylinePerSeriesAndDotsOnlyUpToSixtyPoints() throws {
        let few = SVGChart(
            title: "t", labels: (0..<60).map(String.init),
            series: [
                .init(name: "a", color: "red", values: Array(0..<60)), .init(name: "b", color: "blue", values: []),
            ],
            style: .lines
        )
        let parsed = try ParsedSVG(few.render())
        #expect(parsed.all("polyline").count == 2)
        #expect(parsed.all("circle").count == 120)
        #expect(parsed.all("rect").isEmpty)
        #expect(parsed.all("polyline").allSatisfy { ($0.attributes["points"] ?? "").split(separator: " ").count == 60 })
        #expect(parsed.tooltips.contains("59 · a: 59") && parsed.tooltips.contains("0 · b: 0"))
        let many = SVGChart(title: "t", labels: (0..<61).map(String.init), series: few.series, style: .lines)
        let manyParsed = try ParsedSVG(many.render())
        #expect(manyParsed.all("polyline").count == 2 && manyParsed.all("circle").isEmpty)
    }

    // MARK: Empty, odd and large inputs

    @Test func showsNoDataYetWhenThereIsNothingToDraw() throws {
        let charts = [
            SVGChart(title: "t", labels: [], series: [], style: .stackedBars),
            SVGChart(
                title: "t", labels: [], series: [.init(name: "s", color: "red", values: [1, 2, 3])], style: .lines),
            SVGChart(title: "t", labels: ["a", "b"], series: [], style: .lines),
            SVGChart(
                title: "t", labels: ["a", "b"], series: [.init(name: "s", color: "red", values: [0, 0])],
                style: .stackedBars),
            SVGChart(
                title: "t", labels: ["a", "b"], series: [.init(name: "s", color: "red", values: [-5, Int.min])],
                style: .lines),
            SVGChart(
                title: "", labels: ["a"], series: [.init(name: "s", color: "red", values: [])], style: .stackedBars),
        ]
        for chart in charts {
            let svg = chart.render()
            let parsed = try ParsedSVG(svg)
            #expect(parsed.texts(in: nil).contains("No data yet"), "\(svg)")
            #expect(parsed.all("rect").isEmpty && parsed.all("polyline").isEmpty && parsed.all("circle").isEmpty)
            #expect(parsed.elements.first?.name == "svg")
        }
        #expect(try ParsedSVG(charts[5].render()).elements.first?.attributes["aria-label"] == "Chart")
    }

    @Test func fiveHundredBucketsRender() throws {
        let labels = (0..<500).map { "b\($0)" }
        let series = [
            SVGChart.Series(name: "x", color: "teal", values: (0..<500).map { $0 % 7 + 1 }),
            SVGChart.Series(name: "y", color: "orange", values: (0..<500).map { $0 % 3 }),
        ]
        let bars = SVGChart(title: "t", labels: labels, series: series, style: .stackedBars).render()
        let parsed = try ParsedSVG(bars)
        #expect(parsed.all("rect").count == 500 + (0..<500).filter { $0 % 3 != 0 }.count)
        #expect(parsed.texts(in: "x-axis").count <= 8)
        let lines = try ParsedSVG(SVGChart(title: "t", labels: labels, series: series, style: .lines).render())
        #expect(lines.all("polyline").count == 2 && lines.all("circle").isEmpty)
        #expect(lines.texts(in: "x-axis").count <= 8)
    }

    @Test func survivesHugeNegativeMismatchedAndTinyInputs() throws {
        let cases: [SVGChart] = [
            SVGChart(
                title: "huge", labels: ["a", "b"],
                series: (0..<5).map { .init(name: "s\($0)", color: "red", values: [Int.max / 2, Int.max]) },
                style: .stackedBars),
            SVGChart(
                title: "huge", labels: ["a", "b"],
                series: [.init(name: "s", color: "red", values: [Int.max / 2, Int.max])], style: .lines),
            SVGChart(
                title: "neg", labels: ["a", "b", "c"],
                series: [.init(name: "s", color: "red", values: [-1, 5, Int.min])], style: .stackedBars),
            SVGChart(
                title: "short", labels: ["a", "b", "c"], series: [.init(name: "s", color: "red", values: [4])],
                style: .stackedBars),
            SVGChart(
                title: "long", labels: ["a"], series: [.init(name: "s", color: "red", values: [4, 5, 6, 7])],
                style: .lines),
            SVGChart(
                title: "one", labels: ["only"], series: [.init(name: "s", color: "red", values: [3])],
                style: .stackedBars),
            SVGChart(
                title: "one", labels: ["only"], series: [.init(name: "s", color: "red", values: [3])], style: .lines),
            SVGChart(
                title: "empty label", labels: ["", ""], series: [.init(name: "", color: "", values: [1, 2])],
                style: .stackedBars),
            SVGChart(
                title: "tiny", labels: ["a", "b"], series: [.init(name: "s", color: "red", values: [1, 2])],
                style: .stackedBars, width: -5, height: 0),
            SVGChart(
                title: "huge box", labels: ["a"], series: [.init(name: "s", color: "red", values: [1])], style: .lines,
                width: Int.max, height: Int.min),
            SVGChart(
                title: "many series", labels: ["a", "b"],
                series: (0..<200).map { .init(name: "series number \($0)", color: "#abc", values: [$0, 1]) },
                style: .stackedBars),
        ]
        for chart in cases {
            let svg = chart.render()
            let parsed = try ParsedSVG(svg)
            #expect(!svg.contains("nan") && !svg.contains("inf") && !svg.contains("e+"), "\(chart.title)")
            try expectCompactNumbers(parsed)
            let nonZero = chart.series.reduce(0) { total, one in
                total + (0..<chart.labels.count).filter { $0 < one.values.count && one.values[$0] > 0 }.count
            }
            if chart.style == .stackedBars { #expect(parsed.all("rect").count == nonZero, "\(chart.title)") }
            for rect in parsed.all("rect") {
                let height = try #require(Double(rect.attributes["height"] ?? ""))
                #expect(height >= 0, "\(chart.title)")
            }
        }
        #expect(try ParsedSVG(cases[2].render()).tooltips == ["b · s: 5"])
        #expect(try ParsedSVG(cases[3].render()).tooltips == ["a · s: 4"])
        #expect(try ParsedSVG(cases[4].render()).tooltips == ["a · s: 4"])
        #expect(try ParsedSVG(cases[8].render()).elements.first?.attributes["viewBox"] == "0 0 200 120")
        #expect(try ParsedSVG(cases[9].render()).elements.first?.attributes["viewBox"] == "0 0 4000 120")
        let many = try ParsedSVG(cases[10].render())
        let legend = many.texts(in: "legend")
        #expect(legend.last?.hasPrefix("+") == true && legend.last?.hasSuffix(" more") == true)
        #expect(many.all("path").filter { $0.group == "legend" }.count == legend.count - 1)
        let huge = try ParsedSVG(cases[0].render())
        #expect(huge.tooltips.contains("b · s4: \(Int.max)"))
        #expect(huge.texts(in: "y-axis").allSatisfy { $0.last.map { "0123456789E".contains($0) } == true })
    }

    @Test func numbersHaveAtMostOneDecimalAndNoLocale() throws {
        #expect(SVGChart.format(3) == "3")
        #expect(SVGChart.format(1.25) == "1.3")
        #expect(SVGChart.format(2.04) == "2")
        #expect(SVGChart.format(-0.04) == "0")
        #expect(SVGChart.format(-7.55) == "-7.6")
        #expect(SVGChart.format(1_234_567.89) == "1234567.9")
        #expect(SVGChart.format(.nan) == "0" && SVGChart.format(.infinity) == "0")
        #expect(SVGChart.compactNumber(15_000) == "15k" && SVGChart.compactNumber(2_500_000) == "2.5M")
        #expect(SVGChart.compactNumber(4e18) == "4E" && SVGChart.compactNumber(900) == "900")
        let chart = SVGChart(
            title: "t", labels: (0..<37).map(String.init),
            series: [
                .init(name: "a", color: "red", values: (0..<37).map { $0 * 37 % 101 }),
                .init(name: "b", color: "blue", values: (0..<37).map { $0 % 5 }),
            ],
            style: .stackedBars, width: 713, height: 211
        )
        try expectCompactNumbers(try ParsedSVG(chart.render()))
        try expectCompactNumbers(
            try ParsedSVG(
                SVGChart(
                    title: chart.title, labels: chart.labels, series: chart.series, style: .lines, width: 713,
                    height: 211
                ).render()))
    }

    // MARK: Colours and determinism

    @Test func invalidColoursAreReplacedByDefaults() throws {
        #expect(SVGChart.safeColor("#abc", fallbackIndex: 0) == "#abc")
        #expect(SVGChart.safeColor("#A1B2C3", fallbackIndex: 0) == "#a1b2c3")
        #expect(SVGChart.safeColor(" Teal ", fallbackIndex: 0) == "teal")
        for bad in [
            "", "#ab", "#abcd", "#abcdeg", "#1234567", "rgb(1,2,3)", "url(#x)", "red;x", #"red" onload="alert(1)"#,
            "javascript:alert(1)", "expression(1)", "bluee",
        ] {
            #expect(SVGChart.safeColor(bad, fallbackIndex: 1) == SVGChart.palette[1], "\(bad)")
        }
        #expect(SVGChart.safeColor("nope", fallbackIndex: -3) == SVGChart.palette[3])
        #expect(SVGChart.safeColor("nope", fallbackIndex: Int.min) == SVGChart.palette[0])

        let evil = #"red" onload="alert(1)"#
        let chart = SVGChart(
            title: "t", labels: ["a"],
            series: [.init(name: "ok", color: "#123456", values: [1]), .init(name: "bad", color: evil, values: [2])],
            style: .stackedBars
        )
        let svg = chart.render()
        #expect(!svg.contains("onload") && !svg.contains("alert"))
        let fills = try ParsedSVG(svg).all("rect").map { $0.attributes["fill"] }
        #expect(fills == ["#123456", SVGChart.palette[1]])
    }

    @Test func renderingIsDeterministic() {
        let chart = SVGChart(
            title: "Deterministic", labels: (0..<90).map { "d\($0)" },
            series: (0..<4).map { index in
                .init(
                    name: "s\(index)", color: index == 2 ? "bogus" : "navy",
                    values: (0..<90).map { ($0 * 31 + index * 7) % 13 })
            },
            style: .stackedBars
        )
        #expect(chart.render() == chart.render())
        var lines = chart
        lines.style = .lines
        #expect(lines.render() == lines.render())
        #expect(lines.render() != chart.render())
    }

    // MARK: Helpers

    /// Every numeric attribute is an integer or has exactly one decimal, with `.` as the separator.
    private func expectCompactNumbers(_ parsed: ParsedSVG, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let numeric: Set<String> = ["x", "y", "width", "height", "x1", "y1", "x2", "y2", "cx", "cy", "r"]
        for element in parsed.elements {
            var numbers = element.attributes.filter { numeric.contains($0.key) }.map(\.value)
            if let points = element.attributes["points"] {
                numbers += points.split(separator: " ").flatMap { $0.split(separator: ",").map(String.init) }
            }
            for number in numbers {
                #expect(
                    number.wholeMatch(of: /-?[0-9]+(\.[0-9])?/) != nil, "\(element.name): \(number)",
                    sourceLocation: sourceLocation)
            }
        }
    }
}

/// A rendered chart parsed back with `XMLParser`: every element in document order, with its attributes, its text,
/// its parent and the class of the nearest enclosing `<g class=…>`. Parsing throws when the XML is not well-formed.
private struct ParsedSVG {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        var parent: Int?
        var group: String?
        var index: Int
    }

    struct NotWellFormed: Error, CustomStringConvertible {
        var description: String
    }

    /// A bar's position read back from its `<rect>`.
    struct Bar {
        var y: Double
        var height: Double
    }

    let elements: [Element]

    init(_ svg: String) throws {
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        guard parser.parse(), collector.failure == nil else {
            throw NotWellFormed(
                description: "\(collector.failure ?? parser.parserError.map { "\($0)" } ?? "?"): \(svg)")
        }
        elements = collector.elements
    }

    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }

    /// The texts of the `<text>` elements in the group with this class (or in any group, for `nil`).
    func texts(in group: String?) -> [String] {
        all("text").filter { group == nil || $0.group == group }.map(\.text)
    }

    /// The `<title>` text of an element, if it has one.
    func tooltip(of element: Element) -> String? {
        elements.first { $0.name == "title" && $0.parent == element.index }?.text
    }

    /// The tooltips of every bar and dot.
    var tooltips: [String] {
        elements.filter { ["rect", "circle"].contains($0.name) }.compactMap(tooltip(of:))
    }

    /// The bar whose tooltip is `tooltip`.
    func bar(_ tooltip: String) throws -> Bar {
        let rect = try #require(all("rect").first { self.tooltip(of: $0) == tooltip })
        return Bar(
            y: try #require(Double(rect.attributes["y"] ?? "")),
            height: try #require(Double(rect.attributes["height"] ?? "")))
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var stack: [Int] = []
        var failure: String?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            let group = stack.reversed().lazy.compactMap { index in
                self.elements[index].name == "g" ? self.elements[index].attributes["class"] : nil
            }.first
            elements.append(
                Element(
                    name: elementName, attributes: attributeDict, parent: stack.last, group: group,
                    index: elements.count))
            stack.append(elements.count - 1)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let current = stack.last { elements[current].text += string }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            stack.removeLast()
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            failure = "\(parseError)"
        }
    }
}
