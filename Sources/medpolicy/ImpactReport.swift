import Foundation
import Model
import Mustache
import Workflows

/// The `policies impact` report as one self-contained HTML page (inline SVG charts, no script),
/// rendered from ``ImpactReportTemplate`` with swift-mustache, which escapes every value; this type
/// only computes what the page shows, as ``BatchReport`` does for `batch`.
enum ImpactReport {
    static let oldColor = "#90a4ae", newColor = "#1565c0"
    /// The most moved claims the page lists (--json lists all).
    static let listedMoves = 500

    static let library: MustacheLibrary = {
        do {
            return MustacheLibrary(templates: [
                "report": try MustacheTemplate(string: ImpactReportTemplate.text),
                "pairs": try MustacheTemplate(string: ImpactReportTemplate.pairedBars),
            ])
        } catch {
            preconditionFailure("the impact report template does not parse: \(error)")
        }
    }()

    static func render(_ impact: PolicyImpact, carcText: (String) -> String?) -> String {
        let outcomeColor = Dictionary(uniqueKeysWithValues: BatchReport.outcomeColors.map { ($0.label.replacingOccurrences(of: " ", with: "_"), $0.color) })
        func outcome(_ value: Outcome) -> [String: Any] {
            ["label": value.rawValue.replacingOccurrences(of: "_", with: " "), "color": outcomeColor[value.rawValue] ?? "#555"]
        }
        func change(_ count: PolicyImpact.Count) -> String { count.new == count.old ? "0" : (count.new > count.old ? "+" : "") + String(count.new - count.old) }
        let outcomes = impact.outcomes.map { (label: $0.key.replacingOccurrences(of: "_", with: " "), old: $0.old, new: $0.new, detail: "") }
        let carcs = impact.carcs.prefix(15).map { (label: "CARC \($0.key)", old: $0.old, new: $0.new, detail: carcText($0.key) ?? "") }
        let moved = impact.moved.prefix(listedMoves).map { move -> [String: Any] in
            ["claim": move.claim, "payer": move.payer,
             "old": outcome(move.old.outcome), "oldCarcs": move.old.carcs.joined(separator: ", "), "oldPolicy": move.old.policy ?? "none",
             "new": outcome(move.new.outcome), "newCarcs": move.new.carcs.joined(separator: ", "), "newPolicy": move.new.policy ?? "none",
             "cleared": move.cleared, "raised": move.raised]
        }
        var values: [String: Any] = [
            "old": impact.old, "new": impact.new, "file": impact.file, "claims": impact.claims,
            "movedCount": impact.moved.count, "unchanged": impact.unchanged, "notAdjudicated": impact.notAdjudicated,
            "movedShare": impact.claims == 0 ? "0.0" : String(format: "%.1f", 100 * Double(impact.moved.count) / Double(impact.claims)),
            "oldColor": oldColor, "newColor": newColor,
            "outcomeChart": pairedBars(outcomes), "carcChart": pairedBars(Array(carcs)),
            "outcomeRows": impact.outcomes.map { ["label": $0.key.replacingOccurrences(of: "_", with: " "), "old": $0.old, "new": $0.new, "change": change($0)] },
            "carcRows": impact.carcs.map { ["carc": $0.key, "text": carcText($0.key) ?? "", "old": $0.old, "new": $0.new, "change": change($0)] },
            "transitions": impact.transitions.map { transition -> [String: Any] in
                ["from": outcome(transition.from), "to": outcome(transition.to), "claims": transition.claims,
                 "same": transition.from == transition.to,
                 "rules": transition.rules.prefix(8).map { ["rule": String($0.key.dropFirst(2)), "gone": $0.key.hasPrefix("-"), "count": $0.new] }]
            },
            "moved": moved,
            "hasCarcs": !impact.carcs.isEmpty, "hasTransitions": !impact.transitions.isEmpty, "hasMoved": !impact.moved.isEmpty,
        ]
        if impact.replayed > 0 { values["replayed"] = impact.replayed }
        if impact.moved.count > listedMoves { values["more"] = ["count": impact.moved.count - listedMoves, "kept": listedMoves] }
        return library.render(values, withTemplate: "report") ?? ""
    }

    /// Two bars per row (old above new), scaled to the largest count; the `pairs` partial's values.
    static func pairedBars(_ rows: [(label: String, old: Int, new: Int, detail: String)]) -> [String: Any] {
        let largest = rows.map { max($0.old, $0.new) }.max() ?? 0
        guard largest > 0 else { return ["rows": [[String: Any]](), "empty": "Nothing to chart."] }
        let labelWidth = 130.0, barWidth = 560.0, rowHeight = 40.0
        let bars = rows.enumerated().map { index, row -> [String: Any] in
            let y = Double(index) * rowHeight + 4
            func width(_ value: Int) -> Double { value == 0 ? 0 : max(1, barWidth * Double(value) / Double(largest)) }
            return ["label": row.label, "detail": row.detail.isEmpty ? row.label : "\(row.label): \(row.detail)",
                    "textY": format(y + 20), "x": format(labelWidth),
                    "oldY": format(y + 2), "oldWidth": format(width(row.old)), "oldCount": row.old, "oldCountX": format(labelWidth + width(row.old) + 6), "oldTextY": format(y + 14),
                    "newY": format(y + 18), "newWidth": format(width(row.new)), "newCount": row.new, "newCountX": format(labelWidth + width(row.new) + 6), "newTextY": format(y + 30),
                    "gridY": format(y + rowHeight - 3)]
        }
        return ["chart": true, "rows": bars, "oldColor": oldColor, "newColor": newColor,
                "width": Int(labelWidth + barWidth + 70), "height": Int(Double(rows.count) * rowHeight + 8),
                "axisX": format(labelWidth)]
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
